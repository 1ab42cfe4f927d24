/** Audio as it flows from sources to the framer: mono samples in [-1, 1] at a stated rate. */
import { BeamlineError, ERROR_CODES } from '../errors.ts';

export interface AudioChunk {
  readonly samples: Float32Array;
  readonly sampleRateHz: number;
}

/** Throws AUDIO_NON_FINITE at the first NaN or infinite sample. */
export function checkFiniteSamples(samples: Float32Array, sourceName: string, firstSample = 0): void {
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      throw new BeamlineError(
        ERROR_CODES.AUDIO_NON_FINITE,
        `${sourceName}: sample ${firstSample + i} is ${samples[i]}`,
      );
    }
  }
}
