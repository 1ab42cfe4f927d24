/** The reactive layer's public API: sources and operators in flow order. */
export { audioFile, type AudioFileOptions, type RawPcmOptions } from './audio-file-source.ts';
export { floatChunks, pcmChunks } from './pcm-chunk-source.ts';
export { features, frames, frontEnd, resample } from './front-end-operators.ts';
export { stepperOperator, type Stepper } from './stepper-operator.ts';
export { decode, recognize, type DecodeOptions, type RecognizeOptions } from './recognizer-operators.ts';
export { DEFAULT_MODEL_PATH, loadModel, saveModel } from './model-file.ts';
export { AsrServer, CLOSE_CODES, type AsrServerOptions } from './asr-server.ts';
export { parseClientMessage, type ClientMessage, type SessionConfig } from './asr-protocol.ts';
