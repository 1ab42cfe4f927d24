/**
 * Accuracy of the training recipe, decoded by the online decoder with the digit loop (word
 * error rates with substitutions, deletions and insertions): the model trained on all five FSDD speakers'
 * training split (index 5–49) scored on their test split (index 0–4), and leave-one-speaker-out
 * (train on four speakers' training split, test on the fifth speaker's test split; all folds).
 * Each fold also decodes connected digits: strings of 3–7 of the held-out speaker's test-split
 * recordings joined with short noisy gaps (bench/connected-digits.ts). Last, the full model
 * scores synthetic voices never used in training, women and a child (bench/unseen-voices.ts):
 * FSDD has none.
 *
 *   npx tsx bench/accuracy.ts [--fsdd DIR] [--mixtures 4] [--vtlp 0.9,1.1] [--pad-silence 0.3] [--synthetic-voices] [--noise-copies 15,40]
 *     [--accented-voices] [--festival-voices] [--clipped-copies 1] [--noise-only 500] [--delta-window 3] [--acceleration-window 2]
 *     [--semi-tied-rounds 2] [--lda-dim 30] [--edge-silence-db 35] [--zero-padded-copies 1] [--seeds 1,2] [--skip-loso]
 */
import { parseArgs } from 'node:util';
import { evaluate } from '../cli/eval-command.ts';
import { Recognizer, type RecognitionReport } from '../src/index.ts';
import { confidenceAuc, digitStrings, scoreStrings, type ConfidencePair } from './connected-digits.ts';
import { formatSnrLevel, fsddDirOrExplain, snrLevels } from '../cli/options.ts';
import { trainSeeds, type TrainOptions } from '../cli/train-command.ts';
import { fsddCorpus } from '../streams/corpus.ts';
import { unseenVoiceTables } from './unseen-voices.ts';

const { values } = parseArgs({
  options: {
    fsdd: { type: 'string' },
    mixtures: { type: 'string', default: '4' },
    vtlp: { type: 'string', default: '' },
    'skip-loso': { type: 'boolean', default: false },
    'pad-silence': { type: 'string', default: '0' },
    'synthetic-voices': { type: 'boolean', default: false },
    'noise-copies': { type: 'string', default: '' },
    'clipped-copies': { type: 'string', default: '0' },
    'accented-voices': { type: 'boolean', default: false },
    'festival-voices': { type: 'boolean', default: false },
    'delta-window': { type: 'string' },
    'acceleration-window': { type: 'string' },
    'semi-tied-rounds': { type: 'string', default: '0' },
    'noise-only': { type: 'string', default: '0' },
    'mmi-passes': { type: 'string', default: '0' },
    'mmi-acoustic-scale': { type: 'string' },
    'mmi-i-smoothing': { type: 'string' },
    'edge-silence-db': { type: 'string' },
    'lda-dim': { type: 'string' },
    'zero-padded-copies': { type: 'string', default: '0' },
    seeds: { type: 'string' },
  },
});
const fsdd = fsddDirOrExplain(values.fsdd);
const SPEAKERS = ['george', 'jackson', 'nicolas', 'theo', 'yweweler'];
const vtlp = values.vtlp.split(',').filter(Boolean).map(Number);
const base: TrainOptions = {
  fsdd,
  indices: [5, 49],
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
  noiseCopies: values['noise-copies'] ? snrLevels('--noise-copies')(values['noise-copies']) : [],
  clippedCopies: Number(values['clipped-copies']),
  accentedVoices: values['accented-voices'],
  festivalVoices: values['festival-voices'],
  ...(values['delta-window'] !== undefined ? { deltaWindow: Number(values['delta-window']) } : {}),
  ...(values['acceleration-window'] !== undefined ? { accelerationWindow: Number(values['acceleration-window']) } : {}),
  semiTiedRounds: Number(values['semi-tied-rounds']),
  noiseOnly: Number(values['noise-only']),
  mmiPasses: Number(values['mmi-passes']),
  ...(values['mmi-acoustic-scale'] !== undefined ? { mmiAcousticScale: Number(values['mmi-acoustic-scale']) } : {}),
  ...(values['mmi-i-smoothing'] !== undefined ? { mmiISmoothing: Number(values['mmi-i-smoothing']) } : {}),
  ...(values['edge-silence-db'] !== undefined ? { edgeSilenceDb: Number(values['edge-silence-db']) } : {}),
  ...(values['lda-dim'] !== undefined ? { ldaDim: Number(values['lda-dim']) } : {}),
  zeroPaddedCopies: Number(values['zero-padded-copies']),
  seed: 1,
  // Several seeds: each model trained once per seed and merged (beamline train --seeds).
  ...(values.seeds !== undefined ? { seeds: values.seeds.split(',').map(Number) } : {}),
  quiet: true,
};

