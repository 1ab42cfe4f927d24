/**
 * The one error type beamline raises for bad data from outside and bad configuration.
 *
 * Every error carries a stable `code` (part of the public contract: protocol messages, exit
 * codes and tests match on it, never on the message text) and a message that names the
 * offending thing (file, field, value) and the problem.
 */

/** Stable error codes. Add new ones at the end; never rename one. */
export const ERROR_CODES = {
  /** A configuration field is missing, of the wrong type or out of range. Thrown at construction. */
  CONFIG_INVALID: 'CONFIG_INVALID',
  /** A stepper was used out of order (push after finish, and so on). */
  LIFECYCLE: 'LIFECYCLE',
  /** The file could not be opened or read at all. */
  AUDIO_UNREADABLE: 'AUDIO_UNREADABLE',
  /** The bytes are not audio in any format beamline reads. */
  AUDIO_NOT_AUDIO: 'AUDIO_NOT_AUDIO',
  /** The container announces more data than the file holds. */
  AUDIO_TRUNCATED: 'AUDIO_TRUNCATED',
  /** A known container with an encoding beamline does not decode (mu-law, ADPCM, 12-bit, ...). */
  AUDIO_UNSUPPORTED_ENCODING: 'AUDIO_UNSUPPORTED_ENCODING',
  /** Zero channels, or no samples at all. */
  AUDIO_NO_SAMPLES: 'AUDIO_NO_SAMPLES',
  /** A NaN or infinite sample in floating-point input. */
  AUDIO_NON_FINITE: 'AUDIO_NON_FINITE',
  /** The audio's sample rate is unusable (zero, absurd, or not the one agreed). */
  AUDIO_BAD_SAMPLE_RATE: 'AUDIO_BAD_SAMPLE_RATE',
  /** No audio input device could be opened (none present, none allowed, or the one named is missing). */
  AUDIO_DEVICE_UNAVAILABLE: 'AUDIO_DEVICE_UNAVAILABLE',
  /** A model file is malformed, truncated, or inconsistent; the message names the field and value. */
  MODEL_INVALID: 'MODEL_INVALID',
  /** A client asked a server for a model by a name it did not load. */
  MODEL_UNKNOWN: 'MODEL_UNKNOWN',
  /** A transcript or grammar uses a word the model does not know. */
  UNKNOWN_WORD: 'UNKNOWN_WORD',
  /** Training data is missing, empty or unusable. */
  DATA_INVALID: 'DATA_INVALID',
  /** A grammar (JSGF, phrase list) does not parse or accepts nothing; the message names the line. */
  GRAMMAR_INVALID: 'GRAMMAR_INVALID',
  /** A socket message is not valid JSON, has the wrong shape or types, or is not binary audio. */
  PROTOCOL_INVALID: 'PROTOCOL_INVALID',
  /** A socket message came at the wrong time (config after audio, anything after eof). */
  PROTOCOL_ORDER: 'PROTOCOL_ORDER',
  /** A limit was exceeded: message size, sessions, buffered audio, a subscriber's queue. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** The connection did not present the server's token, or came from an origin not allowed. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** A server could not be reached, or closed the session other than normally. */
  CONNECTION_FAILED: 'CONNECTION_FAILED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class BeamlineError extends Error {
  override readonly name = 'BeamlineError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True for a BeamlineError, also across realms (worker threads, bundles) where instanceof fails. */
export function isBeamlineError(error: unknown): error is BeamlineError {
  return (
    error instanceof BeamlineError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'BeamlineError' &&
      typeof (error as { code?: unknown }).code === 'string')
  );
}
