import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { beamline } from './run-cli.ts';
import { defaultFsddDir } from '../../cli/options.ts';
import { parseModel } from '../../src/io/model-format.ts';
import { RecognitionScorer, type RecognitionReport } from '../../src/eval/word-alignment.ts';
import { fsddCorpus } from '../../streams/corpus.ts';

const fsdd = defaultFsddDir();
const missing = !existsSync(fsdd);
if (missing) console.warn(`skipping the train/eval command tests: no FSDD data at ${fsdd} (set BEAMLINE_FSDD)`);


describe.skipIf(missing)('beamline train and eval on FSDD', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beamline-train-'));
  const model = join(dir, 'theo.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains a small model, writing the model, its curve and the log-likelihood of every pass', async () => {
    const { code, stderr } = await beamline(
      'train', '--fsdd', fsdd, '--speakers', 'theo', '--indices', '5-29', '--mixtures', '2', '--iterations', '3',
      '--baum-welch', '1', '--vtlp', '', '--lda-dim', '30', '--semi-tied-rounds', '1', '--out', model, '--name', 'theo-test',
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/pass {2}0 equal-alignment/);
    // LDA after the single-Gaussian passes; the mixtures grow in its 30 dimensions.
    expect(stderr).toMatch(/pass {2}3 viterbi\s+1 components[^\n]*\nLDA: 39 -> 30 dimensions keep \d+\.\d% of the between-state variance/);
    expect(stderr).toMatch(/pass {2}4 viterbi\s+2 components\s+log-likelihood .*features transformed/);
    expect(stderr).toMatch(/pass {2}7 baum-welch\s+2 components\s+log-likelihood/);
    // The semi-tied round: its objective rises, then one more pass in the transformed space.
    const [, before, after] = /semi-tied transform 1: objective (-?[\d.]+) -> (-?[\d.]+) per frame/.exec(stderr) ?? [];
    expect(Number(after)).toBeGreaterThan(Number(before));
    expect(stderr).toMatch(/pass {2}8 baum-welch\s+2 components\s+log-likelihood .*features transformed/);
    const parsed = parseModel(readFileSync(model, 'utf8'), model);
    expect(parsed.name).toBe('theo-test');
    expect(parsed.gmms[0].components).toBe(2);
    // LDA's 30 × 39 projection, then the semi-tied turn within its 30 dimensions.
    expect(parsed.frontEnd.transform?.matrix).toHaveLength(30);
    expect(parsed.frontEnd.transform?.matrix[0]).toHaveLength(39);
    expect(parsed.gmms[0].dim).toBe(30);
    expect(parsed.provenance.data).toContain('speakers theo, indices 5-29 (250 recordings)');
    expect(readFileSync(model.replace(/\.json$/, '.svg'), 'utf8')).toContain('<svg');
  }, 120_000);

  it('evaluates it (through its feature transform) on the same speaker\'s test split, as text and as JSON', async () => {
    const text = await beamline('eval', fsdd, '--model', model, '--speakers', 'theo', '--indices', '0-4');
    expect(text.code).toBe(0);
    const counts = /WORD: %Corr=\d+\.\d\d, Acc=\d+\.\d\d \[H=(\d+), D=(\d+), S=(\d+), I=\d+, N=50\]/.exec(text.stdout);
    expect(counts).not.toBeNull();
    // Every reference word is a hit, a deletion or a substitution.
    expect(Number(counts![1]) + Number(counts![2]) + Number(counts![3])).toBe(50);
    expect(text.stdout).toContain('Confusion matrix');
    const json = await beamline('eval', fsdd, '--model', model, '--speakers', 'theo', '--indices', '0-4', '--format', 'json');
    const result = JSON.parse(json.stdout) as { files: number; report: { percentCorrect: number; referenceWords: number } };
    expect(result.files).toBe(50);
    expect(result.report.referenceWords).toBe(50);
    // A speaker-dependent model from 250 recordings recognises most of the speaker's test words.
    expect(result.report.percentCorrect).toBeGreaterThan(80);
    // The live path (live CMN, chunked audio) goes through the projection too.
    const live = await beamline('eval', fsdd, '--model', model, '--speakers', 'theo', '--indices', '0-4', '--format', 'json', '--streaming');
    expect(live.code).toBe(0);
    expect((JSON.parse(live.stdout) as typeof result).report.percentCorrect).toBeGreaterThan(70);
    // Speaker adaptation: two passes over the speaker's files, every file scored once.
    const adapted = await beamline('eval', fsdd, '--model', model, '--speakers', 'theo', '--indices', '0-4', '--format', 'json', '--adaptation', 'speaker');
    expect(adapted.code).toBe(0);
    const adaptedResult = JSON.parse(adapted.stdout) as typeof result;
    expect(adaptedResult.report.referenceWords).toBe(50);
    expect(adaptedResult.report.percentCorrect).toBeGreaterThan(80);
  }, 120_000);

  it('decodes one talker\'s files learning them first (--learn-first): what `eval --adaptation speaker` scores', async () => {
    // Another speaker than the model's: far from it, adaptation changes many words.
    const entries = await fsddCorpus(fsdd, { indices: [0, 4], speakers: ['jackson'] });
    expect(entries).toHaveLength(50);
    const { code, stdout } = await beamline('decode', '--model', model, '--adaptation', 'speaker', '--learn-first', '--format', 'jsonl', ...entries.map((entry) => entry.path));
    expect(code).toBe(0);
    const decoded = stdout.trim().split('\n').map((line) => JSON.parse(line) as { file: string; text: string });
    // One line per file, in the order given.
    expect(decoded.map((line) => line.file)).toEqual(entries.map((entry) => entry.path));
    const scorer = new RecognitionScorer();
    decoded.forEach((line, i) => scorer.add(entries[i].words, line.text.split(' ').filter(Boolean)));
    const evaluated = await beamline('eval', fsdd, '--model', model, '--speakers', 'jackson', '--indices', '0-4', '--format', 'json', '--adaptation', 'speaker');
    const { report } = JSON.parse(evaluated.stdout) as { report: RecognitionReport };
    expect(scorer.report().confusion).toEqual(report.confusion);
    const refused = await beamline('decode', '--model', model, '--learn-first', entries[0].path);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^beamline: CONFIG_INVALID: --learn-first needs --adaptation speaker/);
  }, 120_000);

  it('trains once per seed with --seeds and merges the models: every state holds each seed\'s Gaussians', async () => {
    const merged = join(dir, 'merged.json');
    const { code, stderr } = await beamline(
      'train', '--fsdd', fsdd, '--speakers', 'theo', '--indices', '5-14', '--mixtures', '2', '--iterations', '1', '--baum-welch', '0', '--vtlp', '',
      '--noise-copies', '15', '--seeds', '1,2', '--test-indices', '0-4', '--out', merged,
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/seed 1 \(1 of 2\)[\s\S]*seed 2 \(2 of 2\)[\s\S]*accuracy on FSDD index 0-4/);
    const parsed = parseModel(readFileSync(merged, 'utf8'), merged);
    expect(parsed.gmms.every((gmm) => gmm.components === 4)).toBe(true);
    expect(parsed.provenance.notes).toContain('seeds 1, 2 trained apart and merged state by state');
    const refused = await beamline('train', '--fsdd', fsdd, '--seeds', '1,1', '--out', merged);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--seeds must be two or more different/);
  }, 120_000);

  it('reports a missing model and a missing data folder with coded errors', async () => {
    const noModel = await beamline('eval', fsdd, '--model', join(dir, 'none.json'));
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/^beamline: MODEL_INVALID: .*none\.json: cannot read the model file \(ENOENT\)/);
    const noData = await beamline('eval', join(dir, 'nowhere'), '--model', model);
    expect(noData.code).toBe(1);
    expect(noData.stderr).toMatch(/^beamline: DATA_INVALID: no FSDD folder at .*nowhere: give the folder as the argument \(beamline eval DIR\) or set BEAMLINE_FSDD/);
  });
});

