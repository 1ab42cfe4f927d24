/**
 * Validation helpers shared by every stage's config validator. Each failure names the field, the
 * expected range and the actual value, so a user can fix the config from the message alone.
 */
import { BeamlineError, ERROR_CODES } from './errors.ts';

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function fail(owner: string, field: string, expected: string, value: unknown): never {
  throw new BeamlineError(
    ERROR_CODES.CONFIG_INVALID,
    `${owner}.${field} must be ${expected}; got ${describe(value)}`,
  );
}

/** A finite number in [min, max]. */
export function checkNumber(owner: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(owner, field, `a number in [${min}, ${max}]`, value);
  }
  return value;
}

/** An integer in [min, max]. */
export function checkInteger(owner: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(owner, field, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/** One of a fixed set of strings. */
export function checkChoice<T extends string>(owner: string, field: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    fail(owner, field, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
  }
  return value as T;
}

export function checkBoolean(owner: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(owner, field, 'true or false', value);
  return value;
}

/** Rejects fields the config type does not know, which are almost always typos. */
export function checkKnownFields(owner: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new BeamlineError(
        ERROR_CODES.CONFIG_INVALID,
        `${owner} has an unknown field ${JSON.stringify(key)}; known fields: ${known.join(', ')}`,
      );
    }
  }
}

export function checkObject(owner: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `${owner} must be an object; got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A number ≥ min, or Infinity ("no limit": an unpruned search, for instance). */
export function checkLimit(owner: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    fail(owner, field, `a number ≥ ${min}, or Infinity for no limit`, value);
  }
  return value;
}
