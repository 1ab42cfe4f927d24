/**
 * The `beamline` command: argument parsing (commander) over the streams and the engine. Each
 * subcommand lives in its own file; this one wires them up and turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { isBeamlineError } from '../src/index.ts';
import { featuresCommand } from './features-command.ts';
import { classifyCommand } from './classify-command.ts';
import { decodeCommand } from './decode-command.ts';
import { evalCommand } from './eval-command.ts';
import { micCommand } from './mic-command.ts';
import { replayCommand } from './replay-command.ts';
import { serveCommand } from './serve-command.ts';
import { trainCommand } from './train-command.ts';

/** Exit codes: 1 bad data or configuration (message carries the stable code), 2 usage. */
export const EXIT_DATA_ERROR = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('beamline')
    .description('Streaming small-vocabulary speech recognition: MFCC front end, GMM-HMM models, online Viterbi search.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(decodeCommand());
  program.addCommand(featuresCommand());
  program.addCommand(trainCommand());
  program.addCommand(evalCommand());
  program.addCommand(classifyCommand());
  program.addCommand(serveCommand());
  program.addCommand(replayCommand());
  program.addCommand(micCommand());
  // Subcommands added whole do not inherit these settings: usage errors must reach main(), not exit.
  for (const command of program.commands) command.exitOverride().showHelpAfterError();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (isBeamlineError(error)) {
      process.stderr.write(`beamline: ${error.code}: ${error.message}\n`);
      return EXIT_DATA_ERROR;
    }
    throw error;
  }
}
