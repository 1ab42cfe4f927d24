/**
 * Partial latency for live input: how long after the audio that completes a word a partial
 * hypothesis containing that word reaches the caller. Connected digit strings made from FSDD's
 * test split (bench/connected-digits.ts) are fed to a streaming recognition session in 0.1 s
 * chunks, as a file replayed at real time (or a microphone) delivers them. For each word of each
 * final, the first partial with that word at that position counts; its latency is the end of the
 * chunk that produced it, minus the word's end in the final, plus the time the chunk took to
 * decode. A word that no partial showed counts at its final. Prints the distribution and writes
 * its curve to docs/images/partial-latency.svg.
 *
 *   taskset -c 1 npx tsx bench/latency.ts [--fsdd DIR] [--strings 40]
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fsddDirOrExplain } from '../cli/options.ts';
import { Recognizer, svgLinePlot, type DecoderEvent } from '../src/index.ts';
import { loadModel } from '../streams/model-file.ts';
import { fsddCorpus } from '../streams/corpus.ts';
import { digitStrings } from './connected-digits.ts';

const { values } = parseArgs({ options: { fsdd: { type: 'string' }, strings: { type: 'string', default: '40' } } });
const fsdd = fsddDirOrExplain(values.fsdd);
const model = await loadModel();
const recognizer = new Recognizer(model, { streaming: true });
const rate = recognizer.sampleRateHz;
const strings = await digitStrings(await fsddCorpus(fsdd, { indices: [0, 4] }), Number(values.strings), rate, 3);
const CHUNK = Math.round(0.1 * rate);

const latencies: number[] = [];
let fromFinal = 0;
for (const string of strings) {
  const session = recognizer.createSession();
  /** For each partial: its words and when the caller had it (seconds of stream time + decode time). */
  const partials: { words: readonly string[]; at: number }[] = [];
  const finals: { words: { word: string; end: number }[]; at: number }[] = [];
  const take = (events: readonly DecoderEvent[], at: number): void => {
    for (const event of events) {
      if (event.type === 'partial') partials.push({ words: event.words, at });
      else finals.push({ words: event.words.map((w) => ({ word: w.word, end: w.end })), at });
    }
  };
  for (let i = 0; i < string.samples.length; i += CHUNK) {
    const chunk = string.samples.subarray(i, i + CHUNK);
    const started = performance.now();
    const events = session.push(chunk);
    take(events, (i + chunk.length) / rate + (performance.now() - started) / 1000);
  }
  const started = performance.now();
  take(session.finish(), string.samples.length / rate + (performance.now() - started) / 1000);
  // Partials restart with each utterance: match each final against the partials made since the one before.
  let from = 0;
  for (const final of finals) {
    const mine = partials.filter((partial, index) => index >= from && partial.at <= final.at);
    from += mine.length;
    final.words.forEach((word, k) => {
      const first = mine.find((partial) => partial.words[k] === word.word && partial.at >= word.end);
      if (first === undefined) fromFinal++;
      latencies.push(((first?.at ?? final.at) - word.end) * 1000);
    });
  }
}

latencies.sort((a, b) => a - b);
const quantile = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(`Partial latency, ${strings.length} connected strings (${latencies.length} words), 0.1 s chunks, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| words | p10 ms | p50 ms | p90 ms | p99 ms | max ms | shown first by the final |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
console.log(
  `| ${latencies.length} | ${quantile(0.1).toFixed(0)} | ${quantile(0.5).toFixed(0)} | ${quantile(0.9).toFixed(0)} | ${quantile(0.99).toFixed(0)} | ${latencies.at(-1)!.toFixed(0)} | ${fromFinal} |`,
);
const curve = latencies.map((ms, i) => [ms, (100 * (i + 1)) / latencies.length] as const);
const svg = svgLinePlot([{ name: 'share of words', points: curve }], {
  title: 'Time from the end of a word to the first partial containing it',
  xLabel: 'latency (ms)',
  yLabel: '% of words',
  width: 640,
  height: 360,
});
await writeFile(fileURLToPath(new URL('../docs/images/partial-latency.svg', import.meta.url)), svg);
console.log('\nPlot: docs/images/partial-latency.svg');
