/** What the page draws: the live transcript, the finals, a spectrogram and the search view. */
import type { Word } from './transports.ts';

const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** The partial: words that can no longer change, then the tail that still may, styled apart. */
export function showPartial(words: readonly string[], stable: number): void {
  element('stable').textContent = words.slice(0, stable).join(' ');
  element('tail').textContent = words.slice(stable).join(' ');
}

/** A new stream: no partial, no finals. */
export function clearResults(): void {
  showPartial([], 0);
  element('finals').replaceChildren();
}

/** A final, newest first: each word with its time span and a confidence bar. */
export function addFinal(text: string, words: readonly Word[]): void {
  const item = document.createElement('li');
  item.className = 'final';
  const heading = document.createElement('div');
  heading.className = 'final-text';
  heading.textContent = text;
  item.append(heading);
  const chips = document.createElement('div');
  chips.className = 'chips';
  for (const word of words) {
    const chip = document.createElement('span');
    chip.className = 'chip';
    chip.style.setProperty('--conf', String(word.conf));
    chip.title = `${word.start.toFixed(2)}–${word.end.toFixed(2)} s, confidence ${word.conf.toFixed(2)}`;
    chip.innerHTML = `<b></b><small>${word.start.toFixed(2)}–${word.end.toFixed(2)} s · ${(100 * word.conf).toFixed(0)}%</small><i></i>`;
    chip.querySelector('b')!.textContent = word.word;
    chips.append(chip);
  }
  item.append(chips);
  element('finals').prepend(item);
  showPartial([], 0);
}

/** A scrolling spectrogram of the analyser's input, 0 Hz at the bottom. */
export class Spectrogram {
  private readonly context: CanvasRenderingContext2D;
  private readonly bins: Uint8Array<ArrayBuffer>;
  private running = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly analyser: AnalyserNode,
  ) {
    this.context = canvas.getContext('2d')!;
    this.bins = new Uint8Array(analyser.frequencyBinCount);
  }

  start(): void {
    this.running = true;
    const draw = (): void => {
      if (!this.running) return;
      this.column();
      requestAnimationFrame(draw);
    };
    requestAnimationFrame(draw);
  }

  stop(): void {
    this.running = false;
  }

  private column(): void {
    const { canvas, context, bins } = this;
    this.analyser.getByteFrequencyData(bins);
    context.drawImage(canvas, -2, 0);
    // The band up to 8 kHz: where the speech (and the model's 4 kHz) is.
    const top = Math.min(bins.length, Math.round((8000 / (this.analyser.context.sampleRate / 2)) * bins.length));
    for (let y = 0; y < canvas.height; y++) {
      const value = bins[Math.floor(((canvas.height - 1 - y) / canvas.height) * top)] / 255;
      context.fillStyle = `hsl(${250 - 200 * value}, 80%, ${8 + 55 * value}%)`;
      context.fillRect(canvas.width - 2, y, 2, 1);
    }
  }
}

/**
 * The search along time: the last seconds of the stream, with the words of the best path (finals
 * solid, the partial's words at the right edge) and the search's active tokens per frame as a
 * curve.
 */
export class SearchView {
  private readonly context: CanvasRenderingContext2D;
  private finals: Word[] = [];
  private partial: readonly string[] = [];
  private readonly tokens: { time: number; value: number }[] = [];
  private now = 0;
  private readonly spanSeconds = 8;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.context = canvas.getContext('2d')!;
  }

  reset(): void {
    this.finals = [];
    this.partial = [];
    this.tokens.length = 0;
    this.now = 0;
    this.draw();
  }

  advance(seconds: number): void {
    this.now = seconds;
    this.draw();
  }

  addFinal(words: readonly Word[]): void {
    this.finals.push(...words);
    this.partial = [];
    this.draw();
  }

  setPartial(words: readonly string[]): void {
    this.partial = words;
    this.draw();
  }

  addTokens(value: number): void {
    this.tokens.push({ time: this.now, value });
  }

  private draw(): void {
    const { canvas, context, now, spanSeconds } = this;
    const x = (time: number): number => ((time - (now - spanSeconds)) / spanSeconds) * canvas.width;
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = '#8a93a6';
    context.font = '11px system-ui, sans-serif';
    for (let second = Math.ceil(now - spanSeconds); second <= now; second++) {
      context.fillRect(x(second), canvas.height - 6, 1, 6);
      if (second >= 0) context.fillText(`${second} s`, x(second) + 3, canvas.height - 1);
    }
    // Active tokens per frame.
    const visible = this.tokens.filter((point) => point.time > now - spanSeconds);
    if (visible.length > 1) {
      const most = Math.max(40, ...visible.map((point) => point.value));
      context.strokeStyle = '#f0b429';
      context.beginPath();
      visible.forEach((point, i) => {
        const y = canvas.height - 14 - (point.value / most) * (canvas.height - 60);
        if (i === 0) context.moveTo(x(point.time), y);
        else context.lineTo(x(point.time), y);
      });
      context.stroke();
      context.fillStyle = '#f0b429';
      context.fillText(`active tokens/frame: ${visible.at(-1)!.value.toFixed(0)}`, 6, 14);
    }
    // Words of the best path.
    context.font = '600 14px system-ui, sans-serif';
    for (const word of this.finals) {
      if (word.end < now - spanSeconds) continue;
      context.fillStyle = `rgba(76, 201, 160, ${0.25 + 0.6 * word.conf})`;
      context.fillRect(x(word.start), 24, Math.max(2, x(word.end) - x(word.start)), 26);
      context.fillStyle = '#0b1020';
      context.fillText(word.word, x(word.start) + 4, 42);
    }
    if (this.partial.length > 0) {
      context.fillStyle = '#c7d2fe';
      const text = this.partial.join(' ') + ' …';
      context.fillText(text, canvas.width - context.measureText(text).width - 6, 42);
    }
  }
}
