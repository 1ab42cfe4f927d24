/** Argument parsers and data-location defaults shared by the subcommands. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BeamlineError, ERROR_CODES, SAMPLE_FORMATS, type SampleFormat } from '../src/index.ts';
import type { RawPcmOptions } from '../streams/audio-file-source.ts';

export function positiveInteger(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return parsed;
  };
}

/** A number in [low, high] (low excluded when `lowOpen`). */
export function numberInRange(name: string, low: number, high: number, lowOpen = false) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!(lowOpen ? parsed > low : parsed >= low) || !(parsed <= high)) {
      throw new InvalidArgumentError(`${name} must be a number in ${lowOpen ? '(' : '['}${low}, ${high}].`);
    }
    return parsed;
  };
}

export function integerInRange(name: string, low: number, high: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < low || parsed > high) throw new InvalidArgumentError(`${name} must be an integer in [${low}, ${high}].`);
    return parsed;
  };
}

export function nonNegativeInteger(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0.`);
    return parsed;
  };
}

/** "5-49" → [5, 49]. */
export function indexRange(value: string): [number, number] {
  const match = /^(\d+)-(\d+)$/.exec(value.trim());
  if (!match || Number(match[1]) > Number(match[2])) throw new InvalidArgumentError('expected a range like 5-49.');
  return [Number(match[1]), Number(match[2])];
}

/** "a,b,c" → ["a", "b", "c"]. */
export function list(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

/** "0.9,1.1" → [0.9, 1.1]. */
export function numberList(name: string) {
  return (value: string): number[] =>
    list(value).map((item) => {
      const parsed = Number(item);
      if (!Number.isFinite(parsed)) throw new InvalidArgumentError(`${name} must be numbers separated by commas.`);
      return parsed;
    });
}

/** A value for one training copy: fixed, or a range [low, high] drawn from uniformly for each copy. */
export type ValueOrRange = number | readonly [number, number];

/** A noise level for training copies: an SNR in dB, or a range drawn from for each copy. */
export type SnrLevel = ValueOrRange;

/** "15,25,40:80" → [15, 25, [40, 80]]; every value within [min, max]. */
export function valuesOrRanges(name: string, what: string, example: string, min = -Infinity, max = Infinity) {
  return (value: string): ValueOrRange[] =>
    list(value).map((item) => {
      const bounds = item.split(':').map(Number);
      if (
        bounds.length > 2 ||
        !bounds.every((bound) => Number.isFinite(bound) && bound >= min && bound <= max) ||
        (bounds.length === 2 && bounds[0] > bounds[1])
      ) {
        const range = Number.isFinite(min) ? ` from ${min} to ${max}` : '';
        throw new InvalidArgumentError(`${name} takes ${what}${range} or ranges low:high, separated by commas (e.g. ${example}); got ${JSON.stringify(item)}.`);
      }
      return bounds.length === 1 ? bounds[0] : [bounds[0], bounds[1]];
    });
}

/** "15,25,40:80" → [15, 25, [40, 80]]. */
export function snrLevels(name: string) {
  return valuesOrRanges(name, 'SNRs in dB', '15,25,40:80');
}

/** A draw from a fixed value or a range. */
export function drawValue(value: ValueOrRange, next: () => number): number {
  return typeof value === 'number' ? value : value[0] + next() * (value[1] - value[0]);
}

export const formatSnrLevel = (level: ValueOrRange): string => (typeof level === 'number' ? String(level) : `${level[0]}–${level[1]}`);

/**
 * Where FSDD is read from when no folder is given: $BEAMLINE_FSDD, else the data folder beside
 * this repository (../shared/data/fsdd), as the project's workspace lays it out.
 */
export function defaultFsddDir(): string {
  return process.env.BEAMLINE_FSDD ?? fileURLToPath(new URL('../../shared/data/fsdd', import.meta.url));
}

/** The FSDD folder to read; `howToGive` is how this command takes a folder (an option or its argument). */
export function fsddDirOrExplain(dir: string | undefined, howToGive = 'pass --fsdd DIR'): string {
  const chosen = dir ?? defaultFsddDir();
  if (!existsSync(chosen)) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `no FSDD folder at ${chosen}: ${howToGive} or set BEAMLINE_FSDD (the folder holding FSDD's recordings/)`);
  }
  return chosen;
}

export interface RawPcmFlags {
  raw?: SampleFormat;
  rawRate?: number;
  rawChannels: number;
}

/** --raw, --raw-rate and --raw-channels: headerless PCM, as `sox … -t raw -` writes it. */
export function addRawPcmOptions(command: Command): Command {
  return command
    .addOption(new Option('--raw <format>', 'read headerless PCM in this sample format').choices([...SAMPLE_FORMATS]))
    .addOption(new Option('--raw-rate <hz>', 'sample rate of headerless PCM').argParser(positiveInteger('--raw-rate')))
    .addOption(new Option('--raw-channels <n>', 'interleaved channels of headerless PCM').argParser(positiveInteger('--raw-channels')).default(1));
}

/** The headerless PCM layout the flags give, or undefined without --raw; --raw without --raw-rate is a usage error. */
export function rawPcmLayout(options: RawPcmFlags, command: Command): RawPcmOptions | undefined {
  if (options.raw === undefined) return undefined;
  if (options.rawRate === undefined) command.error('error: --raw needs --raw-rate (the sample rate of the headerless PCM)', { exitCode: 2 });
  return { sampleFormat: options.raw, sampleRateHz: options.rawRate!, channels: options.rawChannels };
}
