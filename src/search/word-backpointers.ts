/**
 * The search's word-level history: one record per word end (or silence end) that survived the
 * word-end beam, pointing back at the record before it. Tokens carry the index of their latest
 * record, so a token's traceback is a walk up this table. Stored as parallel typed arrays that
 * grow by doubling; `compact` keeps only what live tokens (and N-best) can still reach, so the
 * table stays bounded on endless input.
 */
export class WordBackpointers {
  size = 0;
  word: Int32Array;
  /** Utterance frame of the word's last frame. */
  endFrame: Int32Array;
  /** Previous record, or −1 at the start of the utterance. */
  previous: Int32Array;
  /** Grammar node the word ended in. */
  node: Int32Array;
  /** Path score at the word end. */
  score: Float64Array;
  /** Word-end posterior (confidence) in 0..1. */
  posterior: Float32Array;
  // Scratch for compaction and common-ancestor queries.
  private mark: Int32Array;
  private leafMark: Int32Array;
  private markSerial = 0;
  private visits: Int32Array;

  constructor(capacity = 1024) {
    this.word = new Int32Array(capacity);
    this.endFrame = new Int32Array(capacity);
    this.previous = new Int32Array(capacity);
    this.node = new Int32Array(capacity);
    this.score = new Float64Array(capacity);
    this.posterior = new Float32Array(capacity);
    this.mark = new Int32Array(capacity);
    this.leafMark = new Int32Array(capacity);
    this.visits = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.word.length;
  }

  clear(): void {
    this.size = 0;
  }

  add(word: number, endFrame: number, previous: number, node: number, score: number): number {
    if (this.size === this.capacity) this.grow();
    const index = this.size++;
    this.word[index] = word;
    this.endFrame[index] = endFrame;
    this.previous[index] = previous;
    this.node[index] = node;
    this.score[index] = score;
    this.posterior[index] = 1;
    return index;
  }

  /** First frame of the record's word: the frame after the previous record's end. */
  startFrame(record: number): number {
    const previous = this.previous[record];
    return previous < 0 ? 0 : this.endFrame[previous] + 1;
  }

  /**
   * The deepest record shared by the histories of every leaf in `leaves[0..count)` (−1 when
   * some history shares nothing, for example a token still in its first word). Every record
   * from it up to the start is on every surviving path: stable.
   */
  commonAncestor(leaves: Int32Array, count: number): number {
    if (count === 0) return -1;
    const leafSerial = this.nextSerial();
    const walkSerial = this.nextSerial();
    let distinct = 0;
    for (let i = 0; i < count; i++) {
      const leaf = leaves[i];
      if (leaf < 0) return -1;
      if (this.leafMark[leaf] === leafSerial) continue;
      this.leafMark[leaf] = leafSerial;
      distinct++;
      // Count, for every record, how many distinct leaves have it in their history.
      for (let record = leaf; record >= 0; record = this.previous[record]) {
        if (this.mark[record] !== walkSerial) {
          this.mark[record] = walkSerial;
          this.visits[record] = 0;
        }
        this.visits[record]++;
      }
    }
    for (let record = leaves[0]; record >= 0; record = this.previous[record]) {
      if (this.visits[record] === distinct) return record;
    }
    return -1;
  }

  /**
   * Keeps the records reachable from `roots` (token histories) and those that end after frame
   * `keepAfterFrame`; renumbers them in order and returns the old → new index map (−1 for
   * dropped records) so the caller can renumber its tokens.
   */
  compact(roots: ArrayLike<number>, rootCount: number, keepAfterFrame: number): Int32Array {
    const serial = this.nextSerial();
    for (let i = 0; i < rootCount; i++) {
      for (let record = roots[i]; record >= 0 && this.mark[record] !== serial; record = this.previous[record]) this.mark[record] = serial;
    }
    const renumber = new Int32Array(this.size).fill(-1);
    let kept = 0;
    for (let record = 0; record < this.size; record++) {
      if (this.mark[record] !== serial && this.endFrame[record] <= keepAfterFrame) continue;
      // A predecessor comes before its record, so it has been kept or dropped already; an
      // alternative whose history is gone goes too (reachable records never lose theirs).
      const previous = this.previous[record];
      if (previous >= 0 && renumber[previous] < 0) continue;
      renumber[record] = kept;
      this.word[kept] = this.word[record];
      this.endFrame[kept] = this.endFrame[record];
      this.previous[kept] = previous < 0 ? -1 : renumber[previous];
      this.node[kept] = this.node[record];
      this.score[kept] = this.score[record];
      this.posterior[kept] = this.posterior[record];
      kept++;
    }
    this.size = kept;
    return renumber;
  }

  private nextSerial(): number {
    this.markSerial++;
    return this.markSerial;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const grow32 = (old: Int32Array): Int32Array => {
      const next = new Int32Array(capacity);
      next.set(old);
      return next;
    };
    this.word = grow32(this.word);
    this.endFrame = grow32(this.endFrame);
    this.previous = grow32(this.previous);
    this.node = grow32(this.node);
    this.mark = grow32(this.mark);
    this.leafMark = grow32(this.leafMark);
    this.visits = grow32(this.visits);
    const score = new Float64Array(capacity);
    score.set(this.score);
    this.score = score;
    const posterior = new Float32Array(capacity);
    posterior.set(this.posterior);
    this.posterior = posterior;
  }
}
