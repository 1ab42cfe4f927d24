/**
 * `beamline mic`: the local microphone decoded live in the terminal, the partial redrawn in place
 * and each final printed with its times. Capture runs in a child process (microphone-child.js)
 * whose own output is discarded, so a machine without audio gets one clear line and a non-zero
 * exit: no hang, no stack trace, no stray library output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { BeamlineError, ERROR_CODES, RECOGNIZER_ADAPTATIONS, Recognizer, Resampler, type DecoderEvent, type RecognizerAdaptation } from '../src/index.ts';
import { loadModel } from '../streams/model-file.ts';
import { loadTalker, saveTalker } from './talker-file.ts';

/** The capture process; tests put a stand-in that plays a file in its place (BEAMLINE_MIC_CAPTURE). */
const CHILD = process.env.BEAMLINE_MIC_CAPTURE ?? fileURLToPath(new URL('./microphone-child.js', import.meta.url));
/** How long the audio back end may take to answer before the microphone counts as unavailable. */
const OPEN_TIMEOUT_MS = 10_000;

type ChildReport =
  | { type: 'devices'; devices: { deviceId: string; label: string }[] }
  | { type: 'started'; sampleRate: number; label: string }
  | { type: 'error'; name: string; message: string };

interface MicOptions {
  device?: string;
  listDevices?: boolean;
  model?: string;
  adaptation: RecognizerAdaptation;
  talker?: string;
}

const unavailable = (detail: string): BeamlineError =>
  new BeamlineError(
    ERROR_CODES.AUDIO_DEVICE_UNAVAILABLE,
    `no microphone could be opened (${detail}). Connect one and check that this user may record (ALSA or PulseAudio on Linux); \`beamline mic --list-devices\` lists the inputs.`,
  );

/** Starts the child and waits for its first report. */
function startChild(args: string[]): Promise<{ child: ChildProcess; report: ChildReport }> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(unavailable(`the audio system did not answer within ${OPEN_TIMEOUT_MS / 1000} s`));
    }, OPEN_TIMEOUT_MS);
    child.once('message', (report: ChildReport) => {
      clearTimeout(timer);
      resolve({ child, report });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(unavailable(`the capture process ended with status ${code}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(unavailable(error.message));
    });
  });
}

async function listDevices(): Promise<void> {
  const { report } = await startChild(['list']);
  if (report.type === 'error') throw unavailable(`${report.name}: ${report.message}`);
  if (report.type !== 'devices' || report.devices.length === 0) throw unavailable('the system reports no audio input');
  for (const device of report.devices) process.stdout.write(`${device.deviceId}\t${device.label}\n`);
}

async function decodeMicrophone(options: MicOptions): Promise<void> {
  const recognizer = new Recognizer(await loadModel(options.model), { streaming: true, adaptation: options.adaptation });
  if (options.talker !== undefined && recognizer.adaptation !== 'speaker') throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, '--talker needs --adaptation speaker');
  const talker = options.talker !== undefined ? await loadTalker(recognizer, options.talker) : undefined;
  const { child, report } = await startChild(['capture', ...(options.device ? [options.device] : [])]);
  if (report.type === 'error') {
    child.kill();
    throw unavailable(`${report.name}: ${report.message}`);
  }
  if (report.type !== 'started') throw unavailable('unexpected answer from the capture process');
  const rate = report.sampleRate;
  const resampler = rate !== recognizer.sampleRateHz ? await Resampler.create({ inputRateHz: rate, outputRateHz: recognizer.sampleRateHz }) : undefined;
  const session = recognizer.createSession(talker);
  // The talker is saved after each utterance it learnt from, one write at a time.
  let saving = Promise.resolve();
  const save = (): void => {
    if (options.talker === undefined || talker === undefined) return;
    const path = options.talker;
    saving = saving.then(() => saveTalker(path, talker)).catch((error: unknown) => {
      process.stderr.write(`beamline: cannot save the talker to ${path}: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
  const tty = process.stdout.isTTY === true;
  process.stderr.write(`Listening on ${report.label || 'the default microphone'} (${rate} Hz); Ctrl-C to stop.\n`);

  const show = (events: readonly DecoderEvent[]): void => {
    for (const event of events) {
      if (event.type === 'partial') {
        if (tty) process.stdout.write(`\r\x1b[K${event.words.slice(0, event.stable).join(' ')}${event.stable < event.words.length ? ` \x1b[2m${event.words.slice(event.stable).join(' ')}\x1b[0m` : ''}`);
      } else if (event.text !== '') {
        process.stdout.write(`${tty ? '\r\x1b[K' : ''}[${event.start.toFixed(2)}–${event.end.toFixed(2)} s] ${event.text}\n`);
        save();
      }
    }
  };

  let carry = Buffer.alloc(0);
  child.stdio[3]!.on('data', (bytes: Buffer) => {
    const all = carry.length > 0 ? Buffer.concat([carry, bytes]) : bytes;
    const whole = all.length - (all.length % 4);
    carry = Buffer.from(all.subarray(whole));
    const samples = new Float32Array(all.buffer.slice(all.byteOffset, all.byteOffset + whole));
    show(session.push(resampler ? resampler.push(samples) : samples));
  });
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      child.kill();
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    child.once('exit', stop);
  });
  show([...(resampler ? session.push(resampler.finish()) : []), ...session.finish()]);
  resampler?.release();
  await saving;
  if (tty) process.stdout.write('\r\x1b[K');
}

export function micCommand(): Command {
  return new Command('mic')
    .description('decode the local microphone live: the hypothesis redrawn in place, each result with its times')
    .option('--device <id>', 'the input device to use (see --list-devices; default: the system default)')
    .option('--list-devices', 'list the audio input devices and exit')
    .option('--model <file>', 'model file (default: the shipped digits model)')
    .addOption(
      new Option('--adaptation <kind>', "speaker: adapt to the talker as they speak (fMLLR learnt from each utterance's words, applied to the next); bias: decode each utterance again without the cepstral bias its first hypothesis explains")
        .choices(RECOGNIZER_ADAPTATIONS)
        .default('none'),
    )
    .option('--talker <file>', 'with --adaptation speaker: start from the talker saved in this file (if it exists), and save what each utterance teaches back to it')
    .action(async (options: MicOptions) => {
      if (options.listDevices) await listDevices();
      else await decodeMicrophone(options);
    });
}
