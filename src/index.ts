/**
 * The engine's public API: pure, synchronous TypeScript with no I/O, so it runs unchanged in
 * Node, a page, a Web Worker or an AudioWorklet. Exports follow the flow: audio → frames →
 * features.
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
export {
  DEFAULT_FRONT_END_CONFIG,
  FeatureStage,
  FrontEnd,
  computeFeatures,
  frontEndConfig,
  validateFrontEndConfig,
  type FrontEndConfig,
  type FrontEndOverrides,
} from './features/front-end.ts';
