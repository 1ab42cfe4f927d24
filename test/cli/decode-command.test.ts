import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import wavefile from 'wavefile';
import { Resampler } from '../../src/audio/resampler.ts';
import { beamline } from './run-cli.ts';

const bin = fileURLToPath(new URL('../../bin/beamline.js', import.meta.url));

/** Runs the installed command with `input` on its standard input. */
function runWithInput(args: string[], input: Uint8Array): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? -1), stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

/** The samples of a 16-bit mono WAV fixture, as int16. */
async function wavSamples(path: string): Promise<{ samples: Int16Array; sampleRateHz: number }> {
  const wav = new wavefile.WaveFile(await readFile(path));
  return { samples: Int16Array.from(wav.getSamples(false, Int16Array) as unknown as Int16Array), sampleRateHz: (wav.fmt as { sampleRate: number }).sampleRate };
}

const samples = fileURLToPath(new URL('../../demo/samples/', import.meta.url));
const grammars = fileURLToPath(new URL('../fixtures/grammars/', import.meta.url));

interface DecodeLine {
  file: string;
  text?: string;
  result?: { word: string; start: number; end: number; conf: number }[];
  partial?: string;
  stable?: string;
  error?: { code: string };
}

const lines = (stdout: string): DecodeLine[] => stdout.trim().split('\n').map((line) => JSON.parse(line) as DecodeLine);

