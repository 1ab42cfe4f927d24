/**
 * A JSGF subset → word grammar (word-grammar.ts). Supported: the `#JSGF` header, `grammar`
 * name, comments, `public` and private rules, alternatives `|` with optional `/weight/`
 * prefixes, grouping `( )`, optional `[ ]`, `*` and `+`, rule references `<name>` (also
 * right-recursive ones, which become loops, as PocketSphinx does), the special rules `<NULL>`
 * and `<VOID>`, quoted tokens, and tags `{...}` (ignored). Not supported, and refused with the
 * line: `import`, qualified rule names, and recursion anywhere but at the end of a rule.
 *
 * The grammar's language is the first public rule's, or the rule named in the options.
 * Words are matched to the vocabulary without regard to case.
 */
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { DEFAULT_GRAMMAR_LIMITS, GrammarBuilder, optimizedGrammar, withoutEpsilons, type GrammarLimits, type WordGrammar } from './word-grammar.ts';

type Expansion =
  | { readonly kind: 'word'; readonly word: string; readonly line: number }
  | { readonly kind: 'ref'; readonly name: string; readonly line: number }
  | { readonly kind: 'sequence'; readonly items: readonly Expansion[] }
  | { readonly kind: 'alternatives'; readonly options: readonly { weight: number; expansion: Expansion }[] }
  | { readonly kind: 'optional'; readonly inner: Expansion }
  | { readonly kind: 'repeat'; readonly inner: Expansion; readonly atLeastOnce: boolean };

interface Rule {
  readonly name: string;
  readonly isPublic: boolean;
  readonly body: Expansion;
  readonly line: number;
}

interface Token {
  readonly text: string;
  /** 'word' (bare or quoted), 'rule' (<name>), 'weight' (/n/), 'tag' ({...}) or the punctuation itself. */
  readonly type: string;
  readonly line: number;
}

export interface JsgfOptions {
  /** Rule to start from; default the first public rule. */
  readonly rule?: string;
  /** The model's words: grammar words are mapped to these (ignoring case); others are an error naming the word and line. */
  readonly vocabulary?: readonly string[];
  /** How large it may grow (DEFAULT_GRAMMAR_LIMITS). */
  readonly limits?: Partial<GrammarLimits>;
}

