/**
 * Isolated-digit accuracy of the training recipe: the model trained on all five FSDD speakers'
 * training split (index 5–49) scored on their test split (index 0–4), and leave-one-speaker-out
 * (train on four speakers' training split, test on the fifth speaker's test split; all folds).
 * With espeak-ng installed it also scores a synthetic set of female and child-like voices (no
 * such voice is in FSDD) to show what augmentation does for unseen voices.
 *
 *   npx tsx bench/accuracy.ts [--fsdd DIR] [--mixtures 4] [--vtlp 0.9,1.1] [--pad-silence 0.3] [--skip-loso]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluate } from '../cli/eval-command.ts';
import { fsddDirOrExplain } from '../cli/options.ts';
import { train, type TrainOptions } from '../cli/train-command.ts';
import { fsddCorpus, FSDD_WORDS, type CorpusEntry } from '../streams/corpus.ts';

const { values } = parseArgs({
  options: {
    fsdd: { type: 'string' },
    mixtures: { type: 'string', default: '4' },
    vtlp: { type: 'string', default: '' },
    'skip-loso': { type: 'boolean', default: false },
    'pad-silence': { type: 'string', default: '0.3' },
  },
});
const fsdd = fsddDirOrExplain(values.fsdd);
const SPEAKERS = ['george', 'jackson', 'nicolas', 'theo', 'yweweler'];
const vtlp = values.vtlp.split(',').filter(Boolean).map(Number);
const base: TrainOptions = {
  fsdd,
  indices: [5, 49],
  out: '',
  name: 'bench',
  sampleRate: 8000,
  cmn: 'utterance',
  mixtures: Number(values.mixtures),
  iterations: 3,
  baumWelch: 2,
  statesPerPhone: 3,
  vtlp,
  padSilence: Number(values['pad-silence']),
  seed: 1,
  quiet: true,
};

const percent = (value: number): string => `${value.toFixed(1)}%`;
console.log(
  `Isolated-digit accuracy: ${base.mixtures} Gaussians per state, VTLP warps ${vtlp.length ? vtlp.join(', ') : 'none'}, ` +
    `silence padding up to ${base.padSilence} s, ${new Date().toISOString().slice(0, 10)}`,
);

const full = await train(base);
const testSplit = await evaluate(full.model, await fsddCorpus(fsdd, { indices: [0, 4] }), true);
console.log(`\nTrained on all five speakers (index 5–49) in ${full.seconds.toFixed(0)} s; FSDD test split (index 0–4, 250 files):\n`);
console.log(`| speaker | ${SPEAKERS.join(' | ')} | all |`);
console.log(`| --- | ${SPEAKERS.map(() => '---').join(' | ')} | --- |`);
console.log(`| accuracy | ${SPEAKERS.map((s) => percent(testSplit.speakers[s].percentCorrect)).join(' | ')} | ${percent(testSplit.report.percentCorrect)} |`);

if (!values['skip-loso']) {
  const folds: number[] = [];
  for (const speaker of SPEAKERS) {
    const fold = await train({ ...base, excludeSpeakers: [speaker] });
    const result = await evaluate(fold.model, await fsddCorpus(fsdd, { indices: [0, 4], speakers: [speaker] }), true);
    folds.push(result.report.percentCorrect);
  }
  const mean = folds.reduce((a, b) => a + b, 0) / folds.length;
  console.log('\nLeave one speaker out (train on four speakers\' index 5–49, test on the fifth speaker\'s index 0–4, 50 files each):\n');
  console.log(`| held-out speaker | ${SPEAKERS.join(' | ')} | mean |`);
  console.log(`| --- | ${SPEAKERS.map(() => '---').join(' | ')} | --- |`);
  console.log(`| accuracy | ${folds.map(percent).join(' | ')} | ${percent(mean)} |`);
}

let espeak = true;
try {
  execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
} catch {
  espeak = false;
  console.log('\n(espeak-ng is not installed: skipping the synthetic-voice set; apt-get install espeak-ng)');
}
if (espeak) {
  const dir = mkdtempSync(join(tmpdir(), 'beamline-voices-'));
  const entries: CorpusEntry[] = [];
  // Female variants at ordinary pitch, and the same voices pitched up towards a child's.
  for (const voice of ['en-us', 'en-gb']) {
    for (const variant of ['f1', 'f2', 'f3', 'f4', 'f5']) {
      for (const pitch of [50, 90]) {
        FSDD_WORDS.forEach((word, digit) => {
          const path = join(dir, `${digit}_${voice}-${variant}-${pitch}.wav`);
          execFileSync('espeak-ng', ['-v', `${voice}+${variant}`, '-p', String(pitch), '-w', path, word]);
          entries.push({ path, words: [word], speaker: pitch > 60 ? 'child-like' : 'female' });
        });
      }
    }
  }
  const voices = await evaluate(full.model, entries, true);
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nSynthetic voices (espeak-ng en-us/en-gb female variants f1–f5, ${entries.length} files, resampled from 22.05 kHz):\n`);
  console.log('| voices | female (pitch 50) | child-like (pitch 90) | all |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| accuracy | ${percent(voices.speakers.female.percentCorrect)} | ${percent(voices.speakers['child-like'].percentCorrect)} | ${percent(voices.report.percentCorrect)} |`);
}
