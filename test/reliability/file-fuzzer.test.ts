/**
 * A short run of the file fuzzer (bench/file-fuzzer.ts) in every `npm test`: 300 seeded broken
 * files among good ones, two processes. `npm run test:reliability` runs the full 2,400.
 */
import { describe, expect, it } from 'vitest';
import { fuzzFiles } from '../../bench/file-fuzzer.ts';

describe('the file fuzzer (a short run)', () => {
  it('300 broken and good files: no crash, every error coded, every good result unchanged', async () => {
    const report = await fuzzFiles({ files: 300, processes: 2, seed: 7 });
    expect(report.examples).toEqual([]);
    expect({ tried: report.tried, crashes: report.crashes, uncodedErrors: report.uncodedErrors, goodChanged: report.goodChanged }).toEqual({ tried: 300, crashes: 0, uncodedErrors: 0, goodChanged: 0 });
  }, 120_000);
});
