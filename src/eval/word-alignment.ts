/**
 * Scoring recognised words against a reference, as HTK's HResults does: a minimum-edit-distance
 * alignment (substitution, deletion and insertion each cost 1; ties prefer a match, then a
 * substitution) gives hits H, deletions D, substitutions S and insertions I, with N = H + D + S
 * reference words. %Correct = H / N, Accuracy = (H − I) / N, WER = (S + D + I) / N.
 */

export type AlignedPair =
  | { readonly kind: 'hit' | 'substitution'; readonly reference: string; readonly hypothesis: string }
  | { readonly kind: 'deletion'; readonly reference: string }
  | { readonly kind: 'insertion'; readonly hypothesis: string };

export interface ErrorCounts {
  hits: number;
  deletions: number;
  substitutions: number;
  insertions: number;
}

/** The alignment of hypothesis to reference with the fewest errors. */
export function alignWords(reference: readonly string[], hypothesis: readonly string[]): AlignedPair[] {
  const R = reference.length;
  const H = hypothesis.length;
  const cost = new Int32Array((R + 1) * (H + 1));
  const at = (i: number, j: number): number => i * (H + 1) + j;
  for (let i = 0; i <= R; i++) cost[at(i, 0)] = i;
  for (let j = 0; j <= H; j++) cost[at(0, j)] = j;
  for (let i = 1; i <= R; i++) {
    for (let j = 1; j <= H; j++) {
      const diagonal = cost[at(i - 1, j - 1)] + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      cost[at(i, j)] = Math.min(diagonal, cost[at(i - 1, j)] + 1, cost[at(i, j - 1)] + 1);
    }
  }
  const pairs: AlignedPair[] = [];
  let i = R;
  let j = H;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && cost[at(i, j)] === cost[at(i - 1, j - 1)] + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1)) {
      const kind = reference[i - 1] === hypothesis[j - 1] ? 'hit' : 'substitution';
      pairs.push({ kind, reference: reference[i - 1], hypothesis: hypothesis[j - 1] });
      i--;
      j--;
    } else if (i > 0 && cost[at(i, j)] === cost[at(i - 1, j)] + 1) {
      pairs.push({ kind: 'deletion', reference: reference[i - 1] });
      i--;
    } else {
      pairs.push({ kind: 'insertion', hypothesis: hypothesis[j - 1] });
      j--;
    }
  }
  return pairs.reverse();
}

export function countErrors(pairs: readonly AlignedPair[]): ErrorCounts {
  const counts: ErrorCounts = { hits: 0, deletions: 0, substitutions: 0, insertions: 0 };
  for (const pair of pairs) {
    if (pair.kind === 'hit') counts.hits++;
    else if (pair.kind === 'deletion') counts.deletions++;
    else if (pair.kind === 'substitution') counts.substitutions++;
    else counts.insertions++;
  }
  return counts;
}

export interface RecognitionReport {
  readonly sentences: number;
  readonly sentenceErrors: number;
  readonly counts: ErrorCounts;
  /** H + D + S: words in the references. */
  readonly referenceWords: number;
  readonly percentCorrect: number;
  readonly accuracy: number;
  readonly wordErrorRate: number;
  readonly sentenceErrorRate: number;
  /** confusion[reference][hypothesis] = count; deletions under hypothesis "<del>", insertions under reference "<ins>". */
  readonly confusion: Record<string, Record<string, number>>;
}

/** Accumulates utterance results into HResults-style figures. */
export class RecognitionScorer {
  private sentences = 0;
  private sentenceErrors = 0;
  private readonly counts: ErrorCounts = { hits: 0, deletions: 0, substitutions: 0, insertions: 0 };
  private readonly confusion: Record<string, Record<string, number>> = {};

  add(reference: readonly string[], hypothesis: readonly string[]): AlignedPair[] {
    const pairs = alignWords(reference, hypothesis);
    const counts = countErrors(pairs);
    this.sentences++;
    if (counts.hits !== reference.length || counts.insertions > 0) this.sentenceErrors++;
    this.counts.hits += counts.hits;
    this.counts.deletions += counts.deletions;
    this.counts.substitutions += counts.substitutions;
    this.counts.insertions += counts.insertions;
    for (const pair of pairs) {
      const row = pair.kind === 'insertion' ? '<ins>' : pair.reference;
      const column = pair.kind === 'deletion' ? '<del>' : pair.hypothesis;
      const counts = (this.confusion[row] ??= {});
      counts[column] = (counts[column] ?? 0) + 1;
    }
    return pairs;
  }

  report(): RecognitionReport {
    const { hits, deletions, substitutions, insertions } = this.counts;
    const n = hits + deletions + substitutions;
    const percent = (value: number, of: number): number => (of === 0 ? 0 : (100 * value) / of);
    return {
      sentences: this.sentences,
      sentenceErrors: this.sentenceErrors,
      counts: { ...this.counts },
      referenceWords: n,
      percentCorrect: percent(hits, n),
      accuracy: percent(hits - insertions, n),
      wordErrorRate: percent(substitutions + deletions + insertions, n),
      sentenceErrorRate: percent(this.sentenceErrors, this.sentences),
      confusion: Object.fromEntries(Object.entries(this.confusion).map(([row, counts]) => [row, { ...counts }])),
    };
  }
}

/** The report as HResults prints it, with a confusion matrix over `vocabulary`. */
export function formatReport(report: RecognitionReport, vocabulary: readonly string[], title = 'Results'): string {
  const { hits, deletions, substitutions, insertions } = report.counts;
  const lines = [
    `====================== ${title} ======================`,
    `SENT: %Correct=${(100 - report.sentenceErrorRate).toFixed(2)} [H=${report.sentences - report.sentenceErrors}, S=${report.sentenceErrors}, N=${report.sentences}]`,
    `WORD: %Corr=${report.percentCorrect.toFixed(2)}, Acc=${report.accuracy.toFixed(2)} [H=${hits}, D=${deletions}, S=${substitutions}, I=${insertions}, N=${report.referenceWords}]`,
    `WER=${report.wordErrorRate.toFixed(2)}%  SER=${report.sentenceErrorRate.toFixed(2)}%`,
    '',
    'Confusion matrix (rows: reference, columns: recognised)',
  ];
  const columns = [...vocabulary, '<del>'];
  const width = Math.max(5, ...columns.map((c) => c.length)) + 1;
  const pad = (text: string): string => text.padStart(width);
  lines.push(pad('') + columns.map(pad).join(''));
  for (const row of [...vocabulary, '<ins>']) {
    const counts = report.confusion[row] ?? {};
    if (row === '<ins>' && Object.keys(counts).length === 0) continue;
    lines.push(pad(row) + columns.map((column) => pad(String(counts[column] ?? (row === column ? 0 : '.')))).join(''));
  }
  lines.push('='.repeat(60));
  return lines.join('\n');
}
