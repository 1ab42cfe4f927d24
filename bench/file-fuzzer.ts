/**
 * The file fuzzer: seeded mutations of the test fixtures and demo recordings (WAV of every
 * layout, FLAC, OGG Vorbis, MP3, speech) cut short, overwritten, padded, their header fields set
 * to odd values, mixed with unmutated copies of good files, decoded by `beamline decode` in a few
 * processes at once. Every file must give a line of JSON: words, or an error with a stable code;
 * every process must exit 0 or 1 (70 is an internal error, anything else a crash); the good
 * files must give exactly what they give alone.
 *
 *   npx tsx bench/file-fuzzer.ts [--files 2000] [--processes 4] [--seed 1]
 *
 * Prints tried / crashes / uncoded errors / good results changed; exits 1 unless the last three
 * are zero.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ERROR_CODES, SeededRandom } from '../src/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/beamline.js');

/** mulberry32: the same files for the same seed. */
/** The same traffic for the same seed. */
function random(seed: number): () => number {
  const generator = new SeededRandom(seed);
  return () => generator.next();
}

type Mutation = (bytes: Uint8Array, next: () => number) => Uint8Array;

const pick = (next: () => number, length: number): number => Math.floor(next() * length);

/** Ways to break a file; the header ones aim at the first 64 bytes, where the containers say what follows. */
const MUTATIONS: Record<string, Mutation> = {
  truncate: (bytes, next) => bytes.subarray(0, pick(next, bytes.length)),
  truncateHeader: (bytes, next) => bytes.subarray(0, pick(next, Math.min(bytes.length, 80))),
  flipBytes: (bytes, next) => {
    const out = bytes.slice();
    for (let i = 0, n = 1 + pick(next, 16); i < n; i++) out[pick(next, out.length)] ^= 1 << pick(next, 8);
    return out;
  },
  headerBytes: (bytes, next) => {
    const out = bytes.slice();
    for (let i = 0, n = 1 + pick(next, 6); i < n; i++) out[pick(next, Math.min(out.length, 64))] = pick(next, 256);
    return out;
  },
  headerWord: (bytes, next) => {
    // A 16- or 32-bit field of the header set to 0, 1, all ones or a random value: sizes, rates, channels, bits.
    const out = bytes.slice();
    const at = 2 * pick(next, Math.min(out.length, 64) / 2);
    const value = [0, 1, 0xffffffff, 0x7fffffff, 65, 192001, 768001, pick(next, 2 ** 32)][pick(next, 8)];
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (at + 4 <= out.length) view.setUint32(at, value >>> 0, true);
    return out;
  },
  zeroRun: (bytes, next) => {
    const out = bytes.slice();
    const from = pick(next, out.length);
    out.fill(0, from, Math.min(out.length, from + 1 + pick(next, 4096)));
    return out;
  },
  garbageTail: (bytes, next) => {
    const tail = Uint8Array.from({ length: 1 + pick(next, 2000) }, () => pick(next, 256));
    const out = new Uint8Array(bytes.length + tail.length);
    out.set(bytes);
    out.set(tail, bytes.length);
    return out;
  },
  garbage: (_bytes, next) => Uint8Array.from({ length: pick(next, 4096) }, () => pick(next, 256)),
  duplicate: (bytes, next) => {
    const from = pick(next, bytes.length);
    const piece = bytes.subarray(from, Math.min(bytes.length, from + pick(next, 2048)));
    const at = pick(next, bytes.length);
    const out = new Uint8Array(bytes.length + piece.length);
    out.set(bytes.subarray(0, at));
    out.set(piece, at);
    out.set(bytes.subarray(at), at + piece.length);
    return out;
  },
};

interface Line {
  readonly file: string;
  readonly text?: string;
  readonly error?: { readonly code: string };
}

function decode(files: readonly string[]): Promise<{ status: number; lines: Line[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'decode', '--format', 'jsonl', ...files], { maxBuffer: 1 << 28, timeout: 30 * 60_000 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1;
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Line];
          } catch {
            return [];
          }
        });
      resolve({ status, lines, stderr });
    });
  });
}

export interface FileFuzzReport {
  readonly tried: number;
  readonly good: number;
  readonly crashes: number;
  readonly uncodedErrors: number;
  readonly goodChanged: number;
  readonly codes: Record<string, number>;
  readonly examples: string[];
}

