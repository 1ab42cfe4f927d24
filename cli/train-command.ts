/**
 * `beamline train`: trains a whole-word GMM-HMM model from FSDD or a transcripts.tsv, printing
 * the log-likelihood of every pass, and writes the model with a training-curve SVG beside it.
 */
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  BeamlineError,
  DEFAULT_CMN_CONFIG,
  DEFAULT_DELTA_CONFIG,
  ERROR_CODES,
  DEFAULT_SILENCE_PADDING,
  DIGIT_PHONE_COUNTS,
  FrontEnd,
  SeededRandom,
  computeFeatures,
  concatBlocks,
  mergeModels,
  padWithSilence,
  padWithZeros,
  clipQuietEdges,
  changeSpeed,
  noiseOnly,
  withNoise,
  joinWithNoisyPauses,
  DEFAULT_NOISE_COPY,
  HmmTrainer,
  mmiPass,
  estimateSemiTiedTransform,
  identity,
  multiplyMatrices,
  estimateLda,
  stateScatter,
  transformConfig,
  frontEndConfig,
  c0PerDb,
  svgLinePlot,
  wholeWordTopology,
  type CmnMode,
  type FrontEndConfig,
  type FrontEndOverrides,
  type PassReport,
  type SpeechModel,
  type TrainingPass,
  type TrainingUtterance,
} from '../src/index.ts';
import { fileSamples, fsddCorpus, transcriptsCorpus, type CorpusEntry } from '../streams/corpus.ts';
import { saveModel } from '../streams/model-file.ts';
import {
  ACCENTED_TRAINING_VOICES,
  FESTIVAL_TRAINING_VOICES,
  FLITE_TRAINING_VOICES,
  fliteAvailable,
  synthesiseFestivalVoices,
  synthesiseFliteVoices,
  synthesiseVoices,
  TRAINING_VOICES,
} from '../streams/synthetic-voices.ts';
import { evaluate } from './eval-command.ts';
import { drawValue, formatSnrLevel, fsddDirOrExplain, indexRange, integerInRange, list, nonNegativeInteger, numberInRange, numberList, positiveInteger, snrLevels, valuesOrRanges, type SnrLevel, type ValueOrRange } from './options.ts';

export interface TrainOptions {
  fsdd?: string;
  transcripts?: string;
  speakers?: string[];
  excludeSpeakers?: string[];
  indices: [number, number];
  name: string;
  sampleRate: number;
  cmn: CmnMode;
  /** Per-utterance CMN: weight of the prior mean, in frames, in each utterance's mean (the front end's default otherwise). */
  cmnPriorFrames?: number;
  /** Δ's half-window in frames (the front end's default otherwise). */
  deltaWindow?: number;
  /** ΔΔ's half-window in frames (Δ's otherwise). */
  accelerationWindow?: number;
  mixtures: number;
  iterations: number;
  baumWelch: number;
  statesPerPhone: number;
  vtlp: number[];
  /** Longest random stretch of quiet noise added at each end of every training utterance, seconds (0: none). */
  padSilence: number;
  /** Seed of the augmentation's random numbers. */
  seed: number;
  /** Train once per seed and merge the models (`mergeModels`); overrides `seed`. */
  seeds?: number[];
  /** Add espeak-ng voices (female, child-like, other accents) to the training data. */
  syntheticVoices: boolean;
  /** Festival's diphone voices too (FESTIVAL_TRAINING_VOICES; festival and its festvox packages must be installed). */
  festivalVoices?: boolean;
  /**
   * Extra copies of the FSDD (or transcript) recordings in steady white noise, one per level: an
   * SNR in dB, or a range each copy draws its SNR from; the noise runs on before and after.
   */
  noiseCopies: SnrLevel[];
  /** Strings of 3–7 of one speaker's recordings joined with noisy pauses, added as connected-speech utterances. 0: none. */
  connected?: number;
  /** FSDD indices to measure the trained model on, recorded in its provenance (e.g. [0, 4]). */
  testIndices?: [number, number];
  quiet?: boolean;
  /** Front-end settings beyond the sample rate and CMN mode (experiments; the defaults otherwise). */
  frontEnd?: FrontEndOverrides;
  /** Add espeak-ng voices of other languages reading respelled digits (foreign accents). */
  accentedVoices?: boolean;
  /** Copies of every recording (recorded and synthetic) with its quiet edges clipped off. 0: none. */
  clippedCopies?: number;
  /** Utterances of noise alone (no words), of random length, level and colour. 0: none. */
  noiseOnly?: number;
  /**
   * In the first (equal-length) alignment, frames at an utterance's edges quieter than this many
   * dB below its loudest go to its silence, not its words. Absent: every frame to the words.
   */
  edgeSilenceDb?: number;
  /** Copies of the recorded (not synthetic) speech between stretches of digital silence. 0: none. */
  zeroPaddedCopies?: number;
  /** Extra copies of the recorded (not synthetic) speech played at these speeds, e.g. [0.9, 1.1]. */
  speedCopies?: number[];
  /**
   * Extra copies of the recorded (not synthetic) speech with vocal-tract-length perturbation,
   * one per entry: a warp factor, or a range each copy draws from. Above 1 the filters move
   * down, so a long (adult male) vocal tract's features look like a shorter one's.
   */
  warpedCopies?: ValueOrRange[];
  /** Variance floor as a fraction of the global variance (HmmTrainer's default otherwise). */
  varianceFloorFraction?: number;
  /** espeak-ng variants of the English training voices (TRAINING_VOICES' otherwise). */
  voiceVariants?: string[];
  /**
   * Rounds of semi-tied covariance (MLLT) estimation after the passes: each estimates a
   * transform of the features from the model's Gaussians, moves the model and the data into
   * it, and runs one Baum-Welch pass. 0: none.
   */
  semiTiedRounds?: number;
  /**
   * Project the features onto this many LDA directions (HMM states as the classes), estimated
   * after the single-Gaussian passes; the mixtures grow in the projected space. Absent: no LDA.
   */
  ldaDim?: number;
  /** Passes of discriminative (MMI) training after maximum likelihood. 0: none. */
  mmiPasses?: number;
  /** MMI's scale on acoustic log-likelihoods in the word posteriors (mmi.ts's default otherwise). */
  mmiAcousticScale?: number;
  /** MMI's I-smoothing, in frames (mmi.ts's default otherwise). */
  mmiISmoothing?: number;
}