const percent = (value: number): string => `${value.toFixed(1)}%`;
const wer = (report: RecognitionReport): string =>
  `${report.wordErrorRate.toFixed(1)}% (S ${report.counts.substitutions}, D ${report.counts.deletions}, I ${report.counts.insertions})`;
console.log(
  `Digit accuracy by the online decoder: ${base.mixtures} Gaussians per state, VTLP warps ${vtlp.length ? vtlp.join(', ') : 'none'}, ` +
    `silence padding up to ${base.padSilence} s, noisy copies at ${base.noiseCopies.map(formatSnrLevel).join(', ') || 'no'} dB SNR, synthetic voices ${base.syntheticVoices ? 'on' : 'off'}, festival voices ${base.festivalVoices ? 'on' : 'off'}, foreign-accented voices ${base.accentedVoices ? 'on' : 'off'}, Δ/ΔΔ windows ${base.deltaWindow ?? 2}/${base.accelerationWindow ?? base.deltaWindow ?? 2}, semi-tied rounds ${base.semiTiedRounds}, LDA ${base.ldaDim ?? 'none'}, edge silence in the first alignment ${base.edgeSilenceDb !== undefined ? `below ${base.edgeSilenceDb} dB` : 'none'}, zero-padded copies ${base.zeroPaddedCopies}, edge-clipped copies ${base.clippedCopies}, noise-only utterances ${base.noiseOnly}, MMI passes ${base.mmiPasses}${base.mmiPasses ? ` (κ ${base.mmiAcousticScale ?? 0.1}, τ ${base.mmiISmoothing ?? 100})` : ''}${base.seeds ? `, seeds ${base.seeds.join(', ')} merged` : ''}, ${new Date().toISOString().slice(0, 10)}`,
);

const full = await trainSeeds(base);
const testEntries = await fsddCorpus(fsdd, { indices: [0, 4] });
const testSplit = await evaluate(full.model, testEntries, true);
const testSplitAdapted = await evaluate(new Recognizer(full.model, { decoder: { partials: false }, adaptation: 'speaker' }), testEntries, true);
console.log(`\nTrained on all five speakers (index 5–49) in ${full.seconds.toFixed(0)} s; FSDD test split (index 0–4, 250 files):\n`);
console.log(`| speaker | ${SPEAKERS.join(' | ')} | all |`);
console.log(`| --- | ${SPEAKERS.map(() => '---').join(' | ')} | --- |`);
console.log(`| accuracy | ${SPEAKERS.map((s) => percent(testSplit.speakers[s].percentCorrect)).join(' | ')} | ${percent(testSplit.report.percentCorrect)} |`);
console.log(`| WER | ${SPEAKERS.map((s) => percent(testSplit.speakers[s].wordErrorRate)).join(' | ')} | ${wer(testSplit.report)} |`);
console.log(`| accuracy, speaker adaptation (fMLLR and MAP means) | ${SPEAKERS.map((s) => percent(testSplitAdapted.speakers[s].percentCorrect)).join(' | ')} | ${percent(testSplitAdapted.report.percentCorrect)} |`);

