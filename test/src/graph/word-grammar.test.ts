import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsgfGrammar } from '../../../src/graph/jsgf-grammar.ts';
import { determinized, enumerateSentences, GrammarBuilder, optimizedGrammar, phraseListGrammar, withoutEpsilons, wordLoopGrammar } from '../../../src/graph/word-grammar.ts';
import fc from 'fast-check';
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

  // A short text must not make an unbounded grammar: each of these took seconds or crashed before.
  it('refuses a grammar that doubles itself past the size limit, at once, naming the limit', () => {
    const rules = ['public <r17> = <r16> <r16>;', '<r0> = one | two;'];
    for (let k = 16; k >= 1; k--) rules.splice(1, 0, `<r${k}> = <r${k - 1}> <r${k - 1}>;`);
    const text = `#JSGF V1.0;\n${rules.join('\n')}`;
    expect(text.length).toBeLessThan(500);
    expect(() => jsgfGrammar(text)).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: 'the grammar is too large: more than 50000 arcs while it is expanded (grammar limit maxArcs)' }),
    );
    // Within the limit the same construction compiles: 2³ = 8 words of two choices each, 256 sentences.
    const small = `#JSGF V1.0;\npublic <r3> = <r2> <r2>;\n<r2> = <r1> <r1>;\n<r1> = <r0> <r0>;\n<r0> = one | two;`;
    const all = sentences(jsgfGrammar(small), 8);
    expect(all).toHaveLength(256);
    expect(all.every((sentence) => sentence.split(' ').length === 8)).toBe(true);
  });

  it('refuses rules nested deeper than the limit with GRAMMAR_INVALID, not a stack overflow', () => {
    const chain = ['public <r0> = <r1>;'];
    for (let k = 1; k < 3000; k++) chain.push(`<r${k}> = <r${k + 1}>;`);
    chain.push('<r3000> = one;');
    expect(() => jsgfGrammar(chain.join('\n'))).toThrow(expect.objectContaining({ code: 'GRAMMAR_INVALID', message: expect.stringMatching(/rules refer to rules more than 200 deep/) }));
    const brackets = `public <a> = ${'('.repeat(5000)}one${')'.repeat(5000)};`;
    expect(() => jsgfGrammar(brackets)).toThrow(expect.objectContaining({ code: 'GRAMMAR_INVALID', message: 'JSGF line 1: brackets nested more than 200 deep' }));
    // 150 deep is fine.
    expect(sentences(jsgfGrammar(`public <a> = ${'('.repeat(150)}one${')'.repeat(150)};`), 2)).toEqual(['one']);
  });

  it('compiles a list of 5,000 four-digit PINs within the default limit, and refuses a list past it', () => {
    const digits = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const pins = Array.from({ length: 5000 }, (_, i) => String((i * 7919) % 10000).padStart(4, '0').split('').map((d) => digits[Number(d)]));
    const grammar = jsgfGrammar(`public <pin> = ${pins.map((pin) => pin.join(' ')).join(' | ')};`);
    expect(grammar.arcs.filter((arc) => arc.word >= 0).length).toBeLessThanOrEqual(20000);
    expect(enumerateSentences(grammar, 4).size).toBe(new Set(pins.map((pin) => pin.join(' '))).size);
    expect(() => phraseListGrammar(Array.from({ length: 15000 }, () => ['one', 'two', 'three', 'four']))).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
  });

  it('made deterministic and minimal, a grammar keeps every sentence and its best weight, one arc per word out of each state', () => {
    // Oracle: enumerating the sentences (with their best weights) of the grammar as built.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        let state = seed;
        const next = (): number => ((state = (state * 1103515245 + 12345) >>> 0) % 1000) / 1000;
        const builder = new GrammarBuilder();
        const states = Array.from({ length: 3 + Math.floor(next() * 6) }, () => builder.addState());
        for (let i = 0; i < 4 + Math.floor(next() * 14); i++) {
          const from = states[Math.floor(next() * states.length)];
          const to = states[Math.floor(next() * states.length)];
          const word = next() < 0.2 ? undefined : ['a', 'b', 'c'][Math.floor(next() * 3)];
          builder.addArc(from, to, word, Math.log(0.05 + 0.9 * next()));
        }
        builder.setFinal(states[states.length - 1], Math.log(0.5 + 0.5 * next()));
        let plain;
        try {
          plain = withoutEpsilons(builder.build(states[0]));
        } catch {
          return; // accepts nothing, or a loop of empty moves gaining weight: not a grammar to test
        }
        const optimized = optimizedGrammar(plain, 5000);
        const before = enumerateSentences(plain, 4);
        const after = enumerateSentences(optimized, 4);
        expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
        for (const [sentence, weight] of before) expect(Math.abs(after.get(sentence)! - weight)).toBeLessThan(1e-9);
        if (optimized !== plain) {
          const seen = new Set(optimized.arcs.map((arc) => `${arc.from} ${arc.word}`));
          expect(seen.size).toBe(optimized.arcs.length);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('shrinks a list of 5,000 PINs from 20,000 parallel words to a graph of a hundred states', () => {
    const digits = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const pins = Array.from({ length: 5000 }, (_, i) => String((i * 7919 + 13) % 10000).padStart(4, '0').split('').map((d) => digits[Number(d)]));
    const grammar = phraseListGrammar(pins);
    expect(grammar.arcs.length).toBeLessThan(1000);
    expect(grammar.stateCount).toBeLessThan(200);
    // Out of the start state, one arc per digit.
    expect(grammar.arcs.filter((arc) => arc.from === grammar.start)).toHaveLength(10);
    expect(enumerateSentences(grammar, 4).size).toBe(5000);
    // A weighted cycle whose subsets never repeat is left as it was.
    const builder = new GrammarBuilder();
    const [s0, s1, s2] = [builder.addState(), builder.addState(), builder.addState()];
    builder.addArc(s0, s1, 'a', Math.log(0.5));
    builder.addArc(s0, s2, 'a', Math.log(0.5));
    builder.addArc(s1, s1, 'a', Math.log(0.9));
    builder.addArc(s2, s2, 'a', Math.log(0.1));
    builder.setFinal(s1);
    builder.setFinal(s2);
    expect(determinized(builder.build(s0), 1000)).toBeUndefined();
  });
});