describe('beamline decode with the shipped model and the digit loop', () => {
  it('prints the digits of each recording, with word times and confidences in JSON lines', async () => {
    const { code, stdout } = await beamline('decode', '--format', 'jsonl', `${samples}seven-en-us-16k.wav`, `${samples}two-en-gb-8k.wav`, `${samples}nine-en-us-female-22k.wav`);
    expect(code).toBe(0);
    const results = lines(stdout);
    expect(results.map((r) => r.text)).toEqual(['seven', 'two', 'nine']);
    for (const result of results) {
      expect(result.result).toHaveLength(1);
      const [word] = result.result!;
      expect(word.end).toBeGreaterThan(word.start);
      expect(word.conf).toBeGreaterThan(0);
      expect(word.conf).toBeLessThanOrEqual(1);
    }
  });

  it('shows the hypothesis forming with --partials', async () => {
    const { code, stdout } = await beamline('decode', '--format', 'jsonl', '--partials', `${samples}seven-en-us-16k.wav`);
    expect(code).toBe(0);
    const all = lines(stdout);
    const partials = all.filter((line) => line.partial !== undefined);
    expect(partials.length).toBeGreaterThan(0);
    expect(all.at(-1)!.text).toBe('seven');
    expect(all.indexOf(partials[0])).toBeLessThan(all.length - 1);
  });

  it('prints one line per file as text', async () => {
    const { code, stdout } = await beamline('decode', `${samples}two-en-gb-8k.wav`);
    expect(code).toBe(0);
    expect(stdout).toBe(`${samples}two-en-gb-8k.wav\ttwo\n`);
  });

  it('restricts what may be said with --words and with a JSGF grammar', async () => {
    const words = await beamline('decode', '--format', 'jsonl', '--words', 'two three', `${samples}seven-en-us-16k.wav`);
    expect(['two', 'three']).toContain(lines(words.stdout)[0].text!.split(' ')[0]);
    const dir = await mkdtemp(join(tmpdir(), 'beamline-grammar-'));
    const grammar = join(dir, 'nine.gram');
    await writeFile(grammar, '#JSGF V1.0;\ngrammar one;\npublic <only> = NINE | EIGHT;\n');
    const jsgf = await beamline('decode', '--format', 'jsonl', '--grammar', grammar, `${samples}nine-en-us-female-22k.wav`);
    expect(jsgf.code).toBe(0);
    expect(lines(jsgf.stdout)[0].text).toBe('nine');
    const digits = await beamline('decode', '--format', 'jsonl', '--grammar', `${grammars}digits.gram`, `${samples}two-en-gb-8k.wav`);
    expect(digits.code).toBe(1); // digits.gram has "oh", which the model does not know
    expect(digits.stderr).toMatch(/UNKNOWN_WORD: .*digits\.gram: JSGF line \d+: the word "oh"/);
  });

  describe('under a grammar, every result is a sentence of it, one per utterance', () => {
    const audio = fileURLToPath(new URL('../fixtures/audio/', import.meta.url));
    const digits = 'zero | one | two | three | four | five | six | seven | eight | nine';
    const grammarFile = async (name: string, text: string): Promise<string> => {
      const dir = await mkdtemp(join(tmpdir(), 'beamline-sentences-'));
      await writeFile(join(dir, name), `#JSGF V1.0;\ngrammar g;\n${text}\n`);
      return join(dir, name);
    };
    // Seven digits with pauses, which endpointing splits into utterances; each restarts the grammar.
    it.each([
      ['four digits', `public <pin> = <d> <d> <d> <d>;\n<d> = ${digits};`, /^(\w+ ){3}\w+$/],
      ['one digit', `public <d> = ${digits};`, /^\w+$/],
      ['((((four))))', 'public <f> = ((((four))));', /^four$/],
    ])('%s: no line joins utterances, and one that found no sentence says so', async (_name, rule, sentence) => {
      const grammar = await grammarFile('g.gram', rule);
      const { code, stdout, stderr } = await beamline('decode', '--format', 'jsonl', '--grammar', grammar, `${audio}digits-seven-paused.wav`);
      expect(code).toBe(0);
      const results = lines(stdout) as (DecodeLine & { utterance: number; complete?: boolean })[];
      expect(results.length).toBeGreaterThan(0);
      for (const result of results) {
        if (result.complete === false) {
          expect(result.text).toBe('');
          expect(stderr).toContain(`utterance ${result.utterance} `);
        } else {
          expect(result.text).toMatch(sentence);
        }
      }
      // Utterances in order, each on its own line.
      expect(results.map((result) => result.utterance)).toEqual([...results.map((result) => result.utterance)].sort((a, b) => a - b));
    });

    it('finds the PIN in a list of 5,000 at the default max-active, with endpointing off', async () => {
      // "four eight" before: the list's 5,000 parallel paths crowded the right one out of the search.
      const names = digits.split(' | ');
      const pins = new Set(['four eight one five']);
      for (let i = 0; pins.size < 5000; i++) pins.add(String((i * 7919 + 13) % 10000).padStart(4, '0').split('').map((d) => names[Number(d)]).join(' '));
      const grammar = await grammarFile('pins.gram', `public <pin> = ${[...pins].join(' | ')};`);
      const { code, stdout } = await beamline('decode', '--no-endpoint', '--grammar', grammar, `${audio}pin-four-eight-one-five.wav`);
      expect(code).toBe(0);
      expect(stdout).toBe(`${audio}pin-four-eight-one-five.wav\tfour eight one five\n`);
    }, 30_000);
  });

  it('reports a bad file with its code and still decodes the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'beamline-bad-'));
    const bad = join(dir, 'not-audio.wav');
    await writeFile(bad, 'this is not a WAV file at all');
    const { code, stdout, stderr } = await beamline('decode', '--format', 'jsonl', bad, `${samples}two-en-gb-8k.wav`);
    expect(code).toBe(1);
    const results = lines(stdout);
    expect(results[0].error?.code).toBe('AUDIO_NOT_AUDIO');
    expect(results[1].text).toBe('two');
    // One line per bad file, naming it once, as it was given.
    expect(stderr).toBe(`beamline: AUDIO_NOT_AUDIO: ${bad}: not a recognised audio file\nbeamline: AUDIO_NOT_AUDIO: 1 of 2 files could not be decoded (see above); the others were\n`);
    const alone = await beamline('decode', bad);
    expect(alone.stderr).toMatch(/: 1 of 1 file could not be decoded \(see above\)\n$/);
  });

  it('gives a file too short for one frame its (empty) line too (found by the file fuzzer)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'beamline-short-'));
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, 8000, '16', new Int16Array(3));
    await writeFile(join(dir, 'short.wav'), wav.toBuffer());
    const { code, stdout } = await beamline('decode', '--format', 'jsonl', join(dir, 'short.wav'), `${samples}two-en-gb-8k.wav`);
    expect(code).toBe(0);
    expect(lines(stdout)).toMatchObject([{ file: join(dir, 'short.wav'), text: '' }, { text: 'two' }]);
  });

  it('cut by the longest-utterance rule inside a word, a digit loop\'s utterance is still complete, that word counted', async () => {
    // 45 s of "two" every 2 s in faint noise: the 20 s rule cuts mid-word. Such cuts were
    // reported as no sentence once finals had to reach the grammar's end.
    const { samples: speech } = await wavSamples(`${samples}two-en-gb-8k.wav`);
    const audio = new Int16Array(8000 * 45);
    for (let i = 0; i < audio.length; i++) audio[i] = i % 16000 < speech.length ? speech[i % 16000] : ((i * 7919) % 41) - 20;
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, 8000, '16', audio);
    const dir = await mkdtemp(join(tmpdir(), 'beamline-long-'));
    await writeFile(join(dir, 'long.wav'), wav.toBuffer());
    const { code, stdout, stderr } = await beamline('decode', '--format', 'jsonl', join(dir, 'long.wav'));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const results = lines(stdout) as (DecodeLine & { complete?: boolean })[];
    expect(results.length).toBeGreaterThanOrEqual(3);
    for (const result of results) {
      expect(result.complete).toBeUndefined();
      expect(result.text).toMatch(/^(two ?)+$/);
    }
  }, 60_000);

  it('decodes every rate the readers accept, up to 768 kHz, and the files after them', async () => {
    // The resampler's library refuses rates above 192 kHz; these crashed the command before.
    const dir = await mkdtemp(join(tmpdir(), 'beamline-rates-'));
    const { samples: speech, sampleRateHz } = await wavSamples(`${samples}two-en-gb-8k.wav`);
    const files: string[] = [];
    for (const rate of [192001, 768000]) {
      // Linear interpolation is enough here: the 8 kHz recording has nothing above 4 kHz to alias.
      const length = Math.floor((speech.length * rate) / sampleRateHz);
      const upsampled = new Int16Array(length);
      for (let i = 0; i < length; i++) {
        const position = (i * sampleRateHz) / rate;
        const left = Math.floor(position);
        const right = Math.min(left + 1, speech.length - 1);
        upsampled[i] = Math.round(speech[left] + (position - left) * (speech[right] - speech[left]));
      }
      const wav = new wavefile.WaveFile();
      wav.fromScratch(1, rate, '16', upsampled);
      const file = join(dir, `two-${rate}.wav`);
      await writeFile(file, wav.toBuffer());
      files.push(file);
    }
    const { code, stdout } = await beamline('decode', '--format', 'jsonl', ...files, `${samples}seven-en-us-16k.wav`);
    expect(code).toBe(0);
    expect(lines(stdout).map((line) => line.text)).toEqual(['two', 'two', 'seven']);
  }, 60_000);

  it('gives an internal error its own exit status (70), reports it, and still decodes the other files', async () => {
    // Stands in for any bug below the command: a plain Error, not a coded BeamlineError.
    const create = vi.spyOn(Resampler, 'create').mockRejectedValueOnce(new Error('simulated fault'));
    try {
      const { code, stdout, stderr } = await beamline('decode', '--format', 'jsonl', `${samples}seven-en-us-16k.wav`, `${samples}two-en-gb-8k.wav`);
      expect(code).toBe(70);
      expect(lines(stdout)).toMatchObject([{ error: { code: 'INTERNAL', message: 'simulated fault' } }, { text: 'two' }]);
      expect(stderr).toMatch(/^beamline: internal error on .*seven-en-us-16k\.wav \(a bug in beamline; please report it\): Error: simulated fault\n/);
      expect(stderr).toMatch(/beamline: 1 of 2 files could not be decoded \(see above\); the others were\n$/);
    } finally {
      create.mockRestore();
    }
  });

  it('reads standard input (-), as a WAV or as headerless PCM with --raw', async () => {
    const wav = await readFile(`${samples}two-en-gb-8k.wav`);
    const asWav = await runWithInput(['decode', '-'], wav);
    expect(asWav).toMatchObject({ code: 0, stdout: '-\ttwo\n' });
    // sox … -t raw - | beamline decode --raw s16le --raw-rate 8000 -
    const { samples: pcm } = await wavSamples(`${samples}two-en-gb-8k.wav`);
    const asRaw = await runWithInput(['decode', '--raw', 's16le', '--raw-rate', '8000', '-'], new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    expect(asRaw).toMatchObject({ code: 0, stdout: '-\ttwo\n' });
    const twice = await beamline('decode', '-', '-');
    expect(twice.code).toBe(2);
    const noRate = await beamline('decode', '--raw', 's16le', '-');
    expect(noRate.code).toBe(2);
  }, 30_000);

  it('keeps a talker in --talker across runs, and refuses a file that is not one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'beamline-talker-'));
    const talker = join(dir, 'talker.json');
    const utterances = async (): Promise<number> => (JSON.parse(await readFile(talker, 'utf8')) as { utterances: number }).utterances;
    const first = await beamline('decode', '--adaptation', 'speaker', '--talker', talker, `${samples}seven-en-us-16k.wav`, `${samples}two-en-gb-8k.wav`);
    expect(first.code).toBe(0);
    expect(await utterances()).toBe(2);
    const second = await beamline('decode', '--adaptation', 'speaker', '--talker', talker, `${samples}nine-en-us-female-22k.wav`);
    expect(second.stdout).toContain('nine');
    expect(await utterances()).toBe(3);
    await writeFile(talker, '{"format": "beamline-talker", "ver');
    const broken = await beamline('decode', '--adaptation', 'speaker', '--talker', talker, `${samples}seven-en-us-16k.wav`);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/DATA_INVALID: .*talker\.json: the talker file is not JSON/);
    const noAdaptation = await beamline('decode', '--talker', talker, `${samples}seven-en-us-16k.wav`);
    expect(noAdaptation.stderr).toMatch(/CONFIG_INVALID: --talker needs --adaptation speaker/);
  });

  it('names an unknown word in --words and refuses two grammars at once', async () => {
    const unknown = await beamline('decode', '--words', 'two eleven', `${samples}two-en-gb-8k.wav`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/UNKNOWN_WORD: the word "eleven"/);
    const both = await beamline('decode', '--words', 'two', '--phrases', 'two', `${samples}two-en-gb-8k.wav`);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/at most one of --grammar, --words and --phrases/);
  });
});