/** `--seeds`: two or more different non-negative integers, comma-separated. */
function seedList(value: string): number[] {
  const seeds = value.split(',').map((part) => Number(part.trim()));
  if (seeds.length < 2 || seeds.some((seed) => !Number.isInteger(seed) || seed < 0) || new Set(seeds).size !== seeds.length) {
    throw new InvalidArgumentError('--seeds must be two or more different non-negative integers, e.g. 1,2.');
  }
  return seeds;
}

/** Passes: `iterations` Viterbi passes at 1, 2, 4, … up to `mixtures` components, then Baum-Welch. */
export function passSchedule(mixtures: number, iterations: number, baumWelch: number): TrainingPass[] {
  const passes: TrainingPass[] = [];
  for (let components = 1; components <= mixtures; components *= 2) {
    for (let i = 0; i < iterations; i++) passes.push({ components, method: 'viterbi' });
    if (components * 2 > mixtures && components !== mixtures) {
      for (let i = 0; i < iterations; i++) passes.push({ components: mixtures, method: 'viterbi' });
    }
  }
  for (let i = 0; i < baumWelch; i++) passes.push({ components: mixtures, method: 'baum-welch' });
  return passes;
}

/**
 * Mean of the raw static cepstra (no CMN) of some recordings, the starting point of live CMN.
 * Read before the features, which blend it into each utterance's mean.
 */
class CmnPriorEstimate {
  private readonly frontEnd: FrontEnd;
  private readonly sum: Float64Array;
  private frames = 0;

  constructor(config: FrontEndConfig) {
    this.frontEnd = new FrontEnd(frontEndConfig({ frames: config.frames, mfcc: config.mfcc, cmn: { mode: 'none' }, deltas: { order: 0 } }));
    this.sum = new Float64Array(config.mfcc.cepstra);
  }

  add(samples: Float32Array): void {
    this.frontEnd.reset();
    const statics = concatBlocks([this.frontEnd.push(samples), this.frontEnd.finish()], this.sum.length);
    for (let i = 0; i < statics.count * statics.width; i++) this.sum[i % statics.width] += statics.data[i];
    this.frames += statics.count;
  }

  mean(): Float64Array {
    return this.sum.map((value) => value / Math.max(1, this.frames));
  }
}

function curvePlot(reports: readonly PassReport[], title: string): string {
  return svgLinePlot([{ name: 'log-likelihood per frame', points: reports.map((r) => [r.pass, r.logLikelihoodPerFrame] as const) }], {
    title,
    xLabel: 'training pass (0: equal-length alignment)',
    yLabel: 'log-likelihood per frame',
  });
}

