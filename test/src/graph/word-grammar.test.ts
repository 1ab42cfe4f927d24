import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsgfGrammar } from '../../../src/graph/jsgf-grammar.ts';
import { enumerateSentences, GrammarBuilder, phraseListGrammar, withoutEpsilons, wordLoopGrammar } from '../../../src/graph/word-grammar.ts';
import { FIXTURES } from '../../helpers.ts';

const sentences = (grammar: ReturnType<typeof wordLoopGrammar>, maxWords: number): string[] => [...enumerateSentences(grammar, maxWords).keys()].sort();

// Oracle: the languages below are written out by hand from the JSGF specification's meaning of
// each operator; the enumeration walks the compiled acceptor.
describe('word grammars', () => {
  it('word loop: every sequence, each word costing log(1/V)', () => {
    const loop = wordLoopGrammar(['a', 'b']);
    expect(sentences(loop, 2)).toEqual(['', 'a', 'a a', 'a b', 'b', 'b a', 'b b']);
    expect(enumerateSentences(loop, 2).get('a b')).toBeCloseTo(2 * Math.log(0.5), 12);
  });

  it('phrase list: exactly the phrases', () => {
    const grammar = phraseListGrammar([['call', 'home'], ['stop'], []]);
    expect(sentences(grammar, 5)).toEqual(['call home', 'stop']);
  });

  it('epsilon removal keeps the language and the best weight of each sentence', () => {
    const builder = new GrammarBuilder();
    const [s0, s1, s2, s3] = [builder.addState(), builder.addState(), builder.addState(), builder.addState()];
    builder.addArc(s0, s1, undefined, Math.log(0.5));
    builder.addArc(s0, s2, undefined, Math.log(0.5));
    builder.addArc(s1, s3, 'x', Math.log(0.25));
    builder.addArc(s2, s3, 'x', Math.log(0.75));
    builder.addArc(s2, s2, undefined, Math.log(0.9)); // an epsilon self-loop never helps
    builder.setFinal(s3);
    builder.setFinal(s0, Math.log(0.1));
    const grammar = withoutEpsilons(builder.build(s0));
    expect(grammar.arcs.every((arc) => arc.word >= 0)).toBe(true);
    const weights = enumerateSentences(grammar, 3);
    expect([...weights.keys()].sort()).toEqual(['', 'x']);
    expect(weights.get('x')).toBeCloseTo(Math.log(0.5 * 0.75), 12);
    expect(weights.get('')).toBeCloseTo(Math.log(0.1), 12);
  });
});

describe('JSGF', () => {
  const goforward = readFileSync(`${FIXTURES}grammars/goforward.gram`, 'utf8');
  const digits = readFileSync(`${FIXTURES}grammars/digits.gram`, 'utf8');

  it('loads the turtle grammar: the first public rule by default, another by name', () => {
    expect(sentences(jsgfGrammar(goforward), 6)).toEqual(['GO FORWARD TEN METERS']);
    const move2 = jsgfGrammar(goforward, { rule: 'move2' });
    const all = sentences(move2, 6);
    expect(all).toHaveLength(2 * 10 * 3);
    expect(all).toContain('GO BACKWARD SEVEN METERS');
    expect(all).toContain('GO FORWARD ONE');
    // Alternatives share probability equally: direction 1/2, distance 1/10, unit 1/2 when present.
    expect(enumerateSentences(move2, 6).get('GO BACKWARD SEVEN METERS')).toBeCloseTo(Math.log(0.5 * 0.1 * 0.5), 12);
  });

  it('loads a digit-string grammar and maps words to the vocabulary ignoring case', () => {
    const grammar = jsgfGrammar(digits.replace('zero', 'ZERO').replace(' oh |', ''), { vocabulary: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] });
    expect(grammar.words).toHaveLength(10);
    const all = sentences(grammar, 2);
    expect(all).toHaveLength(10 + 100);
    expect(all).toContain('zero nine');
  });

  const regression = `#JSGF V1.0;
grammar test;
public <rightRecursion> = <action> | <actionRecursion>;
<action> = stop | start;
<actionRecursion> = <action> and <rightRecursion>;
public <kleene> = <polite>* don't crash;
<polite> = please | kindly | oh mighty computer;
public <nulltest> = <ones> <twos>;
<ones> = <NULL> (one [and] one);
<twos> = <NULL> (two [and] two);
public <caction> = go* | stop+ | <VOID> never;
public <weighted> = /3/ yes | /1/ no {tag};
public <quoted> = "new york" city;
`;

  it('turns right recursion into a loop', () => {
    const all = sentences(jsgfGrammar(regression, { rule: 'rightRecursion' }), 3);
    expect(all).toEqual(['start', 'start and start', 'start and stop', 'stop', 'stop and start', 'stop and stop']);
  });

  it('handles *, +, [optional], <NULL>, <VOID>, weights, tags and quoted tokens', () => {
    expect(sentences(jsgfGrammar(regression, { rule: 'kleene' }), 3)).toEqual([
      "don't crash",
      "kindly don't crash",
      "please don't crash",
    ]);
    expect(sentences(jsgfGrammar(regression, { rule: 'nulltest' }), 6)).toEqual([
      'one and one two and two',
      'one and one two two',
      'one one two and two',
      'one one two two',
    ]);
    expect(sentences(jsgfGrammar(regression, { rule: 'caction' }), 2)).toEqual(['', 'go', 'go go', 'stop', 'stop stop']);
    const weighted = enumerateSentences(jsgfGrammar(regression, { rule: 'weighted' }), 1);
    expect(weighted.get('yes')).toBeCloseTo(Math.log(0.75), 12);
    expect(sentences(jsgfGrammar(regression, { rule: 'quoted' }), 3)).toEqual(['new york city']);
  });

  it.each([
    ['public <a> = hello', /line 1: the grammar ends/],
    ['public <a> = (hello;', /line 1: expected "\)"/],
    ['public <c> = <b>;\n<b> = x <b> y;', /<b> refers to itself other than at the end/],
    ['public <a> = <missing>;', /the rule <missing> is not defined/],
    ['import <x.y>;\npublic <a> = b;', /line 1: import is not supported/],
    ['public <a> = hello;\npublic <a> = again;', /line 2: the rule <a> is defined twice/],
    ['public <a> = /2/ x | y;', /every alternative has a \/weight\//],
    ['<a> = x;', /no public rule/],
    ['public <a> = <VOID>;', /accepts no word sequence/],
    ['public <a> = x;\n/* open', /line 2: a \/\* comment is never closed/],
  ])('refuses %j with a message naming the problem', (text, message) => {
    expect(() => jsgfGrammar(text)).toThrow(message);
    try {
      jsgfGrammar(text);
    } catch (error) {
      expect((error as { code: string }).code).toBe('GRAMMAR_INVALID');
    }
  });

  it('names an unknown word and its line', () => {
    expect(() => jsgfGrammar('#JSGF V1.0;\npublic <a> = one\n  eleven;', { vocabulary: ['one', 'two'] })).toThrow(/line 3: the word "eleven" is not in the model's vocabulary/);
  });
});
