/**
 * The model file: versioned JSON (specified in models/README.md). `serializeModel` writes it;
 * `parseModel` reads it back and validates every field, so a truncated or hand-edited file gets
 * an error that names the field and the value (code MODEL_INVALID), never a crash later on.
 */
import { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { featureWidth, validateFrontEndConfig } from '../features/front-end.ts';
import type { UnitHmm } from '../graph/unit-hmm.ts';
import type { ModelProvenance, SpeechModel } from './speech-model.ts';

export const MODEL_FORMAT = 'beamline-model';
export const MODEL_FORMAT_VERSION = 1;

/** Significant digits written for model parameters (float32 precision and a little more). */
const DIGITS = 8;

const round = (value: number): number => Number(value.toPrecision(DIGITS));

export function serializeModel(model: SpeechModel): string {
  const dim = model.gmms[0]?.dim ?? 0;
  const rows = (values: Float64Array, components: number): number[][] =>
    Array.from({ length: components }, (_, k) => Array.from(values.subarray(k * dim, (k + 1) * dim), round));
  const document = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    name: model.name,
    provenance: model.provenance,
    frontEnd: model.frontEnd,
    cmnPriorMean: Array.from(model.cmnPriorMean, round),
    silenceUnit: model.silenceUnit,
    lexicon: Object.fromEntries(model.lexicon),
    units: model.units.map((unit) => ({
      name: unit.name,
      emissions: [...unit.emissions],
      selfLoop: Array.from(unit.logSelfLoop, (value) => round(Math.exp(value))),
    })),
    gmms: model.gmms.map((gmm) => ({
      weights: Array.from(gmm.weights, round),
      means: rows(gmm.means, gmm.components),
      variances: rows(gmm.variances, gmm.components),
    })),
  };
  return `${JSON.stringify(document)}\n`;
}

function invalid(source: string, message: string): BeamlineError {
  return new BeamlineError(ERROR_CODES.MODEL_INVALID, `${source}: ${message}`);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Checks types field by field, building a path for messages. */
class Reader {
  constructor(private readonly source: string) {}

  fail(path: string, expected: string, value: unknown): never {
    throw invalid(this.source, `${path} must be ${expected}; got ${show(value)}`);
  }

  object(path: string, value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Record<string, unknown>;
  }

  array(path: string, value: unknown, length?: number): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    if (length !== undefined && value.length !== length) this.fail(path, `an array of ${length}`, `${value.length} entries`);
    return value;
  }

  string(path: string, value: unknown): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'a non-empty string', value);
    return value;
  }

  number(path: string, value: unknown, check: (n: number) => boolean = () => true, expected = 'a finite number'): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) this.fail(path, expected, value);
    return value;
  }

  numbers(path: string, value: unknown, length: number, check?: (n: number) => boolean, expected?: string): number[] {
    return this.array(path, value, length).map((item, i) => this.number(`${path}[${i}]`, item, check, expected));
  }
}

