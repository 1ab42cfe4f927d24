/**
 * The unit that flows between the front-end stages: a run of consecutive frames packed row by
 * row into one Float32Array. Stages allocate one block per push, never one array per frame.
 */
export interface FrameBlock {
  /** Row-major values: frame i occupies data[i * width, (i + 1) * width). */
  readonly data: Float32Array;
  /** Number of frames in the block (may be 0). */
  readonly count: number;
  /** Values per frame. */
  readonly width: number;
  /** Zero-based index of the block's first frame in its stream. */
  readonly firstFrame: number;
}

export function emptyBlock(width: number, firstFrame: number): FrameBlock {
  return { data: new Float32Array(0), count: 0, width, firstFrame };
}

/** A view of frame `index` (relative to the block) without copying. */
export function frameOf(block: FrameBlock, index: number): Float32Array {
  return block.data.subarray(index * block.width, (index + 1) * block.width);
}

/** Joins blocks of one stream in order into a single block (for batch use and tests). */
export function concatBlocks(blocks: readonly FrameBlock[], width: number): FrameBlock {
  const count = blocks.reduce((sum, block) => sum + block.count, 0);
  const data = new Float32Array(count * width);
  let offset = 0;
  for (const block of blocks) {
    data.set(block.data.subarray(0, block.count * width), offset);
    offset += block.count * width;
  }
  return { data, count, width, firstFrame: blocks[0]?.firstFrame ?? 0 };
}
