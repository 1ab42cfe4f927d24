/**
 * The `beamline` command: argument parsing (commander) over the streams and the engine. Each
 * subcommand lives in its own file; this one wires them up and turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { isBeamlineError } from '../src/index.ts';
import { EXIT_DATA_ERROR, EXIT_INTERNAL_ERROR, EXIT_USAGE, InternalFailure } from './exit-codes.ts';


/**
 * Each subcommand's module, loaded only when that command runs (all of them for help): the
 * server's, the trainer's and the microphone's dependencies cost start-up time that
 * `beamline decode` should not pay.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  decode: async () => (await import('./decode-command.ts')).decodeCommand(),
  features: async () => (await import('./features-command.ts')).featuresCommand(),
  train: async () => (await import('./train-command.ts')).trainCommand(),
  eval: async () => (await import('./eval-command.ts')).evalCommand(),
  classify: async () => (await import('./classify-command.ts')).classifyCommand(),
  serve: async () => (await import('./serve-command.ts')).serveCommand(),
  replay: async () => (await import('./replay-command.ts')).replayCommand(),
  mic: async () => (await import('./mic-command.ts')).micCommand(),
};

/** The program with the subcommand `argv` names, or with all of them when it names none (help, version, a typo). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('beamline')
    .description('Streaming small-vocabulary speech recognition: MFCC front end, GMM-HMM models, online Viterbi search.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const named = argv.find((arg) => !arg.startsWith('-'));
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const command of await Promise.all(wanted.map((name) => COMMANDS[name]()))) program.addCommand(command);
  // Subcommands added whole do not inherit these settings: usage errors must reach main(), not exit.
  for (const command of program.commands) command.exitOverride().showHelpAfterError();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (isBeamlineError(error)) {
      process.stderr.write(`beamline: ${error.code}: ${error.message}\n`);
      return EXIT_DATA_ERROR;
    }
    if (error instanceof InternalFailure) {
      process.stderr.write(`beamline: ${error.message}\n`);
      return error.exitCode;
    }
    // Not the input's fault: a status of its own, so scripts can tell a bug from a bad file.
    process.stderr.write(`beamline: internal error (a bug in beamline; please report it): ${error instanceof Error ? error.stack : String(error)}\n`);
    return EXIT_INTERNAL_ERROR;
  }
}
