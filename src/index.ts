/**
 * The engine's public API: pure, synchronous TypeScript with no I/O, so it runs unchanged in
 * Node, a page, a Web Worker or an AudioWorklet. Exports follow the flow: audio → frames →
 * features → scores → search.
 */
export { BeamlineError, ERROR_CODES, isBeamlineError, type ErrorCode } from './errors.ts';
export { checkFiniteSamples, type AudioChunk } from './audio/audio-chunk.ts';
export {
  PcmDecoder,
  SAMPLE_FORMATS,
  bytesPerSample,
  isSampleFormat,
  type PcmLayout,
  type SampleFormat,
} from './audio/pcm-decoder.ts';
export { looksLikeWav, readWavHeader, type WavHeader } from './audio/wav-header.ts';
export { flacDeclaredLength, mp3DeclaredLength, oggEnding, type DeclaredLength } from './audio/container-facts.ts';
export {
  DEFAULT_RESAMPLER_QUALITY,
  RESAMPLER_QUALITIES,
  Resampler,
  type ResamplerConfig,
  type ResamplerQuality,
} from './audio/resampler.ts';
export { concatBlocks, emptyBlock, frameOf, type FrameBlock } from './frames/frame-block.ts';
export { DEFAULT_FRAMER_CONFIG, Framer, frameGeometry, hammingWindow, type FramerConfig } from './frames/framer.ts';
export { DEFAULT_MFCC_CONFIG, MEYDA_INPUT_SCALE, MfccExtractor, lifterWeights, type MfccConfig } from './features/mfcc.ts';
export { CMN_MODES, CmnStage, DEFAULT_CMN_CONFIG, type CmnConfig, type CmnMode } from './features/cmn.ts';
export { DEFAULT_DELTA_CONFIG, DeltaStage, type DeltaConfig } from './features/deltas.ts';
export { FeatureTransformStage, transformConfig, validateFeatureTransformConfig, type FeatureTransformConfig } from './features/feature-transform.ts';
export {
  DEFAULT_FRONT_END_CONFIG,
  FeatureStage,
  FrontEnd,
  computeFeatures,
  frontEndConfig,
  validateFrontEndConfig,
  featureWidth,
  c0PerDb,
  type FrontEndConfig,
  type FrontEndOverrides,
  type FrontEndOptions,
} from './features/front-end.ts';
export { DiagonalGmm, type DiagonalGmmParameters } from './acoustic/diagonal-gmm.ts';
export { FullGmm, type FullGmmParameters } from './acoustic/full-gmm.ts';
export { FmllrStatistics, applyFmllr, estimateFmllr, fmllrObjective, identityTransform, type FmllrEstimateOptions } from './acoustic/fmllr.ts';
export { LOG_ZERO, logAdd, logSumExp } from './math/log-space.ts';
export { SeededRandom } from './math/random.ts';
export { leftToRightHmm, setSelfLoop, spell, type Lexicon, type UnitHmm } from './graph/unit-hmm.ts';
export { buildUtteranceGraph, type UtteranceGraph, type UtteranceGraphOptions } from './graph/utterance-graph.ts';
export { DIGIT_PHONE_COUNTS, DIGIT_WORDS, SILENCE_UNIT, wholeWordTopology, type WholeWordTopology } from './graph/whole-word-topology.ts';
export { unitStateBases, unitsByName, type ModelProvenance, type SpeechModel } from './io/speech-model.ts';
export { MODEL_FORMAT, MODEL_FORMAT_VERSION, parseModel, serializeModel } from './io/model-format.ts';
export { emissionScores } from './scoring/emission-matrix.ts';
export { viterbiAlign, type ViterbiAlignment } from './search/viterbi-alignment.ts';
export { IsolatedWordClassifier, type WordScore } from './search/isolated-word-classifier.ts';
export { DiagonalGmmAccumulator, FullGmmAccumulator, splitGmm, type EstimationStats } from './training/gmm-accumulator.ts';
export { globalMoments, trainGmm, type GmmTrainingOptions, type GmmTrainingResult } from './training/gmm-em.ts';
export { kMeans } from './training/kmeans.ts';
export { forwardBackward, sequenceLogLikelihood, type ForwardBackwardResult } from './training/forward-backward.ts';
export { mergeModels } from './training/merge-models.ts';
export {
  HmmTrainer,
  type HmmTrainingOptions,
  type EdgeSilence,
  type HmmTopology,
  type PassReport,
  type TrainingPass,
  type TrainingUtterance,
} from './training/hmm-training.ts';
export { mmiPass, extendedBaumWelch, type MmiOptions, type MmiPassReport } from './training/mmi.ts';
export {
  estimateSemiTiedTransform,
  identity,
  multiplyMatrices,
  multiplySquare,
  semiTiedObjective,
  type CovarianceScatter,
  type GaussianScatter,
  type SemiTiedOptions,
  type SemiTiedResult,
} from './training/semi-tied-transform.ts';
export { estimateLda, stateScatter, type LdaResult } from './training/lda.ts';
export { RecognitionScorer, alignWords, countErrors, formatReport, type AlignedPair, type RecognitionReport } from './eval/word-alignment.ts';
export { svgLinePlot, type PlotSeries } from './eval/svg-line-plot.ts';
export {
  DEFAULT_NOISE_COPY,
  DEFAULT_SILENCE_PADDING,
  DEFAULT_EDGE_CLIPPING,
  padWithSilence,
  padWithZeros,
  DEFAULT_ZERO_PADDING,
  type ZeroPadding,
  withNoise,
  joinWithNoisyPauses,
  clipQuietEdges,
  changeSpeed,
  noiseOnly,
  DEFAULT_NOISE_ONLY,
  type NoiseOnly,
  DEFAULT_CONNECTED_SPEECH,
  type ConnectedSpeech,
  type EdgeClipping,
  type NoiseCopy,
  type SilencePadding,
} from './training/augment.ts';
export {
  DEFAULT_GRAMMAR_LIMITS,
  EPSILON,
  GrammarBuilder,
  enumerateSentences,
  phraseListGrammar,
  withoutEpsilons,
  wordLoopGrammar,
  type GrammarArc,
  type GrammarLimits,
  type WordGrammar,
} from './graph/word-grammar.ts';
export { jsgfGrammar, type JsgfOptions } from './graph/jsgf-grammar.ts';
export {
  DEFAULT_DECODING_GRAPH_CONFIG,
  NO_WORD,
  SILENCE_WORD,
  compileDecodingGraph,
  validateDecodingGraphConfig,
  type DecodingGraph,
  type DecodingGraphConfig,
} from './graph/decoding-graph.ts';
export { FrameScorer, gmmScorer } from './scoring/frame-scorer.ts';
export { ExactGmmScorer, GMM_SCORING_KINDS, type GmmScorer, type GmmScoringKind } from './scoring/gmm-scorer.ts';
export { SimdGmmScorer, simdScoringAvailable, simdScoringFits } from './scoring/simd-gmm-bank.ts';
export { DEFAULT_ENDPOINT_CONFIG, endpointRule, validateEndpointConfig, type EndpointConfig, type EndpointFacts, type EndpointRule } from './search/endpoint.ts';
export { WordBackpointers } from './search/word-backpointers.ts';
export {
  DEFAULT_DECODER_CONFIG,
  OnlineDecoder,
  decoderConfig,
  kthLargest,
  validateDecoderConfig,
  type DecoderConfig,
  type DecoderEvent,
  type DecoderOverrides,
  type DecoderStats,
  type DecoderTiming,
  type FinalHypothesis,
  type FinalReason,
  type HypothesisWord,
  type PartialHypothesis,
} from './search/online-decoder.ts';
export { exhaustiveViterbi, type ReferenceResult, type ReferenceWord } from './search/exhaustive-viterbi.ts';
export { RECOGNIZER_ADAPTATIONS, RecognitionSession, Recognizer, SPEAKER_LEARNING_PASSES, type RecognizerAdaptation, type RecognizerOptions } from './search/recognizer.ts';
export { DEFAULT_BIAS_PRIOR_FRAMES, biasOffset, estimateCepstralBias, subtractBias, type CepstralBiasOptions } from './search/cepstral-bias.ts';
export { DEFAULT_SPEAKER_ADAPTATION, MEAN_TYINGS, SpeakerAdaptation, type MeanTying, type SpeakerAdaptationOptions, type TalkerState, validateSpeakerAdaptation } from './search/speaker-adaptation.ts';