export async function fuzzFiles(options: { files: number; processes: number; seed: number }): Promise<FileFuzzReport> {
  const fixtures = join(ROOT, 'test/fixtures/audio');
  const samples = join(ROOT, 'demo/samples');
  const sources = [
    ...(await readdir(fixtures)).filter((name) => /\.(wav|flac|ogg|mp3)$/.test(name)).map((name) => join(fixtures, name)),
    ...(await readdir(samples)).filter((name) => name.endsWith('.wav') && !name.includes('48k')).map((name) => join(samples, name)),
  ];
  // Plain copies: a Buffer's slice() is a view, and the mutations must never reach the sources.
  const originals = await Promise.all(sources.map(async (path) => new Uint8Array(await readFile(path))));
  const dir = await mkdtemp(join(tmpdir(), 'beamline-file-fuzz-'));
  try {
    // What each good file gives alone: the results that must not change among the broken ones.
    const goodSources = sources.filter((path) => /(seven|two|nine|tone-s16|tone\.flac|tone\.ogg|tone\.mp3)/.test(path));
    const baseline = new Map((await decode(goodSources)).lines.map((line) => [line.file, JSON.stringify(line.text ?? line.error)]));
    const next = random(options.seed);
    const names = Object.keys(MUTATIONS);
    const files: { path: string; good?: string }[] = [];
    for (let i = 0; i < options.files; i++) {
      if (i % 10 === 9) {
        // Every tenth: a good file, unmutated, among the broken ones.
        const source = goodSources[pick(next, goodSources.length)];
        const path = join(dir, `${i}-good-${source.split('/').pop()}`);
        await writeFile(path, await readFile(source));
        files.push({ path, good: source });
        continue;
      }
      const k = pick(next, sources.length);
      const mutation = names[pick(next, names.length)];
      const extension = sources[k].split('.').pop();
      const path = join(dir, `${i}-${mutation}.${extension}`);
      await writeFile(path, MUTATIONS[mutation](originals[k], next));
      files.push({ path });
    }
    const batches = Array.from({ length: options.processes }, (_, p) => files.filter((_, i) => i % options.processes === p));
    const results = await Promise.all(batches.map((batch) => decode(batch.map((file) => file.path))));
    const known = new Set<string>(Object.values(ERROR_CODES));
    let crashes = 0;
    let uncodedErrors = 0;
    let goodChanged = 0;
    const codes: Record<string, number> = {};
    const examples: string[] = [];
    results.forEach((result, p) => {
      const batch = batches[p];
      // A crash: a status other than 0/1, or a file that got no line.
      if (result.status !== 0 && result.status !== 1) {
        crashes++;
        examples.push(`process ${p} exited ${result.status}: ${result.stderr.slice(-300)}`);
      }
      const byFile = new Map(result.lines.map((line) => [line.file, line]));
      for (const file of batch) {
        const line = byFile.get(file.path);
        if (line === undefined) {
          crashes++;
          if (examples.length < 10) examples.push(`${file.path}: no output line`);
          continue;
        }
        const code = line.error?.code;
        if (code !== undefined) {
          codes[code] = (codes[code] ?? 0) + 1;
          if (!known.has(code)) {
            uncodedErrors++;
            if (examples.length < 10) examples.push(`${file.path}: ${JSON.stringify(line.error)}`);
          }
        }
        if (file.good !== undefined && JSON.stringify(line.text ?? line.error) !== baseline.get(file.good)) {
          goodChanged++;
          if (examples.length < 10) examples.push(`${file.path}: ${JSON.stringify(line)} instead of ${baseline.get(file.good)}`);
        }
      }
    });
    return { tried: files.length, good: files.filter((file) => file.good).length, crashes, uncodedErrors, goodChanged, codes, examples };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { files: { type: 'string', default: '2000' }, processes: { type: 'string', default: '4' }, seed: { type: 'string', default: '1' } } });
  const started = performance.now();
  const report = await fuzzFiles({ files: Number(values.files), processes: Number(values.processes), seed: Number(values.seed) });
  console.log(`File fuzzer (seed ${values.seed}, ${values.processes} processes, ${((performance.now() - started) / 1000).toFixed(0)} s):`);
  console.log(`| tried | of them good | crashes | uncoded errors | good results changed |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  console.log(`| ${report.tried} | ${report.good} | ${report.crashes} | ${report.uncodedErrors} | ${report.goodChanged} |`);
  console.log(`\nErrors by code: ${Object.entries(report.codes).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ')}`);
  for (const example of report.examples) console.log(`- ${example}`);
  process.exitCode = report.crashes + report.uncodedErrors + report.goodChanged === 0 ? 0 : 1;
}
