/**
 * An optional last front-end stage: every feature frame multiplied by a square matrix learnt in
 * training (a semi-tied covariance transform, `src/training/semi-tied-transform.ts`), so that the
 * model's diagonal Gaussians fit the rotated features better. It looks at one frame at a time:
 * no latency, and chunking cannot change its output.
 */
import { checkKnownFields, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { emptyBlock, type FrameBlock } from '../frames/frame-block.ts';

export interface FeatureTransformConfig {
  /** Row-major: output value i = Σ_j matrix[i][j] · input value j. Square, as wide as the features. */
  readonly matrix: readonly (readonly number[])[];
}

export function validateFeatureTransformConfig(value: unknown, width: number, owner = 'transform'): FeatureTransformConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['matrix']);
  const matrix = config.matrix;
  if (!Array.isArray(matrix) || matrix.length !== width) {
    throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `${owner}.matrix must have ${width} rows (the feature width); got ${Array.isArray(matrix) ? matrix.length : String(matrix)}`);
  }
  matrix.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `${owner}.matrix[${i}] must have ${width} numbers; got ${Array.isArray(row) ? row.length : String(row)}`);
    }
    row.forEach((entry: unknown, j) => {
      if (typeof entry !== 'number' || !Number.isFinite(entry)) {
        throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `${owner}.matrix[${i}][${j}] must be a finite number; got ${String(entry)}`);
      }
    });
  });
  return config as unknown as FeatureTransformConfig;
}

/** The config form of a row-major D × D matrix. */
export function transformConfig(flat: ArrayLike<number>, dim: number): FeatureTransformConfig {
  return { matrix: Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => flat[i * dim + j])) };
}

export class FeatureTransformStage {
  readonly width: number;
  readonly latencyFrames = 0;
  private readonly matrix: Float64Array;

  constructor(width: number, config: FeatureTransformConfig) {
    validateFeatureTransformConfig(config, width);
    this.width = width;
    this.matrix = Float64Array.from(config.matrix.flat());
  }

  push(frames: FrameBlock): FrameBlock {
    const { width, matrix } = this;
    if (frames.count === 0) return emptyBlock(width, frames.firstFrame);
    if (frames.width !== width) throw new RangeError(`FeatureTransformStage expects frames ${width} wide; got ${frames.width}`);
    const out = new Float32Array(frames.count * width);
    const input = frames.data;
    for (let f = 0; f < frames.count; f++) {
      const base = f * width;
      for (let i = 0; i < width; i++) {
        const row = i * width;
        let sum = 0;
        for (let j = 0; j < width; j++) sum += matrix[row + j] * input[base + j];
        out[base + i] = sum;
      }
    }
    return { data: out, count: frames.count, width, firstFrame: frames.firstFrame };
  }
}