/**
 * Whole-word model sizes for the training vocabulary: the digits' known phone counts, and for
 * any other word an estimate from its spelling (English averages about 1.3 letters per phone).
 */
export function phoneCountsFor(entries: readonly CorpusEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const word of new Set(entries.flatMap((entry) => entry.words))) {
    counts[word] = DIGIT_PHONE_COUNTS[word] ?? Math.max(2, Math.round(word.length / 1.3));
  }
  return counts;
}

export async function train(options: TrainOptions): Promise<{ model: SpeechModel; reports: PassReport[]; seconds: number }> {
  const started = performance.now();
  const log = (line: string): void => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  };
  const entries: CorpusEntry[] = options.transcripts
    ? await transcriptsCorpus(options.transcripts)
    : await fsddCorpus(fsddDirOrExplain(options.fsdd), {
        ...(options.speakers ? { speakers: options.speakers } : {}),
        ...(options.excludeSpeakers ? { excludeSpeakers: options.excludeSpeakers } : {}),
        indices: options.indices,
      });
  const realRecordings = entries.length;
  const vocabulary = [...new Set(entries.flatMap((entry) => entry.words))];
  if (options.syntheticVoices) {
    const voiceSet = options.voiceVariants ? { ...TRAINING_VOICES, variants: options.voiceVariants } : TRAINING_VOICES;
    const voices = await synthesiseVoices(vocabulary, voiceSet, options.seed);
    log(`added ${voices.length} espeak-ng recordings (${voiceSet.voices.length} accents × ${voiceSet.variants.join('/')} variants)`);
    entries.push(...voices);
    if (await fliteAvailable()) {
      const flite = await synthesiseFliteVoices(vocabulary, FLITE_TRAINING_VOICES, options.seed);
      log(`added ${flite.length} flite recordings (voices ${FLITE_TRAINING_VOICES.voices.join(', ')})`);
      entries.push(...flite);
    } else {
      log('flite is not installed (apt-get install flite): training without its voices');
    }
  }
  if (options.festivalVoices) {
    const festival = await synthesiseFestivalVoices(vocabulary, FESTIVAL_TRAINING_VOICES, options.seed);
    log(`added ${festival.length} festival recordings (voices ${FESTIVAL_TRAINING_VOICES.voices.join(', ')})`);
    entries.push(...festival);
  }
  if (options.accentedVoices) {
    const accented = await synthesiseVoices(vocabulary, ACCENTED_TRAINING_VOICES, options.seed);
    log(`added ${accented.length} foreign-accented espeak-ng recordings (${ACCENTED_TRAINING_VOICES.voices.join(', ')} voices reading respelled digits)`);
    entries.push(...accented);
  }
  const config = frontEndConfig({
    ...options.frontEnd,
    frames: { ...options.frontEnd?.frames, sampleRateHz: options.sampleRate },
    cmn: { ...options.frontEnd?.cmn, mode: options.cmn, ...(options.cmnPriorFrames !== undefined ? { utterancePriorFrames: options.cmnPriorFrames } : {}) },
    deltas: {
      ...options.frontEnd?.deltas,
      ...(options.deltaWindow !== undefined ? { window: options.deltaWindow } : {}),
      ...(options.accelerationWindow !== undefined ? { accelerationWindow: options.accelerationWindow } : {}),
    },
  });
  const warps = [1, ...options.vtlp.filter((w) => w !== 1)];
  const copies = warps.length > 1 ? ` × ${warps.length} (VTLP warps ${warps.join(', ')}) = ${entries.length * warps.length} utterances` : '';
  const noisy = options.noiseCopies.length > 0 ? `, plus ${realRecordings * options.noiseCopies.length} noisy copies (SNR ${options.noiseCopies.map(formatSnrLevel).join(', ')} dB)` : '';
  const clipped = (options.clippedCopies ?? 0) > 0 ? `, plus ${entries.length * options.clippedCopies!} edge-clipped copies` : '';
  const speeds = options.speedCopies ?? [];
  const badSpeed = speeds.find((speed) => !(speed >= 0.5 && speed <= 2));
  if (badSpeed !== undefined) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `speed copies must be speeds in [0.5, 2]; got ${badSpeed}`);
  const sped = speeds.length > 0 ? `, plus ${realRecordings * speeds.length} copies at speed ${speeds.join(', ')}` : '';
  log(`training on ${entries.length} recordings${copies}${noisy}${clipped}${sped}`);

  const bar = options.quiet ? undefined : new cliProgress.SingleBar({ format: 'features |{bar}| {value}/{total} files  {eta}s left', stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar?.start(entries.length, 0);
  const random = new SeededRandom(options.seed);
  const padding = { ...DEFAULT_SILENCE_PADDING, maxSeconds: options.padSilence };
  const utterances: TrainingUtterance[] = [];
  // The prior comes first: per-utterance CMN blends it into every utterance's mean.
  // Every fifth recording is plenty for a mean; they are kept for the loop below, not read twice.
  const prior = new CmnPriorEstimate(config);
  const readForPrior = new Map<number, Float32Array>();
  for (let index = 0; index < entries.length; index += 5) {
    readForPrior.set(index, await fileSamples(entries[index].path, options.sampleRate));
    prior.add(readForPrior.get(index)!);
  }
  const cmnPriorMean = prior.mean();
  const features = (audio: Float32Array, vtlpWarp = 1) => computeFeatures(audio, config, { cmnPriorMean, vtlpWarp });
  const bySpeaker = new Map<string, { samples: Float32Array; words: readonly string[] }[]>();
  for (const [index, entry] of entries.entries()) {
    const samples = readForPrior.get(index) ?? (await fileSamples(entry.path, options.sampleRate));
    readForPrior.delete(index);
    for (const warp of warps) {
      const audio = options.padSilence > 0 ? padWithSilence(samples, options.sampleRate, random, padding) : samples;
      utterances.push({ id: entry.path, words: entry.words, features: features(audio, warp) });
    }
    for (let copy = 0; copy < (options.clippedCopies ?? 0); copy++) {
      utterances.push({ id: `${entry.path} (edges clipped)`, words: entry.words, features: features(clipQuietEdges(samples, options.sampleRate, random)) });
    }
    // Recorded speech only: the synthetic voices are clean by nature and already many.
    if (index < realRecordings) {
      if ((options.connected ?? 0) > 0) {
        const speaker = entry.speaker ?? '';
        if (!bySpeaker.has(speaker)) bySpeaker.set(speaker, []);
        bySpeaker.get(speaker)!.push({ samples, words: entry.words });
      }
      for (const speed of options.speedCopies ?? []) {
        utterances.push({ id: `${entry.path} (speed ${speed})`, words: entry.words, features: features(await changeSpeed(samples, options.sampleRate, speed)) });
      }
      for (let copy = 0; copy < (options.zeroPaddedCopies ?? 0); copy++) {
        utterances.push({ id: `${entry.path} (zero-padded)`, words: entry.words, features: features(padWithZeros(samples, options.sampleRate, random)) });
      }
      for (const range of options.warpedCopies ?? []) {
        const warp = drawValue(range, () => random.next());
        utterances.push({ id: `${entry.path} (VTLP ${warp.toFixed(3)})`, words: entry.words, features: features(samples, warp) });
      }
      for (const level of options.noiseCopies) {
        const snrDb = drawValue(level, () => random.next());
        const audio = withNoise(samples, options.sampleRate, random, { ...DEFAULT_NOISE_COPY, snrDb });
        utterances.push({ id: `${entry.path} (SNR ${snrDb.toFixed(1)} dB)`, words: entry.words, features: features(audio) });
      }
    }
    bar?.increment();
  }
  bar?.stop();
  for (let n = 0; n < (options.noiseOnly ?? 0); n++) {
    utterances.push({ id: `noise only ${n}`, words: [], features: features(noiseOnly(options.sampleRate, random)) });
  }
  if ((options.noiseOnly ?? 0) > 0) log(`added ${options.noiseOnly} utterances of noise alone`);
  if ((options.connected ?? 0) > 0) {
    const speakers = [...bySpeaker.values()];
    for (let n = 0; n < options.connected!; n++) {
      const recordings = speakers[random.integer(speakers.length)];
      const picked = Array.from({ length: 3 + random.integer(5) }, () => recordings[random.integer(recordings.length)]);
      const audio = joinWithNoisyPauses(picked.map((recording) => recording.samples), options.sampleRate, random);
      const words = picked.flatMap((recording) => recording.words);
      utterances.push({ id: `connected string ${n} (${words.join(' ')})`, words, features: features(audio) });
    }
    log(`added ${options.connected} connected strings of 3–7 recordings with noisy pauses`);
  }

  const topology = wholeWordTopology(phoneCountsFor(entries), { statesPerPhone: options.statesPerPhone });
  const passes = passSchedule(options.mixtures, options.iterations, options.baumWelch);
  // With LDA, the single-Gaussian passes run first: their alignment gives the classes.
  const beforeLda = options.ldaDim === undefined ? passes.length : passes.findIndex((pass) => pass.components > 1 || pass.method !== 'viterbi');
  const trainer = new HmmTrainer(topology, utterances, {
    passes: passes.slice(0, beforeLda === -1 ? passes.length : beforeLda),
    // The SIMD kernel's scores are within 1e-3 of the exact ones: the same training curve to seven digits, a third faster.
    scoring: 'simd',
    ...(options.varianceFloorFraction !== undefined ? { varianceFloorFraction: options.varianceFloorFraction } : {}),
    // c0, the first feature value, is the frame's energy.
    ...(options.edgeSilenceDb !== undefined ? { edgeSilence: { dimension: 0, belowPeak: options.edgeSilenceDb * c0PerDb(config) } } : {}),
  });
  const logPass = (report: PassReport): void =>
    log(
      `pass ${String(report.pass).padStart(2)} ${report.method.padEnd(15)} ${String(report.components).padStart(2)} components  ` +
        `log-likelihood ${report.logLikelihood.toExponential(6)} (${report.logLikelihoodPerFrame.toFixed(3)}/frame)` +
        (report.skippedUtterances ? `  skipped ${report.skippedUtterances}` : '') +
        (report.stats.collapsedComponents ? `  collapsed ${report.stats.collapsedComponents}` : '') +
        (transform ? '  (features transformed)' : ''),
    );
  let transform: Float64Array | undefined;
  trainer.train(logPass);
  if (options.ldaDim !== undefined) {
    const dim = utterances[0].features.width;
    const scatter = trainer.gaussianScatter();
    const lda = estimateLda(stateScatter(scatter, trainer.gmms.map((gmm) => gmm.components), dim), dim, options.ldaDim);
    trainer.transformFeatures(lda.transform, scatter, options.ldaDim);
    transform = lda.transform;
    const kept = lda.eigenvalues.subarray(0, options.ldaDim).reduce((sum, v) => sum + v, 0) / lda.eigenvalues.reduce((sum, v) => sum + v, 0);
    log(`LDA: ${dim} -> ${options.ldaDim} dimensions keep ${(100 * kept).toFixed(1)}% of the between-state variance (eigenvalues ${lda.eigenvalues[0].toFixed(2)} … ${lda.eigenvalues[options.ldaDim - 1].toFixed(3)})`);
    if (beforeLda !== -1) trainer.runPasses(passes.slice(beforeLda), logPass);
  }
  const inputWidth = utterances[0].features.width;
  for (let round = 1; round <= (options.semiTiedRounds ?? 0); round++) {
    // In the LDA space when there is one: the transforms compose.
    const dim = trainer.gmms[0].dim;
    const scatter = trainer.gaussianScatter();
    const { transform: step, objectivePerFrame } = estimateSemiTiedTransform(scatter, dim);
    trainer.transformFeatures(step, scatter);
    transform = multiplyMatrices(step, transform ?? identity(dim), dim, dim, transform ? inputWidth : dim);
    log(`semi-tied transform ${round}: objective ${objectivePerFrame[0].toFixed(3)} -> ${objectivePerFrame.at(-1)!.toFixed(3)} per frame`);
    trainer.runPasses([{ components: options.mixtures, method: 'baum-welch' }], logPass);
  }
  let gmms = trainer.gmms;
  for (let pass = 1; pass <= (options.mmiPasses ?? 0); pass++) {
    // The trainer's utterances: in the transformed space when a semi-tied transform was learnt.
    const mmi = mmiPass(topology, gmms, trainer.utterances, {
      varianceFloor: trainer.varianceFloor,
      ...(options.mmiAcousticScale !== undefined ? { acousticScale: options.mmiAcousticScale } : {}),
      ...(options.mmiISmoothing !== undefined ? { iSmoothing: options.mmiISmoothing } : {}),
    });
    gmms = mmi.gmms;
    const { objective, utterances: used, errors } = mmi.report;
    log(`MMI pass ${pass}: log posterior of the right word ${objective.toFixed(1)} (${(objective / used).toFixed(4)}/utterance), ${errors} of ${used} misclassified before it`);
  }
  const seconds = (performance.now() - started) / 1000;
  let model: SpeechModel = {
    name: options.name,
    frontEnd: transform ? { ...config, transform: transformConfig(transform, inputWidth, gmms[0].dim) } : config,
    units: topology.units,
    silenceUnit: topology.silenceUnit,
    gmms,
    lexicon: topology.lexicon,
    cmnPriorMean,
    provenance: {
      data: options.transcripts
        ? `transcripts ${options.transcripts} (${entries.length} recordings)`
        : options.syntheticVoices
        ? `FSDD, speakers ${options.speakers?.join(',') ?? 'all'}${options.excludeSpeakers ? ` except ${options.excludeSpeakers.join(',')}` : ''}, indices ${options.indices.join('-')}, plus synthetic voices (${entries.length} recordings in all)`
        : `FSDD, speakers ${options.speakers?.join(',') ?? 'all'}${options.excludeSpeakers ? ` except ${options.excludeSpeakers.join(',')}` : ''}, indices ${options.indices.join('-')} (${entries.length} recordings)`,
      command: `beamline ${process.argv.slice(2).join(' ')}`.trim(),
      date: new Date().toISOString().slice(0, 10),
      accuracy: {},
      notes: `VTLP warps ${warps.join(', ')} (1: none); silence padding up to ${options.padSilence} s per end; noisy copies at SNR ${options.noiseCopies.map(formatSnrLevel).join(', ') || 'none'} dB; ${options.connected ?? 0} connected strings; ${options.clippedCopies ?? 0} edge-clipped copies per recording; ${options.zeroPaddedCopies ?? 0} zero-padded copies; speed copies ${speeds.join(', ') || 'none'}; warped copies ${(options.warpedCopies ?? []).map(formatSnrLevel).join(', ') || 'none'}; ${options.noiseOnly ?? 0} noise-only utterances; foreign-accented voices ${options.accentedVoices ? 'on' : 'off'}; festival voices ${options.festivalVoices ? 'on' : 'off'}; ${options.ldaDim !== undefined ? `LDA to ${options.ldaDim} dimensions` : 'no LDA'}; ${options.semiTiedRounds ?? 0} semi-tied transform rounds; ${passes.length} passes after the equal-length alignment; ${options.mmiPasses ?? 0} MMI passes; trained in ${seconds.toFixed(0)} s on one core`,
    },
  };
  model = await withMeasuredAccuracy(model, options, log);
  return { model, reports: trainer.reports, seconds };
}

/** The model with its accuracy on the options' test indices in its provenance (when there are any). */
async function withMeasuredAccuracy(model: SpeechModel, options: TrainOptions, log: (line: string) => void): Promise<SpeechModel> {
  if (options.testIndices === undefined || options.transcripts !== undefined) return model;
  const testEntries = await fsddCorpus(fsddDirOrExplain(options.fsdd), {
    ...(options.speakers ? { speakers: options.speakers } : {}),
    ...(options.excludeSpeakers ? { excludeSpeakers: options.excludeSpeakers } : {}),
    indices: options.testIndices,
  });
  const { report, speakers } = await evaluate(model, testEntries, true);
  const accuracy: Record<string, string> = { [`FSDD index ${options.testIndices.join('-')} (${testEntries.length} files)`]: `${report.percentCorrect.toFixed(1)}%` };
  for (const [speaker, result] of Object.entries(speakers)) accuracy[speaker] = `${result.percentCorrect.toFixed(1)}%`;
  log(`accuracy on FSDD index ${options.testIndices.join('-')}: ${report.percentCorrect.toFixed(1)}%`);
  return { ...model, provenance: { ...model.provenance, accuracy } };
}

/**
 * The recipe once per seed of `options.seeds` (or once, with `options.seed`), the models merged
 * state by state (src/training/merge-models.ts); accuracy is measured on the merged model.
 */
export async function trainSeeds(options: TrainOptions): Promise<{ model: SpeechModel; reports: PassReport[]; seconds: number }> {
  const seeds = options.seeds ?? [options.seed];
  if (seeds.length === 1) return train({ ...options, seed: seeds[0] });
  const runs = [];
  for (const seed of seeds) {
    if (!options.quiet) process.stderr.write(`seed ${seed} (${runs.length + 1} of ${seeds.length})\n`);
    const { testIndices: _measuredOnceMerged, ...rest } = options;
    runs.push(await train({ ...rest, seed }));
  }
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const merged = mergeModels(runs.map((run) => run.model));
  const notes = `${merged.provenance.notes ?? ''}; seeds ${seeds.join(', ')} trained apart and merged state by state (${seconds.toFixed(0)} s on one core in all)`;
  const model = await withMeasuredAccuracy({ ...merged, provenance: { ...merged.provenance, notes } }, options, (line) => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  });
  return { model, reports: runs[0].reports, seconds };
}

