import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecognitionScorer, alignWords, countErrors, formatReport } from '../../../src/eval/word-alignment.ts';

/** Levenshtein distance by plain recursion with memo: the oracle for the error total. */
function editDistance(a: readonly string[], b: readonly string[]): number {
  const memo = new Map<string, number>();
  const go = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = `${i},${j}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    const value = Math.min(go(i - 1, j) + 1, go(i, j - 1) + 1, go(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    memo.set(key, value);
    return value;
  };
  return go(a.length, b.length);
}

describe('word alignment', () => {
  it('counts hits, substitutions, deletions and insertions of a worked example', () => {
    // ref: one two three four; hyp: one too three four five → H=3, S=1, I=1.
    const counts = countErrors(alignWords(['one', 'two', 'three', 'four'], ['one', 'too', 'three', 'four', 'five']));
    expect(counts).toEqual({ hits: 3, substitutions: 1, deletions: 0, insertions: 1 });
    expect(countErrors(alignWords(['a', 'b', 'c'], ['a', 'c']))).toEqual({ hits: 2, substitutions: 0, deletions: 1, insertions: 0 });
  });

  it('finds the minimum number of errors and conserves the words (property)', () => {
    const words = fc.array(fc.constantFrom('one', 'two', 'three', 'oh'), { maxLength: 7 });
    fc.assert(
      fc.property(words, words, (reference, hypothesis) => {
        const counts = countErrors(alignWords(reference, hypothesis));
        expect(counts.substitutions + counts.deletions + counts.insertions).toBe(editDistance(reference, hypothesis));
        expect(counts.hits + counts.substitutions + counts.deletions).toBe(reference.length);
        expect(counts.hits + counts.substitutions + counts.insertions).toBe(hypothesis.length);
      }),
    );
  });

  it('reports HResults figures and a confusion matrix', () => {
    const scorer = new RecognitionScorer();
    scorer.add(['one'], ['one']);
    scorer.add(['two'], ['three']);
    scorer.add(['three'], []);
    scorer.add(['one', 'two'], ['one', 'two', 'two']);
    const report = scorer.report();
    // N = 5 reference words; H = 3, S = 1, D = 1, I = 1.
    expect(report.counts).toEqual({ hits: 3, substitutions: 1, deletions: 1, insertions: 1 });
    expect(report.percentCorrect).toBeCloseTo(60, 10);
    expect(report.accuracy).toBeCloseTo(40, 10);
    expect(report.wordErrorRate).toBeCloseTo(60, 10);
    expect(report.sentenceErrorRate).toBeCloseTo(75, 10);
    expect(report.confusion.two).toEqual({ three: 1, two: 1 });
    expect(report.confusion['<ins>']).toEqual({ two: 1 });
    const text = formatReport(report, ['one', 'two', 'three']);
    expect(text).toContain('WORD: %Corr=60.00, Acc=40.00 [H=3, D=1, S=1, I=1, N=5]');
    expect(text).toContain('SENT: %Correct=25.00 [H=1, S=3, N=4]');
  });
});