const fail = (line: number, message: string): never => {
  throw new BeamlineError(ERROR_CODES.GRAMMAR_INVALID, `JSGF line ${line}: ${message}`);
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const take = (length: number): string => {
    const part = text.slice(i, i + length);
    for (const c of part) if (c === '\n') line++;
    i += length;
    return part;
  };
  while (i < text.length) {
    const rest = text.slice(i);
    const startLine = line;
    let match: RegExpMatchArray | null;
    if ((match = rest.match(/^\s+/))) take(match[0].length);
    else if (rest.startsWith('//')) take(rest.includes('\n') ? rest.indexOf('\n') : rest.length);
    else if (rest.startsWith('/*')) {
      const end = rest.indexOf('*/', 2);
      if (end < 0) fail(startLine, 'a /* comment is never closed');
      take(end + 2);
    } else if ((match = rest.match(/^<([^<>\s]+)>/))) {
      take(match[0].length);
      tokens.push({ text: match[1], type: 'rule', line: startLine });
    } else if ((match = rest.match(/^\/\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\//))) {
      take(match[0].length);
      tokens.push({ text: match[1], type: 'weight', line: startLine });
    } else if (rest.startsWith('{')) {
      const end = rest.indexOf('}');
      if (end < 0) fail(startLine, 'a { tag is never closed');
      tokens.push({ text: take(end + 1), type: 'tag', line: startLine });
    } else if (rest.startsWith('"')) {
      const end = rest.indexOf('"', 1);
      if (end < 0) fail(startLine, 'a quoted token is never closed');
      tokens.push({ text: take(end + 1).slice(1, -1), type: 'word', line: startLine });
    } else if ('=|()[]*+;'.includes(rest[0])) {
      tokens.push({ text: rest[0], type: take(1), line: startLine });
    } else if ((match = rest.match(/^[^\s=|()[\]*+;<>{}"/]+/))) {
      tokens.push({ text: take(match[0].length), type: 'word', line: startLine });
    } else {
      fail(startLine, `unexpected character ${JSON.stringify(rest[0])}`);
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  /** Brackets open around the current token. */
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly maxNesting: number,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (token === undefined) fail(this.tokens.at(-1)?.line ?? 1, 'the grammar ends in the middle of a statement');
    return token;
  }

  private expect(type: string): Token {
    const token = this.next();
    if (token.type !== type) fail(token.line, `expected ${JSON.stringify(type)} but found ${JSON.stringify(token.text)}`);
    return token;
  }

  /** Header and statements up to the end. */
  rules(): Rule[] {
    const first = this.peek();
    if (first?.type === 'word' && first.text === '#JSGF') {
      // "#JSGF V1.0 [encoding [locale]];"
      while (this.next().type !== ';');
    }
    const rules: Rule[] = [];
    while (this.peek() !== undefined) {
      const token = this.next();
      if (token.type === 'word' && token.text === 'grammar') {
        this.expect('word');
        this.expect(';');
      } else if (token.type === 'word' && token.text === 'import') {
        fail(token.line, 'import is not supported: put the imported rules in this grammar');
      } else {
        const isPublic = token.type === 'word' && token.text === 'public';
        const nameToken = isPublic ? this.next() : token;
        if (nameToken.type !== 'rule') fail(nameToken.line, `expected a rule definition (<name> = ...;) but found ${JSON.stringify(nameToken.text)}`);
        if (nameToken.text.includes('.')) fail(nameToken.line, `qualified rule names such as <${nameToken.text}> are not supported`);
        this.expect('=');
        const body = this.alternatives();
        this.expect(';');
        if (rules.some((rule) => rule.name === nameToken.text)) fail(nameToken.line, `the rule <${nameToken.text}> is defined twice`);
        rules.push({ name: nameToken.text, isPublic, body, line: nameToken.line });
      }
    }
    return rules;
  }

  private alternatives(): Expansion {
    // Each level is a few frames of recursion: bounded well below the engine's stack.
    if (++this.depth > this.maxNesting) fail(this.peek()?.line ?? 1, `brackets nested more than ${this.maxNesting} deep`);
    try {
      return this.alternativesWithin();
    } finally {
      this.depth--;
    }
  }

  private alternativesWithin(): Expansion {
    const options: { weight: number; expansion: Expansion }[] = [];
    let weighted = 0;
    do {
      let weight = 1;
      if (this.peek()?.type === 'weight') {
        const token = this.next();
        weight = Number(token.text);
        if (!(weight > 0)) fail(token.line, `an alternative's weight must be positive; got /${token.text}/`);
        weighted++;
      }
      options.push({ weight, expansion: this.sequence() });
    } while (this.peek()?.type === '|' && this.next());
    if (weighted > 0 && weighted < options.length) {
      fail(this.tokens[this.position - 1].line, 'either every alternative has a /weight/ or none does');
    }
    return options.length === 1 ? options[0].expansion : { kind: 'alternatives', options };
  }

  private sequence(): Expansion {
    const items: Expansion[] = [];
    for (;;) {
      const token = this.peek();
      if (token === undefined || token.type === '|' || token.type === ')' || token.type === ']' || token.type === ';') break;
      items.push(this.item());
    }
    if (items.length === 0) fail(this.peek()?.line ?? 1, 'empty expansion (use <NULL> for "nothing")');
    return items.length === 1 ? items[0] : { kind: 'sequence', items };
  }

  private item(): Expansion {
    const token = this.next();
    let expansion: Expansion;
    if (token.type === 'word') expansion = { kind: 'word', word: token.text, line: token.line };
    else if (token.type === 'rule') expansion = { kind: 'ref', name: token.text, line: token.line };
    else if (token.type === '(') {
      expansion = this.alternatives();
      this.expect(')');
    } else if (token.type === '[') {
      expansion = { kind: 'optional', inner: this.alternatives() };
      this.expect(']');
    } else {
      return fail(token.line, `unexpected ${JSON.stringify(token.text)}`);
    }
    for (;;) {
      const after = this.peek();
      if (after?.type === '*' || after?.type === '+') {
        this.next();
        expansion = { kind: 'repeat', inner: expansion, atLeastOnce: after.type === '+' };
      } else if (after?.type === 'tag') this.next();
      else break;
    }
    return expansion;
  }
}

/** Parses a JSGF grammar and compiles the chosen rule into an epsilon-free word grammar. */
export function jsgfGrammar(text: string, options: JsgfOptions = {}): WordGrammar {
  const limits = { ...DEFAULT_GRAMMAR_LIMITS, ...options.limits };
  const rules = new Parser(tokenize(text), limits.maxNesting).rules();
  const byName = new Map(rules.map((rule) => [rule.name, rule]));
  const root = options.rule !== undefined ? byName.get(options.rule) : rules.find((rule) => rule.isPublic);
  if (root === undefined) {
    throw new BeamlineError(
      ERROR_CODES.GRAMMAR_INVALID,
      options.rule !== undefined ? `the grammar has no rule <${options.rule}> (rules: ${rules.map((r) => `<${r.name}>`).join(' ')})` : 'the grammar has no public rule',
    );
  }
  const vocabulary = options.vocabulary === undefined ? undefined : new Map(options.vocabulary.map((word) => [word.toLowerCase(), word]));
  const builder = new GrammarBuilder(limits.maxArcs);

  interface Instance {
    readonly name: string;
    readonly start: number;
    readonly end: number;
    readonly enteredAtTail: boolean;
  }
  const stack: Instance[] = [];

  const word = (text: string, line: number): string => {
    if (vocabulary === undefined) return text;
    const known = vocabulary.get(text.toLowerCase());
    if (known === undefined) {
      throw new BeamlineError(ERROR_CODES.UNKNOWN_WORD, `JSGF line ${line}: the word ${JSON.stringify(text)} is not in the model's vocabulary (${[...vocabulary.values()].join(' ')})`);
    }
    return known;
  };

  /** Adds the expansion's states after `from`; returns the state where it ends. */
  const expand = (expansion: Expansion, from: number, atTail: boolean): number => {
    switch (expansion.kind) {
      case 'word': {
        let state = from;
        for (const part of expansion.word.split(/\s+/).filter(Boolean)) {
          const next = builder.addState();
          builder.addArc(state, next, word(part, expansion.line));
          state = next;
        }
        return state;
      }
      case 'sequence':
        return expansion.items.reduce((state, item, index) => expand(item, state, atTail && index === expansion.items.length - 1), from);
      case 'alternatives': {
        const end = builder.addState();
        const total = expansion.options.reduce((sum, option) => sum + option.weight, 0);
        for (const option of expansion.options) {
          const start = builder.addState();
          builder.addArc(from, start, undefined, Math.log(option.weight / total));
          builder.addArc(expand(option.expansion, start, atTail), end, undefined);
        }
        return end;
      }
      case 'optional': {
        const end = expand(expansion.inner, from, atTail);
        builder.addArc(from, end, undefined);
        return end;
      }
      case 'repeat': {
        const loop = builder.addState();
        builder.addArc(from, loop, undefined);
        const end = expand(expansion.inner, loop, false);
        builder.addArc(end, loop, undefined);
        return expansion.atLeastOnce ? end : loop;
      }
      case 'ref':
        return reference(expansion.name, expansion.line, from, atTail);
    }
  };

  const reference = (name: string, line: number, from: number, atTail: boolean): number => {
    if (name === 'NULL') return from;
    if (name === 'VOID') return builder.addState();
    if (name.includes('.')) fail(line, `qualified rule names such as <${name}> are not supported`);
    const active = stack.findIndex((instance) => instance.name === name);
    if (active >= 0) {
      // Recursion: allowed only as the last thing of every rule between here and <name>, where
      // it means "start <name> again", a loop back to its start.
      if (!atTail || stack.slice(active + 1).some((instance) => !instance.enteredAtTail)) {
        fail(line, `<${name}> refers to itself other than at the end of the rule; only right recursion is supported`);
      }
      builder.addArc(from, stack[active].start, undefined);
      return stack[active].end;
    }
    const rule = byName.get(name) ?? fail(line, `the rule <${name}> is not defined`);
    if (stack.length >= limits.maxNesting) fail(line, `rules refer to rules more than ${limits.maxNesting} deep (<${name}>)`);
    const instance = { name, start: builder.addState(), end: builder.addState(), enteredAtTail: atTail };
    builder.addArc(from, instance.start, undefined);
    stack.push(instance);
    builder.addArc(expand(rule.body, instance.start, true), instance.end, undefined);
    stack.pop();
    return instance.end;
  };

  const start = builder.addState();
  const end = reference(root.name, root.line, start, true);
  builder.setFinal(end);
  return optimizedGrammar(withoutEpsilons(builder.build(start), limits.maxArcs), limits.maxArcs);
}
