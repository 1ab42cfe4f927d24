/**
 * Isolated-digit accuracy of the training recipe: the model trained on all five FSDD speakers'
 * training split (index 5–49) scored on their test split (index 0–4), and leave-one-speaker-out
 * (train on four speakers' training split, test on the fifth speaker's test split; all folds).
 * With espeak-ng installed it also scores a synthetic set of female and child-like voices (no
 * such voice is in FSDD) to show what augmentation does for unseen voices.
 *
 *   npx tsx bench/accuracy.ts [--fsdd DIR] [--mixtures 4] [--vtlp 0.9,1.1] [--pad-silence 0.3] [--synthetic-voices] [--skip-loso]
 */
import { parseArgs } from 'node:util';
import { evaluate } from '../cli/eval-command.ts';
import { fsddDirOrExplain } from '../cli/options.ts';
import { train, type TrainOptions } from '../cli/train-command.ts';
import { fsddCorpus, FSDD_WORDS } from '../streams/corpus.ts';
import { espeakAvailable, synthesiseVoices, TEST_VOICES } from '../streams/synthetic-voices.ts';

const { values } = parseArgs({
  options: {
    fsdd: { type: 'string' },
    mixtures: { type: 'string', default: '4' },
    vtlp: { type: 'string', default: '' },
    'skip-loso': { type: 'boolean', default: false },
    'pad-silence': { type: 'string', default: '0' },
    'synthetic-voices': { type: 'boolean', default: false },
    'noise-copies': { type: 'string', default: '' },
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
  syntheticVoices: values['synthetic-voices'],
  noiseCopies: values['noise-copies'].split(',').filter(Boolean).map(Number),
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

if (await espeakAvailable()) {
  const entries = await synthesiseVoices(FSDD_WORDS, TEST_VOICES, 2);
  const voices = await evaluate(full.model, entries, true);
  const byVariant = (variant: string): string => {
    const reports = Object.entries(voices.speakers).filter(([name]) => name.endsWith(variant)).map(([, report]) => report);
    const hits = reports.reduce((sum, r) => sum + r.counts.hits, 0);
    const words = reports.reduce((sum, r) => sum + r.referenceWords, 0);
    return percent((100 * hits) / words);
  };
  console.log(
    `\nSynthetic voices never used in training (espeak-ng en-us and en-gb, female variants f2 and f4, pitch 40–99, ${entries.length} files at 22.05 kHz, untrimmed):\n`,
  );
  console.log('| voices | f2 | f4 | all |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| accuracy | ${byVariant('f2')} | ${byVariant('f4')} | ${percent(voices.report.percentCorrect)} |`);
} else {
  console.log('\n(espeak-ng is not installed: skipping the synthetic-voice set; apt-get install espeak-ng)');
}
