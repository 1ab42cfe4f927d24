/**
 * An optional last front-end stage: every feature frame multiplied by a matrix learnt in
 * training. A square one rotates the features so that the model's diagonal Gaussians fit them
 * better (a semi-tied covariance transform, `src/training/semi-tied-transform.ts`); one with
 * fewer rows than the features are wide also projects them onto their most discriminative
 * directions (linear discriminant analysis, `src/training/lda.ts`). It looks at one frame at a
 * time: no latency, and chunking cannot change its output.
 */
import { checkKnownFields, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { emptyBlock, type FrameBlock } from '../frames/frame-block.ts';

export interface FeatureTransformConfig {
  /**
   * Row-major: output value i = Σ_j matrix[i][j] · input value j. Each row as wide as the
   * features; as many rows as the output is wide (1 to the features' width).
   */
  readonly matrix: readonly (readonly number[])[];
}

export function validateFeatureTransformConfig(value: unknown, width: number, owner = 'transform'): FeatureTransformConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['matrix']);
  const matrix = config.matrix;
  if (!Array.isArray(matrix) || matrix.length < 1 || matrix.length > width) {
    throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `${owner}.matrix must have 1 to ${width} rows (at most the feature width); got ${Array.isArray(matrix) ? matrix.length : String(matrix)}`);
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

/** The config form of a row-major `rows` × `columns` matrix (square when `rows` is not given). */
export function transformConfig(flat: ArrayLike<number>, columns: number, rows = columns): FeatureTransformConfig {
  return { matrix: Array.from({ length: rows }, (_, i) => Array.from({ length: columns }, (_, j) => flat[i * columns + j])) };
}

export class FeatureTransformStage {
  /** Values per output frame: the matrix's rows. */
  readonly width: number;
  /** Values per input frame: the matrix's columns. */
  readonly inputWidth: number;
  readonly latencyFrames = 0;
  private readonly matrix: Float64Array;

  constructor(inputWidth: number, config: FeatureTransformConfig) {
    validateFeatureTransformConfig(config, inputWidth);
    this.inputWidth = inputWidth;
    this.width = config.matrix.length;
    this.matrix = Float64Array.from(config.matrix.flat());
  }

  push(frames: FrameBlock): FrameBlock {
    const { width, inputWidth, matrix } = this;
    if (frames.count === 0) return emptyBlock(width, frames.firstFrame);
    if (frames.width !== inputWidth) throw new RangeError(`FeatureTransformStage expects frames ${inputWidth} wide; got ${frames.width}`);
    const out = new Float32Array(frames.count * width);
    const input = frames.data;
    for (let f = 0; f < frames.count; f++) {
      const inBase = f * inputWidth;
      const outBase = f * width;
      for (let i = 0; i < width; i++) {
        const row = i * inputWidth;
        let sum = 0;
        for (let j = 0; j < inputWidth; j++) sum += matrix[row + j] * input[inBase + j];
        out[outBase + i] = sum;
      }
    }
    return { data: out, count: frames.count, width, firstFrame: frames.firstFrame };
  }
}
