/**
 * Accuracy against grammar size: PIN lists of 10 to 8,000 four-digit PINs, each holding the
 * PINs that synthetic voices (espeak-ng: three voices, two speeds) read, decoded whole with the
 * default beam and max-active. Each list once as written (every phrase its own path from the
 * start, as the grammar was compiled before) and once made deterministic and minimal, as
 * beamline now compiles it: the sentence accuracy, the grammar's states and arcs, the decoding
 * graph's nodes, the compile time and the decoding real-time factor.
 *
 *   npx tsx bench/grammar-size.ts [--pins 12] [--sizes 10,100,1000,5000,8000]
 *
 * Needs espeak-ng (apt-get install espeak-ng).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GrammarBuilder, Recognizer, compileDecodingGraph, phraseListGrammar, type FinalHypothesis, type WordGrammar } from '../src/index.ts';
import { fileFeatures } from '../streams/corpus.ts';
import { loadModel } from '../streams/model-file.ts';

const { values } = parseArgs({ options: { pins: { type: 'string', default: '12' }, sizes: { type: 'string', default: '10,100,1000,5000,8000' } } });
const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const VOICES = ['en-us', 'en-us+f2', 'en-gb+m3'];
const SPEEDS = [130, 170];

/** The phrase list as written: every phrase a path of its own from the start (no sharing). */
function asWritten(phrases: readonly (readonly string[])[]): WordGrammar {
  const builder = new GrammarBuilder();
  const start = builder.addState();
  const end = builder.addState();
  builder.setFinal(end);
  for (const phrase of phrases) {
    let state = start;
    phrase.forEach((word, index) => {
      const next = index === phrase.length - 1 ? end : builder.addState();
      builder.addArc(state, next, word, index === 0 ? -Math.log(phrases.length) : 0);
      state = next;
    });
  }
  return builder.build(start);
}

const pin = (n: number): string[] => String(n).padStart(4, '0').split('').map((d) => DIGITS[Number(d)]);

const model = await loadModel();
const dir = await mkdtemp(join(tmpdir(), 'beamline-grammar-size-'));
try {
  const spoken = Array.from({ length: Number(values.pins) }, (_, i) => pin((i * 4649 + 1234) % 10000));
  const recordings: { words: string[]; features: Awaited<ReturnType<typeof fileFeatures>> }[] = [];
  let seconds = 0;
  for (const [i, words] of spoken.entries()) {
    for (const voice of VOICES) {
      for (const speed of SPEEDS) {
        const path = join(dir, `${i}-${voice}-${speed}.wav`);
        const run = spawnSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', path, words.join(' ')]);
        if (run.status !== 0) throw new Error(`espeak-ng failed (apt-get install espeak-ng): ${run.stderr}`);
        const features = await fileFeatures(path, model.frontEnd, { cmnPriorMean: model.cmnPriorMean });
        seconds += features.count * 0.01;
        recordings.push({ words, features });
      }
    }
  }
  console.log(`${recordings.length} recordings (${spoken.length} PINs × ${VOICES.length} espeak-ng voices × ${SPEEDS.length} speeds, ${seconds.toFixed(0)} s), decoded whole (no endpointing), default beam 120 and max-active 1000.\n`);
  console.log('| PINs in the list | grammar | states | arcs | graph nodes | compile (ms) | sentences right | incomplete | RTF |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const size of values.sizes.split(',').map(Number)) {
    const list = new Map(spoken.map((words) => [words.join(' '), words]));
    for (let i = 0; list.size < size; i++) list.set(pin((i * 7919 + 13) % 10000).join(' '), pin((i * 7919 + 13) % 10000));
    const phrases = [...list.values()];
    for (const [kind, build] of [
      ['as written', asWritten],
      ['deterministic, minimal', phraseListGrammar],
    ] as const) {
      const started = performance.now();
      const grammar = build(phrases);
      const graph = compileDecodingGraph(model, grammar);
      const compileMs = performance.now() - started;
      const recognizer = new Recognizer(model, { compiledGraph: graph, decoder: { endpoint: { enabled: false } } });
      let right = 0;
      let incomplete = 0;
      const decodeStarted = performance.now();
      for (const { words, features } of recordings) {
        const final: FinalHypothesis | undefined = recognizer.decodeUtterance(features);
        if (final === undefined || !final.complete) incomplete++;
        else if (final.text === words.join(' ')) right++;
      }
      const rtf = (performance.now() - decodeStarted) / 1000 / seconds;
      console.log(
        `| ${size} | ${kind} | ${grammar.stateCount} | ${grammar.arcs.length} | ${graph.nodeCount} | ${compileMs.toFixed(0)} | ${right} of ${recordings.length} (${((100 * right) / recordings.length).toFixed(1)}%) | ${incomplete} | ${rtf.toFixed(4)} |`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
