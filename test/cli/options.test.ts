import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatSnrLevel, snrLevels } from '../../cli/options.ts';

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