if (!values['skip-loso']) {
  const isolated: RecognitionReport[] = [];
  const connected: RecognitionReport[] = [];
  const adaptedIsolated: RecognitionReport[] = [];
  const adaptedConnected: RecognitionReport[] = [];
  const speakerIsolated: RecognitionReport[] = [];
  const speakerConnected: RecognitionReport[] = [];
  const speakerConnectedLive: RecognitionReport[] = [];
  const confidences: ConfidencePair[] = [];
  for (const speaker of SPEAKERS) {
    const fold = await trainSeeds({ ...base, excludeSpeakers: [speaker] });
    const heldOut = await fsddCorpus(fsdd, { indices: [0, 4], speakers: [speaker] });
    isolated.push((await evaluate(fold.model, heldOut, true)).report);
    const strings = await digitStrings(heldOut, 40, base.sampleRate, 1);
    const scored = await scoreStrings(new Recognizer(fold.model, { decoder: { partials: false } }), strings);
    connected.push(scored.report);
    const adapted = new Recognizer(fold.model, { decoder: { partials: false }, adaptation: 'bias' });
    adaptedIsolated.push((await evaluate(adapted, heldOut, true)).report);
    adaptedConnected.push((await scoreStrings(adapted, strings)).report);
    const speakerAdapted = new Recognizer(fold.model, { decoder: { partials: false }, adaptation: 'speaker' });
    speakerIsolated.push((await evaluate(speakerAdapted, heldOut, true)).report);
    speakerConnected.push((await scoreStrings(speakerAdapted, strings, 'offline')).report);
    speakerConnectedLive.push((await scoreStrings(speakerAdapted, strings, 'live')).report);
    confidences.push(...scored.confidences);
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  console.log("\nLeave one speaker out (train on four speakers' index 5–49, test on the fifth speaker's index 0–4):\n");
  console.log(`| held-out speaker | ${SPEAKERS.join(' | ')} | mean |`);
  console.log(`| --- | ${SPEAKERS.map(() => '---').join(' | ')} | --- |`);
  console.log(`| isolated, accuracy (50 files each) | ${isolated.map((r) => percent(r.percentCorrect)).join(' | ')} | ${percent(mean(isolated.map((r) => r.percentCorrect)))} |`);
  console.log(`| isolated, WER | ${isolated.map(wer).join(' | ')} | ${percent(mean(isolated.map((r) => r.wordErrorRate)))} |`);
  console.log(`| connected 3–7 digits, WER (40 strings each) | ${connected.map(wer).join(' | ')} | ${percent(mean(connected.map((r) => r.wordErrorRate)))} |`);
  console.log(`| isolated, WER, bias adaptation (\`--adaptation bias\`) | ${adaptedIsolated.map(wer).join(' | ')} | ${percent(mean(adaptedIsolated.map((r) => r.wordErrorRate)))} |`);
  console.log(`| connected, WER, bias adaptation | ${adaptedConnected.map(wer).join(' | ')} | ${percent(mean(adaptedConnected.map((r) => r.wordErrorRate)))} |`);
  console.log(`| isolated, accuracy, speaker adaptation (\`--adaptation speaker\`: fMLLR and MAP means) | ${speakerIsolated.map((r) => percent(r.percentCorrect)).join(' | ')} | ${percent(mean(speakerIsolated.map((r) => r.percentCorrect)))} |`);
  console.log(`| isolated, WER, speaker adaptation | ${speakerIsolated.map(wer).join(' | ')} | ${percent(mean(speakerIsolated.map((r) => r.wordErrorRate)))} |`);
  console.log(`| connected, WER, speaker adaptation | ${speakerConnected.map(wer).join(' | ')} | ${percent(mean(speakerConnected.map((r) => r.wordErrorRate)))} |`);
  console.log(`| connected, WER, speaker adaptation, live (fMLLR learnt from the strings before) | ${speakerConnectedLive.map(wer).join(' | ')} | ${percent(mean(speakerConnectedLive.map((r) => r.wordErrorRate)))} |`);
  const right = confidences.filter((pair) => pair.correct);
  const wrong = confidences.filter((pair) => !pair.correct);
  const average = (pairs: ConfidencePair[]): string => (pairs.reduce((sum, pair) => sum + pair.confidence, 0) / Math.max(1, pairs.length)).toFixed(2);
  console.log(
    `\nConfidence on the connected strings of all folds: ${right.length} right words (mean ${average(right)}), ${wrong.length} wrong (mean ${average(wrong)}); ` +
      `a right word ranks above a wrong one with probability ${confidenceAuc(confidences).toFixed(3)} (ROC AUC).`,
  );
}

await unseenVoiceTables(full.model);