export function parseModel(text: string, source = 'model'): SpeechModel {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid(source, `not valid JSON, the file may be truncated (${(error as Error).message})`);
  }
  const read = new Reader(source);
  const root = read.object('model', document);
  if (root.format !== MODEL_FORMAT) read.fail('format', JSON.stringify(MODEL_FORMAT), root.format);
  if (root.version !== MODEL_FORMAT_VERSION) {
    read.fail('version', `${MODEL_FORMAT_VERSION} (this beamline reads format version ${MODEL_FORMAT_VERSION} only)`, root.version);
  }
  const name = read.string('name', root.name);
  let frontEnd;
  try {
    frontEnd = validateFrontEndConfig(root.frontEnd, 'frontEnd');
  } catch (error) {
    throw invalid(source, (error as Error).message);
  }
  const cepstra = frontEnd.mfcc.cepstra;
  const dim = featureWidth(frontEnd);
  const cmnPriorMean = Float64Array.from(read.numbers('cmnPriorMean', root.cmnPriorMean, cepstra));

  const gmmList = read.array('gmms', root.gmms);
  if (gmmList.length === 0) read.fail('gmms', 'a non-empty array', gmmList);
  const gmms = gmmList.map((entry, g) => {
    const path = `gmms[${g}]`;
    const gmm = read.object(path, entry);
    const weights = read.numbers(`${path}.weights`, gmm.weights, read.array(`${path}.weights`, gmm.weights).length, (w) => w >= 0 && w <= 1, 'a weight in [0, 1]');
    if (weights.length === 0) read.fail(`${path}.weights`, 'a non-empty array', weights);
    const sum = weights.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-4) read.fail(`${path}.weights`, 'weights summing to 1', `a sum of ${sum}`);
    const components = weights.length;
    const means = read.array(`${path}.means`, gmm.means, components).flatMap((row, k) => read.numbers(`${path}.means[${k}]`, row, dim));
    const variances = read
      .array(`${path}.variances`, gmm.variances, components)
      .flatMap((row, k) => read.numbers(`${path}.variances[${k}]`, row, dim, (v) => v > 0, 'a positive number'));
    return new DiagonalGmm(dim, { weights, means, variances });
  });

  const used = new Array<boolean>(gmms.length).fill(false);
  const units: UnitHmm[] = read.array('units', root.units).map((entry, u) => {
    const path = `units[${u}]`;
    const unit = read.object(path, entry);
    const unitName = read.string(`${path}.name`, unit.name);
    const emissionList = read.array(`${path}.emissions`, unit.emissions);
    if (emissionList.length === 0) read.fail(`${path}.emissions`, 'a non-empty array', emissionList);
    const emissions = emissionList.map((e, j) =>
      read.number(`${path}.emissions[${j}]`, e, (n) => Number.isInteger(n) && n >= 0 && n < gmms.length, `a GMM index in [0, ${gmms.length - 1}]`),
    );
    emissions.forEach((e) => (used[e] = true));
    const selfLoop = read.numbers(`${path}.selfLoop`, unit.selfLoop, emissions.length, (p) => p > 0 && p < 1, 'a probability in (0, 1)');
    return {
      name: unitName,
      emissions,
      logSelfLoop: Float64Array.from(selfLoop, Math.log),
      logForward: Float64Array.from(selfLoop, (p) => Math.log(1 - p)),
    };
  });
  const unused = used.indexOf(false);
  if (unused >= 0) read.fail(`gmms[${unused}]`, 'used by a unit state', 'a GMM no unit uses');
  const unitNames = new Set<string>();
  units.forEach((unit, u) => {
    if (unitNames.has(unit.name)) read.fail(`units[${u}].name`, 'unique', unit.name);
    unitNames.add(unit.name);
  });
  const silenceUnit = read.string('silenceUnit', root.silenceUnit);
  if (!unitNames.has(silenceUnit)) read.fail('silenceUnit', `one of the units (${[...unitNames].join(', ')})`, silenceUnit);

  const lexiconObject = read.object('lexicon', root.lexicon);
  const lexicon = new Map<string, string[]>();
  for (const [word, spelling] of Object.entries(lexiconObject)) {
    const spelled = read.array(`lexicon.${word}`, spelling).map((unit, i) => read.string(`lexicon.${word}[${i}]`, unit));
    if (spelled.length === 0) read.fail(`lexicon.${word}`, 'a non-empty list of units', spelled);
    spelled.forEach((unit, i) => {
      if (!unitNames.has(unit)) read.fail(`lexicon.${word}[${i}]`, 'a unit of the model', unit);
    });
    lexicon.set(word, spelled);
  }
  if (lexicon.size === 0) read.fail('lexicon', 'at least one word', lexiconObject);

  const provenanceObject = read.object('provenance', root.provenance);
  const provenance: ModelProvenance = {
    data: read.string('provenance.data', provenanceObject.data),
    command: read.string('provenance.command', provenanceObject.command),
    date: read.string('provenance.date', provenanceObject.date),
    accuracy: read.object('provenance.accuracy', provenanceObject.accuracy) as Record<string, string | number>,
    ...(typeof provenanceObject.notes === 'string' ? { notes: provenanceObject.notes } : {}),
  };
  return { name, frontEnd, units, silenceUnit, gmms, lexicon, cmnPriorMean, provenance };
}
