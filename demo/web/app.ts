/**
 * The demo page: the microphone (or a dropped file, replayed at real time) through an
 * AudioWorklet, decoded on the server or in the page, shown as a live transcript, finals with
 * word times and confidences, a spectrogram and a view of the search.
 */
import { InPageTransport, ServerTransport, type Listener, type Transport } from './transports.ts';
import { addFinal, clearResults, SearchView, showPartial, Spectrogram } from './views.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const statusLine = $('status');
const startButton = $<HTMLButtonElement>('start');
const dropZone = $('drop');
const searchView = new SearchView($<HTMLCanvasElement>('search'));

function status(message: string, kind: 'info' | 'ok' | 'error'): void {
  statusLine.textContent = message;
  statusLine.className = `status ${kind}`;
}

const mode = (): 'server' | 'browser' => ($<HTMLInputElement>('mode-browser').checked ? 'browser' : 'server');
const modelName = document.body.dataset.model ?? 'fsdd-digits';

/**
 * With a server that adapts to speakers, this browser's talker name, kept across sessions and
 * visits: each session starts from what the ones before it learnt of the voice.
 */
function talkerName(): string | undefined {
  if (document.body.dataset.adaptation !== 'speaker') return undefined;
  const key = 'beamline-talker';
  try {
    let name = localStorage.getItem(key);
    if (name === null) localStorage.setItem(key, (name = crypto.randomUUID()));
    return name;
  } catch {
    return undefined; // storage refused (private mode): each session is a talker of its own
  }
}

interface Running {
  readonly context: AudioContext;
  readonly transport: Transport;
  readonly spectrogram: Spectrogram;
  readonly release: () => void;
}

let running: Running | undefined;
let pushedSeconds = 0;

const listener: Listener = {
  partial(words, stable) {
    showPartial(words, stable);
    searchView.setPartial(words);
  },
  final(text, words) {
    if (text === '') return; // an utterance of silence
    addFinal(text, words);
    searchView.addFinal(words);
  },
  search(tokensPerFrame) {
    searchView.addTokens(tokensPerFrame);
  },
  status,
};

function transportFor(): Transport {
  if (mode() === 'browser') return new InPageTransport(`/models/${encodeURIComponent(modelName)}.json`, listener, document.body.dataset.adaptation === 'speaker');
  const url = new URL('/asr', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // A server started with --token: open the page as /?token=… and the socket passes it on.
  const token = new URLSearchParams(location.search).get('token');
  if (token) url.searchParams.set('token', token);
  return new ServerTransport(url.href, modelName, listener, talkerName());
}

/** Wires source → analyser and capture worklet, and the worklet's blocks → the transport. */
async function run(context: AudioContext, source: AudioNode, release: () => void): Promise<void> {
  clearResults();
  await context.audioWorklet.addModule('/demo/mic-worklet.js');
  // channelCountMode 'explicit' with one channel: the worklet hears a mono downmix.
  const capture = new AudioWorkletNode(context, 'mic-capture', { channelCount: 1, channelCountMode: 'explicit', numberOfOutputs: 1 });
  const analyser = new AnalyserNode(context, { fftSize: 1024, smoothingTimeConstant: 0 });
  const silent = new GainNode(context, { gain: 0 });
  const transport = transportFor();
  await transport.start(context.sampleRate);
  pushedSeconds = 0;
  searchView.reset();
  capture.port.onmessage = (event: MessageEvent<Float32Array>) => {
    pushedSeconds += event.data.length / context.sampleRate;
    searchView.advance(pushedSeconds);
    transport.push(event.data);
  };
  source.connect(analyser);
  source.connect(capture);
  capture.connect(silent).connect(context.destination); // keeps the worklet pulled
  const spectrogram = new Spectrogram($<HTMLCanvasElement>('spectrogram'), analyser);
  spectrogram.start();
  running = { context, transport, spectrogram, release };
  startButton.textContent = 'Stop';
  startButton.classList.add('live');
}

async function stop(): Promise<void> {
  const current = running;
  if (current === undefined) return;
  running = undefined;
  startButton.disabled = true; // until the last final is in
  startButton.textContent = 'Finishing…';
  startButton.classList.remove('live');
  current.release();
  current.spectrogram.stop();
  await current.transport.stop();
  await current.context.close();
  startButton.textContent = 'Start microphone';
  startButton.disabled = false;
  status('Stopped.', 'info');
}

/** The reasons a microphone cannot be had, in words a person can act on. */
function microphoneProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'Microphone access was denied. Allow it for this site (the icon in the address bar) and press Start again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No microphone found. Plug one in and press Start again, or drop an audio file on the page.';
  if (name === 'NotReadableError') return 'The microphone is busy in another application, or the system blocked it.';
  return `Could not start the microphone: ${error instanceof Error ? error.message : String(error)}`;
}

async function startMicrophone(): Promise<void> {
  if (!window.isSecureContext || navigator.mediaDevices?.getUserMedia === undefined) {
    status('The microphone needs a secure page: open it over https, or at http://localhost on this machine. You can still drop an audio file.', 'error');
    return;
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  } catch (error) {
    status(microphoneProblem(error), 'error');
    return;
  }
  const context = new AudioContext();
  const release = (): void => stream.getTracks().forEach((track) => track.stop());
  try {
    await run(context, context.createMediaStreamSource(stream), release);
  } catch (error) {
    release();
    await context.close();
    status(error instanceof Error ? error.message : String(error), 'error');
  }
}

/** A dropped file plays at real time (audibly) through exactly the microphone's path. */
async function replayFile(file: File): Promise<void> {
  await stop();
  const context = new AudioContext();
  let buffer: AudioBuffer;
  try {
    buffer = await context.decodeAudioData(await file.arrayBuffer());
  } catch {
    await context.close();
    status(`${file.name}: not an audio file this browser can decode.`, 'error');
    return;
  }
  const source = new AudioBufferSourceNode(context, { buffer });
  source.connect(context.destination);
  try {
    await run(context, source, () => source.disconnect());
  } catch (error) {
    await context.close();
    status(error instanceof Error ? error.message : String(error), 'error');
    return;
  }
  status(`Replaying ${file.name} (${buffer.duration.toFixed(1)} s) at real time…`, 'info');
  // The worklet sends whole 100 ms blocks: let the last one out before ending the stream.
  source.onended = () => setTimeout(() => void stop(), 250);
  source.start();
}

startButton.addEventListener('click', () => {
  if (running) {
    void stop();
    return;
  }
  // Starting takes a moment (permission, worklet, model): one start at a time.
  startButton.disabled = true;
  startButton.textContent = 'Starting…';
  void startMicrophone().finally(() => {
    startButton.disabled = false;
    if (!running) startButton.textContent = 'Start microphone';
  });
});
for (const input of document.querySelectorAll<HTMLInputElement>('input[name=mode]')) {
  input.addEventListener('change', () => {
    if (running) void stop().then(() => status('Mode changed: press Start again.', 'info'));
  });
}
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('over');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file) void replayFile(file);
});
$<HTMLInputElement>('file').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void replayFile(file);
});
if (!window.isSecureContext) status('This page is not a secure context: the microphone needs https (or localhost). Dropping a file still works.', 'error');
