/**
 * The exit statuses of `beamline`: 0 success, 1 bad data or configuration (the message carries
 * the stable code), 2 usage, 70 an internal error (a bug in beamline, not in what it was given;
 * EX_SOFTWARE of sysexits.h).
 */
export const EXIT_DATA_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL_ERROR = 70;

/** A command that went on past an internal error (reported when it happened) and ends with its status. */
export class InternalFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
