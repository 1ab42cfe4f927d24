/**
 * A short run of the socket fuzzer (bench/socket-fuzzer.ts) in every `npm test`: 500 seeded
 * malformed messages beside 6 good lock-step sessions. `npm run test:reliability` runs 3,000.
 */
import { describe, expect, it } from 'vitest';
import { fuzzSockets } from '../../bench/socket-fuzzer.ts';

describe('the socket fuzzer (a short run)', () => {
  it('500 malformed messages: the server stays up, every error coded, every good session exact', async () => {
    const report = await fuzzSockets({ messages: 500, good: 6, seed: 11 });
    expect(report.examples).toEqual([]);
    expect({ crashes: report.crashes, uncodedErrors: report.uncodedErrors, goodChanged: report.goodChanged }).toEqual({ crashes: 0, uncodedErrors: 0, goodChanged: 0 });
    expect(report.tried).toBeGreaterThanOrEqual(500);
  }, 120_000);
});
