/**
 * `beamline replay FILE`: streams a recording to a beamline (or Vosk) server as a client would,
 * in 0.2 s chunks of 16-bit PCM at the file's own rate, waiting for each reply, paced at real
 * time by default; prints the partials as they change and every result.
 */
import { Command, InvalidArgumentError } from 'commander';
import { lastValueFrom, toArray } from 'rxjs';
import WebSocket from 'ws';
import { BeamlineError, ERROR_CODES } from '../src/index.ts';
import { audioFile } from '../streams/audio-file-source.ts';

interface ReplayOptions {
  url: string;
  speed: number;
  token?: string;
  format: 'text' | 'jsonl';
  speaker?: string;
}

function speed(value: string): number {
  if (value === 'max') return Infinity;
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('--speed must be a positive number (1 = real time) or "max".');
  return parsed;
}

/** Float samples → 16-bit little-endian PCM. */
function toPcm16(samples: Float32Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), 2 * i);
  return bytes;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('stream a recording to a beamline or Vosk WebSocket server and print the partials and results as they arrive')
    .argument('<file>', 'audio file: WAV, FLAC, OGG Vorbis or MP3, any sample rate')
    .option('--url <url>', 'server address', 'ws://127.0.0.1:2700/asr')
    .option('--speed <factor>', '1 = real time, 4 = four times faster, max = as fast as the server replies', speed, 1)
    .option('--token <secret>', "the server's token, if it has one")
    .option('--format <format>', 'text, or the raw replies as JSON lines (jsonl)', 'text')
    .option('--speaker <name>', "the talker's name, for a server that adapts to speakers (serve --adaptation speaker): replays of one name share what the server learnt of the voice")
    .action(async (file: string, options: ReplayOptions) => {
      const chunks = await lastValueFrom(audioFile(file).pipe(toArray()));
      const rate = chunks[0]?.sampleRateHz ?? 16000;
      const all = new Float32Array(chunks.reduce((n, c) => n + c.samples.length, 0));
      let at = 0;
      for (const chunk of chunks) {
        all.set(chunk.samples, at);
        at += chunk.samples.length;
      }
      const socket = new WebSocket(options.url, options.token !== undefined ? { headers: { Authorization: `Bearer ${options.token}` } } : {});
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', (error) => reject(new BeamlineError(ERROR_CODES.CONNECTION_FAILED, `cannot reach ${options.url}: ${error.message}`)));
      });
      const live = process.stdout.isTTY === true && options.format === 'text';
      let lastPartial = '';
      let pending: ((reply: Record<string, unknown>) => void) | undefined;
      socket.on('message', (data) => {
        const reply = JSON.parse(String(data)) as Record<string, unknown>;
        if (options.format === 'jsonl') process.stdout.write(`${JSON.stringify(reply)}\n`);
        else if (typeof reply.partial === 'string' && reply.partial !== lastPartial) {
          lastPartial = reply.partial;
          process.stdout.write(live ? `\r\x1b[K${reply.partial}` : `partial\t${reply.partial}\n`);
        } else if (typeof reply.text === 'string') {
          lastPartial = '';
          process.stdout.write(`${live ? '\r\x1b[K' : ''}${reply.text}\n`);
        } else if (reply.error !== undefined) {
          process.stderr.write(`beamline: server error: ${JSON.stringify(reply.error)}\n`);
        }
        pending?.(reply);
      });
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      const exchange = (data: string | Buffer): Promise<Record<string, unknown>> =>
        new Promise((resolve) => {
          pending = resolve;
          socket.send(data);
        });
      socket.send(JSON.stringify({ config: { sample_rate: rate, ...(options.speaker !== undefined ? { speaker: options.speaker } : {}) } }));
      const step = Math.round(0.2 * rate);
      const started = Date.now();
      for (let i = 0; i < all.length && socket.readyState === WebSocket.OPEN; i += step) {
        const reply = await Promise.race([exchange(toPcm16(all.subarray(i, i + step))), closed.then(() => undefined)]);
        if (reply === undefined) break;
        const due = (1000 * (i + step)) / rate / options.speed;
        const wait = started + due - Date.now();
        if (Number.isFinite(wait) && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (socket.readyState === WebSocket.OPEN) await exchange('{"eof" : 1}');
      const code = await closed;
      if (code !== 1000) throw new BeamlineError(ERROR_CODES.CONNECTION_FAILED, `the server closed the session with code ${code}`);
    });
}
