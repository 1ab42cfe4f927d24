/**
 * What the recording around a word does to a model: the FSDD test split (index 0–4) decoded as
 * it is and changed the ways real files differ from FSDD's trimmed, well-levelled ones: quieter
 * or clipped, a DC offset or mains hum, and the word padded with digital silence (as files cut
 * to a fixed length are) or with quiet room noise. Each condition prints its accuracy and what
 * went wrong most.
 *
 *   npx tsx bench/robustness.ts [--model models/fsdd-digits.json] [--fsdd DIR]
 */
import { parseArgs } from 'node:util';
import { fsddDirOrExplain } from '../cli/options.ts';
import { Recognizer, SeededRandom, type FinalHypothesis } from '../src/index.ts';
import { fileSamples, fsddCorpus } from '../streams/corpus.ts';
import { loadModel } from '../streams/model-file.ts';

const RATE = 8000;
const { values } = parseArgs({ options: { model: { type: 'string' }, fsdd: { type: 'string' } } });
const model = await loadModel(values.model);
const entries = await fsddCorpus(fsddDirOrExplain(values.fsdd), { indices: [0, 4] });
const recordings = await Promise.all(entries.map((entry) => fileSamples(entry.path, RATE)));
const recognizer = new Recognizer(model, { decoder: { partials: false } });
const random = new SeededRandom(1);

function decode(samples: Float32Array): string {
  const session = recognizer.createSession();
  return [...session.push(samples), ...session.finish()]
    .filter((event): event is FinalHypothesis => event.type === 'final')
    .map((final) => final.text)
    .filter(Boolean)
    .join(' ');
}

/** The samples between stretches of Gaussian noise at `level` (RMS, full scale 1; 0: digital silence). */
function padded(samples: Float32Array, seconds: number, level: number): Float32Array {
  const pad = Math.round(seconds * RATE);
  const out = new Float32Array(samples.length + 2 * pad);
  if (level > 0) for (let i = 0; i < out.length; i++) out[i] = level * random.normal();
  out.set(samples, pad);
  return out;
}

const conditions: [string, (samples: Float32Array) => Float32Array][] = [
  ['as recorded', (x) => x],
  ['26 dB quieter (× 0.05)', (x) => x.map((v) => v * 0.05)],
  ['18 dB louder, clipped at full scale', (x) => x.map((v) => Math.max(-1, Math.min(1, v * 8)))],
  ['DC offset 0.1', (x) => x.map((v) => v + 0.1)],
  ['50 Hz hum at −34 dBFS', (x) => x.map((v, i) => v + 0.02 * Math.sin((2 * Math.PI * 50 * i) / RATE))],
  ['1 s of digital silence before and after', (x) => padded(x, 1, 0)],
  ['1 s of noise at −60 dBFS before and after', (x) => padded(x, 1, 0.001)],
  ['0.3 s of noise at −40 dBFS before and after', (x) => padded(x, 0.3, 0.01)],
];

console.log(`Robustness: model ${model.name}, FSDD test split (${entries.length} files, index 0–4), isolated digits, digit loop, batch\n`);
console.log('| condition | accuracy | errors | most frequent |');
console.log('| --- | --- | --- | --- |');
for (const [name, change] of conditions) {
  let right = 0;
  const errors = new Map<string, number>();
  entries.forEach((entry, i) => {
    const heard = decode(change(recordings[i]));
    if (heard === entry.words[0]) right++;
    else {
      const key = `${entry.words[0]} → ${heard || '(nothing)'}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  });
  const top = [...errors].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([key, count]) => `${key} (${count})`).join(', ');
  console.log(`| ${name} | ${((100 * right) / entries.length).toFixed(1)}% | ${entries.length - right} | ${top || '–'} |`);
}
