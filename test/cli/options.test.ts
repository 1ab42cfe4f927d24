import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatSnrLevel, numberInRange, snrLevels } from '../../cli/options.ts';

describe('--noise-copies levels', () => {
  const parse = snrLevels('--noise-copies');

  it('reads fixed SNRs and low:high ranges', () => {
    expect(parse('15,25,40:80')).toEqual([15, 25, [40, 80]]);
    expect(parse(' 10 , 5:5 ')).toEqual([10, [5, 5]]);
    expect(parse('15,40:80').map(formatSnrLevel)).toEqual(['15', '40–80']);
  });

  it.each(['x', '40:30', '1:2:3', '15,,abc'])('refuses %j with a usage error naming the option', (text) => {
    expect(() => parse(text)).toThrow(InvalidArgumentError);
    expect(() => parse(text)).toThrow(/--noise-copies/);
  });
});

describe('numbers in a range (--mmi-acoustic-scale, --mmi-i-smoothing)', () => {
  it('accepts the ends that are in and refuses the rest, naming the option', () => {
    const scale = numberInRange('--mmi-acoustic-scale', 0, 1, true);
    expect(scale('1')).toBe(1);
    expect(scale('0.05')).toBe(0.05);
    for (const text of ['0', '-0.1', '1.5', 'abc', '']) expect(() => scale(text)).toThrow(/--mmi-acoustic-scale must be a number in \(0, 1\]/);
    expect(numberInRange('--mmi-i-smoothing', 0, 1e6)('0')).toBe(0);
  });
});