const curvePathOf = (modelPath: string): string => modelPath.replace(/\.json$/, '') + '.svg';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a trained model goes: `out` when given (refused if it or its curve exists, unless
 * `force`), otherwise a new NAME.json in the current folder (NAME-2.json, … when taken). Training
 * never writes over a file, the shipped model included, that nobody asked it to replace.
 */
export async function modelOutputPath(out: string | undefined, name: string, force: boolean): Promise<string> {
  if (out !== undefined) {
    for (const path of [out, curvePathOf(out)]) {
      if (!force && (await exists(path))) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `${path} exists: give another --out, or --force to overwrite it`);
    }
    return out;
  }
  const stem = name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'model';
  for (let n = 1; ; n++) {
    const path = `${stem}${n === 1 ? '' : `-${n}`}.json`;
    if (!(await exists(path)) && !(await exists(curvePathOf(path)))) return path;
  }
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a whole-word GMM-HMM digit model from FSDD (or a transcripts.tsv) and write it with its training curve')
    .option('--fsdd <dir>', 'FSDD folder (default: $BEAMLINE_FSDD or ../shared/data/fsdd beside the repository)')
    .option('--transcripts <file>', 'train on file<TAB>words lines instead of FSDD')
    .option('--speakers <names>', 'FSDD speakers to use, comma-separated (default: all)', list)
    .option('--exclude-speakers <names>', 'FSDD speakers to leave out, comma-separated', list)
    .addOption(new Option('--indices <range>', 'FSDD recording indices to use (the training split)').argParser(indexRange).default([5, 49], '5-49'))
    .option('--out <file>', 'where to write the model; the curve goes beside it as .svg (default: NAME.json in the current folder, numbered if taken)')
    .option('--force', 'overwrite --out (and its .svg) if they exist')
    .option('--name <name>', 'model name', 'fsdd-digits')
    .option('--sample-rate <hz>', 'model sample rate', positiveInteger('--sample-rate'), 8000)
    .addOption(new Option('--cmn <mode>', 'cepstral mean normalisation for batch decoding').choices(['utterance', 'live', 'none']).default('utterance'))
    .addOption(
      new Option('--cmn-prior-frames <n>', "per-utterance CMN: the prior mean counts as n frames in each utterance's mean (0: the utterance's own mean)")
        .argParser(nonNegativeInteger('--cmn-prior-frames'))
        .default(undefined, String(DEFAULT_CMN_CONFIG.utterancePriorFrames)),
    )
    .addOption(
      new Option('--delta-window <frames>', 'half-window of the Δ regression, 1–5 (more: smoother, one more frame of latency each)')
        .argParser(integerInRange('--delta-window', 1, 5))
        .default(undefined, String(DEFAULT_DELTA_CONFIG.window)),
    )
    .addOption(
      new Option('--acceleration-window <frames>', 'half-window of the ΔΔ regression over Δ, 1–5').argParser(integerInRange('--acceleration-window', 1, 5)).default(undefined, 'the Δ window'),
    )
    .option('--mixtures <n>', 'Gaussians per state at the end (grown 1, 2, 4, …)', positiveInteger('--mixtures'), 4)
    .option('--iterations <n>', 'Viterbi passes at each mixture size', positiveInteger('--iterations'), 3)
    .option('--baum-welch <n>', 'Baum-Welch passes at the end', nonNegativeInteger('--baum-welch'), 2)
    .option('--states-per-phone <n>', 'HMM states per phone of each word', positiveInteger('--states-per-phone'), 3)
    .addOption(new Option('--vtlp <warps>', 'extra copies of the data with vocal-tract-length warps, e.g. 0.9,1.1').argParser(numberList('--vtlp')).default([], 'none'))
    .option('--pad-silence <seconds>', 'pad each training utterance with up to this much quiet noise at each end (0: none)', Number, 0)
    .option('--synthetic-voices', 'add synthetic voices (espeak-ng, and flite where installed: female, child-like, other accents) to the training data')
    .addOption(
      new Option(
        '--noise-copies <snrs>',
        'extra copies of the recordings in white noise at these SNRs (dB; low:high draws each copy\'s SNR from that range), the noise running on before and after, e.g. 15,25,40:80',
      )
        .argParser(snrLevels('--noise-copies'))
        .default([], 'none'),
    )
    .option('--festival-voices', 'add festival diphone voices (ked: apt-get install festival festvox-kdlpc16k), twelve takes per word at random pitch and speed')
    .option('--accented-voices', 'add espeak-ng voices of other languages (French, German, Spanish, Hindi, …) reading the digits respelled in their language: foreign accents')
    .option(
      '--clipped-copies <n>',
      'add n copies of every recording with its quiet edges cut off 6–30 dB below its peak, as energy-based trimming does (a word without its weak onset or coda)',
      nonNegativeInteger('--clipped-copies'),
      0,
    )
    .option('--edge-silence-db <dB>', 'first alignment: frames at the edges this far below the loudest go to the silence model, not the words (default: all to the words)', numberInRange('--edge-silence-db', 1, 100))
    .option('--zero-padded-copies <n>', 'copies of the recorded speech between 0.1–0.8 s stretches of digital silence, as files padded to a length hold (default 0)', nonNegativeInteger('--zero-padded-copies'), 0)
    .addOption(
      new Option('--warped-copies <warps>', 'extra copies of the recorded speech with their vocal tract shortened (warp > 1) or lengthened, one per warp or range low:high drawn from per copy, e.g. 1.1:1.25')
        .argParser(valuesOrRanges('--warped-copies', 'warp factors', '1.15,1.1:1.25', 0.7, 1.3))
        .default([], 'none'),
    )
    .addOption(new Option('--speed-copies <speeds>', 'extra copies of the recorded speech played faster or slower, e.g. 0.9,1.1').argParser(numberList('--speed-copies')).default([], 'none'))
    .option('--noise-only <n>', 'add n utterances of steady noise alone (0.3–2 s, −70 to −20 dBFS, white to low-pass), labelled with no words, for the silence model', nonNegativeInteger('--noise-only'), 0)
    .option('--connected <n>', "add n connected-speech utterances: 3–7 of one speaker's recordings joined with pauses, in noise at 15–60 dB SNR", nonNegativeInteger('--connected'), 0)
    .option('--voice-variants <list>', 'espeak-ng variants of the English training voices (default m1,m3,m5,m7,f1,f3,f5; e.g. add klatt,klatt2)', list)
    .option('--lda-dim <n>', 'project the features onto this many LDA directions (HMM states as classes), estimated after the single-Gaussian passes (default: no LDA)', integerInRange('--lda-dim', 1, 200))
    .option('--semi-tied-rounds <n>', 'rounds of semi-tied covariance (MLLT) estimation after the passes, each followed by a Baum-Welch pass (0: none)', nonNegativeInteger('--semi-tied-rounds'), 0)
    .option('--mmi-passes <n>', 'passes of discriminative training (maximum mutual information) after maximum likelihood (0: none)', nonNegativeInteger('--mmi-passes'), 0)
    .option('--mmi-acoustic-scale <k>', 'MMI: scale on acoustic log-likelihoods in the word posteriors, in (0, 1] (default 0.1)', numberInRange('--mmi-acoustic-scale', 0, 1, true))
    .option('--mmi-i-smoothing <frames>', 'MMI: frames of each Gaussian\'s current statistics kept in its update (default 100)', numberInRange('--mmi-i-smoothing', 0, 1e6))
    .option('--seed <n>', 'seed of the augmentation', nonNegativeInteger('--seed'), 1)
    .option('--seeds <list>', 'train once per seed (e.g. 1,2) and merge the models state by state: each mixture theirs at 1/n weight (better speaker-independent, n times the training and scoring)', seedList)
    .option('--test-indices <range>', 'measure the model on these FSDD indices and record it in the provenance (e.g. 0-4)', indexRange)
    .action(async (options: TrainOptions & { out?: string; force?: boolean }) => {
      // Chosen before training, so a refusal costs nothing and nothing is ever overwritten unasked.
      const out = await modelOutputPath(options.out, options.name, options.force === true);
      const { model, reports, seconds } = await trainSeeds(options);
      await saveModel(out, model);
      const curvePath = curvePathOf(out);
      await writeFile(curvePath, curvePlot(reports, `Training ${model.name}`));
      process.stderr.write(`wrote ${out} and ${curvePath} (${seconds.toFixed(1)} s)\n`);
    });
}
