/**
 * What the commands that take many files (decode, classify) do with a file that fails: one line
 * on stderr naming the file once (and a JSON line on stdout with --format jsonl), then on to the
 * next file; at the end a summary, status 1 for bad files and 70 when beamline itself failed.
 */
import { BeamlineError, isBeamlineError, type ErrorCode } from '../src/index.ts';
import { EXIT_INTERNAL_ERROR, InternalFailure } from './exit-codes.ts';

export class FileFailures {
  private failures = 0;
  private internalFailures = 0;
  private firstCode: ErrorCode | undefined;

  constructor(private readonly format: 'text' | 'jsonl') {}

  /** Reports one file's failure; the caller goes on with the next file. */
  report(file: string, error: unknown): void {
    this.failures++;
    const message = error instanceof Error ? error.message : String(error);
    if (isBeamlineError(error)) {
      // The message names the file already.
      this.firstCode ??= error.code;
      process.stderr.write(`beamline: ${error.code}: ${message}\n`);
    } else {
      // A fault of beamline's, not of the file: reported, and the other files still decode.
      this.internalFailures++;
      process.stderr.write(`beamline: internal error on ${file} (a bug in beamline; please report it): ${error instanceof Error ? error.stack : message}\n`);
    }
    if (this.format === 'jsonl') {
      process.stdout.write(`${JSON.stringify({ file, error: { code: isBeamlineError(error) ? error.code : 'INTERNAL', message } })}\n`);
    }
  }

  /** After the last file: throws the summary when any failed (the command's exit status follows from it). */
  finish(files: number): void {
    if (this.failures === 0) return;
    const summary = `${this.failures} of ${files} file${files === 1 ? '' : 's'} could not be decoded (see above)${this.failures < files ? '; the others were' : ''}`;
    if (this.internalFailures > 0) throw new InternalFailure(summary, EXIT_INTERNAL_ERROR);
    throw new BeamlineError(this.firstCode!, summary);
  }
}