describe('beamline train on a transcripts.tsv', () => {
  it('trains any vocabulary from file<TAB>words lines, sizing unknown words from their spelling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beamline-tsv-'));
    try {
      const samples = fileURLToPath(new URL('../../demo/samples/', import.meta.url));
      const fixtures = fileURLToPath(new URL('../fixtures/audio/', import.meta.url));
      const tsv = join(dir, 'transcripts.tsv');
      writeFileSync(
        tsv,
        [
          '# file<TAB>words',
          `${samples}seven-en-us-16k.wav\tseven`,
          `${fixtures}espeak-seven-8k.wav\tseven`,
          `${fixtures}espeak-seven-16k.wav\tSeven`,
          `${samples}two-en-gb-8k.wav\thello`,
          `${samples}nine-en-us-female-22k.wav\tnine`,
        ].join('\n'),
      );
      const out = join(dir, 'tiny.json');
      const { code, stderr } = await beamline('train', '--transcripts', tsv, '--mixtures', '1', '--iterations', '2', '--baum-welch', '0', '--out', out);
      expect(stderr).toContain('training on 5 recordings');
      expect(code).toBe(0);
      const model = parseModel(readFileSync(out, 'utf8'), out);
      expect([...model.lexicon.keys()].sort()).toEqual(['hello', 'nine', 'seven']);
      // "hello": 5 letters ≈ 4 phones → 12 states; "seven": 5 phones → 15 states.
      expect(model.units.find((unit) => unit.name === 'hello')?.emissions).toHaveLength(12);
      expect(model.units.find((unit) => unit.name === 'seven')?.emissions).toHaveLength(15);
      const bad = join(dir, 'bad.tsv');
      writeFileSync(bad, 'no tab on this line\n');
      const failure = await beamline('train', '--transcripts', bad, '--out', join(dir, 'bad.json'));
      expect(failure.code).toBe(1);
      expect(failure.stderr).toContain('DATA_INVALID: bad.tsv line 1: expected "file<TAB>words"');

      // Never over a file nobody asked it to replace: an existing --out is refused before any
      // training, and is left as it was; --force replaces it.
      const before = readFileSync(out, 'utf8');
      const refused = await beamline('train', '--transcripts', tsv, '--mixtures', '1', '--iterations', '1', '--baum-welch', '0', '--out', out);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`beamline: CONFIG_INVALID: ${out} exists: give another --out, or --force to overwrite it\n`);
      expect(readFileSync(out, 'utf8')).toBe(before);
      const forced = await beamline('train', '--transcripts', tsv, '--mixtures', '1', '--iterations', '1', '--baum-welch', '0', '--out', out, '--force', '--name', 'forced');
      expect(forced.code).toBe(0);
      expect(parseModel(readFileSync(out, 'utf8'), out).name).toBe('forced');

      // Without --out: a new NAME.json in the current folder, numbered when taken.
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        for (const expected of ['digits.json', 'digits-2.json']) {
          const run = await beamline('train', '--transcripts', tsv, '--mixtures', '1', '--iterations', '1', '--baum-welch', '0', '--name', 'digits');
          expect(run.code).toBe(0);
          expect(run.stderr).toContain(`wrote ${expected} and ${expected.replace('.json', '.svg')}`);
          expect(parseModel(readFileSync(join(dir, expected), 'utf8'), expected).name).toBe('digits');
        }
      } finally {
        process.chdir(cwd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
