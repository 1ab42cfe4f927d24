/**
 * Concurrent live streams against `beamline serve`: for each count of streams, that many clients
 * replay FSDD recordings at real time in 0.2 s chunks (each waiting for its reply, as Vosk
 * clients do) while one subscriber receives every event. Prints p50/p99 of the reply latency
 * (chunk sent → its reply back: the decode lag) and of the subscriber latency (chunk sent → the
 * partial or final it caused reaching the subscriber, matched by the event's `audio_time`), how
 * the reply latency moves from the first to the last seconds, and the server process's CPU and
 * memory.
 *
 * Clients connect over the first `--connect-spread` seconds (default 2), one after another, as
 * users arrive; 0 connects them all at once.
 *
 * With `--adaptation speaker` the server adapts to each stream's talker as `beamline serve
 * --adaptation speaker` does: after every utterance, an alignment and a new transform.
 *
 *   npx tsx bench/server.ts [--fsdd DIR] [--streams 50,100,200,400] [--seconds 20] [--workers 2] [--connect-spread 2] [--adaptation speaker]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { fsddDirOrExplain } from '../cli/options.ts';
import { fsddCorpus } from '../streams/corpus.ts';
import { readWavHeader } from '../src/index.ts';

const { values } = parseArgs({
  options: {
    fsdd: { type: 'string' },
    streams: { type: 'string', default: '50,100,200,400' },
    seconds: { type: 'string', default: '20' },
    workers: { type: 'string', default: '2' },
    'connect-spread': { type: 'string', default: '2' },
    adaptation: { type: 'string', default: 'none' },
  },
});
if (!['none', 'speaker'].includes(values.adaptation)) throw new Error(`--adaptation must be none or speaker; got ${values.adaptation}`);
const fsdd = fsddDirOrExplain(values.fsdd);
const seconds = Number(values.seconds);
const entries = await fsddCorpus(fsdd, { indices: [0, 4] });
// One long 8 kHz PCM track of test-split recordings, each client starting at its own offset.
const track = Buffer.concat(
  entries.map((entry) => {
    const file = readFileSync(entry.path);
    const header = readWavHeader(new Uint8Array(file), entry.path);
    return file.subarray(header.dataStart, header.dataEnd);
  }),
);
const RATE = 8000;
const CHUNK_BYTES = 2 * Math.round(0.2 * RATE);
const CONNECT_SPREAD_MS = 1000 * Number(values['connect-spread']);
if (!(CONNECT_SPREAD_MS >= 0)) throw new Error(`--connect-spread must be a number of seconds, 0 or more; got ${values['connect-spread']}`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function processFigures(pid: number): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds: ticks / 100, rssMiB: rss ? Number(rss[1]) / 1024 : NaN };
}

/**
 * The server's own measure (its `beamline_subscriber_latency_seconds` histogram): from an audio
 * message arriving at the server to the partial or final it caused being sent to the subscriber,
 * free of the load this process's clients put on the same cores. Returns the histogram bucket
 * that holds the 99th percentile, and the share of messages within 100 ms.
 */
function subscriberLatencyFromMetrics(metrics: string): { p99Bound: string; within100: number } {
  const buckets = [...metrics.matchAll(/^beamline_subscriber_latency_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => ({ le: m[1], count: Number(m[2]) }));
  const total = buckets.find((bucket) => bucket.le === '+Inf')?.count ?? 0;
  const bound = buckets.find((bucket) => bucket.count >= 0.99 * total)?.le ?? '+Inf';
  const within = buckets.find((bucket) => bucket.le === '0.1')?.count ?? 0;
  return { p99Bound: bound === '+Inf' ? '∞' : String(Math.round(Number(bound) * 1000)), within100: total > 0 ? (100 * within) / total : NaN };
}

async function startServer(): Promise<{ port: number; stop: () => Promise<void>; pid: number }> {
  const bin = fileURLToPath(new URL('../bin/beamline.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--workers', values.workers, '--max-sessions', '1000', '--adaptation', values.adaptation], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      // Only the tail is kept (for an error message): the server logs every session.
      log = (log + chunk.toString()).slice(-4000);
      const match = /"port":(\d+)/.exec(log);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${log}`)));
  });
  return {
    port,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One row: `streams` clients for `duration` seconds against a fresh server; printed when `report`. */
async function run(streams: number, duration: number, report = true): Promise<void> {
  const server = await startServer();
  const url = `ws://127.0.0.1:${server.port}`;
  const subscriber = new WebSocket(`${url}/subscribe`);
  await new Promise((resolve) => subscriber.once('open', resolve));
  let subscriberEvents = 0;
  // When each session's chunks were sent: sendTimes.get(session)[k] for the chunk ending at (k + 1) × 0.2 s.
  const sendTimes = new Map<string, number[]>();
  const subscriberLatency: number[] = [];
  /** The same after the first 5 s, once every client has connected and opened its session. */
  const steadySubscriberLatency: number[] = [];
  subscriber.on('message', (data) => {
    subscriberEvents++;
    const event = JSON.parse(String(data)) as { type: string; session: string; audio_time?: number };
    if ((event.type !== 'partial' && event.type !== 'final') || event.audio_time === undefined) return;
    const sent = sendTimes.get(event.session)?.[Math.round(event.audio_time / 0.2) - 1];
    if (sent === undefined) return;
    subscriberLatency.push(performance.now() - sent);
    if (sent - started > 5000) steadySubscriberLatency.push(performance.now() - sent);
  });
  const before = processFigures(server.pid);
  const replyLatency: { at: number; ms: number }[] = [];
  const started = performance.now();
  const clients = Array.from({ length: streams }, async (_, index) => {
    // Clients arrive one after another over the first CONNECT_SPREAD_MS, as users do.
    await new Promise((resolve) => setTimeout(resolve, (index / streams) * CONNECT_SPREAD_MS));
    const socket = new WebSocket(`${url}/asr`);
    await new Promise((resolve) => socket.once('open', resolve));
    let resolveReply: (() => void) | undefined;
    const sent: number[] = [];
    socket.on('message', (data) => {
      if (sent.length === 1) sendTimes.set(String((JSON.parse(String(data)) as { session: unknown }).session), sent);
      resolveReply?.();
    });
    socket.send(JSON.stringify({ config: { sample_rate: RATE } }));
    const offset = ((index * 7919 * CHUNK_BYTES) % track.length) - (((index * 7919 * CHUNK_BYTES) % track.length) % 2);
    const chunks = Math.round(duration / 0.2);
    const begin = performance.now() + Math.random() * 200; // clients do not all speak at once
    for (let k = 0; k < chunks; k++) {
      const due = begin + k * 200;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const start = (offset + k * CHUNK_BYTES) % (track.length - CHUNK_BYTES);
      const sentAt = performance.now();
      sent.push(sentAt);
      await new Promise<void>((resolve) => {
        resolveReply = resolve;
        socket.send(track.subarray(start, start + CHUNK_BYTES));
      });
      replyLatency.push({ at: sentAt - started, ms: performance.now() - sentAt });
    }
    socket.close();
  });
  await Promise.all(clients);
  const after = processFigures(server.pid);
  const serverSide = subscriberLatencyFromMetrics(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text());
  subscriber.close();
  await server.stop();
  const all = replyLatency.map((r) => r.ms);
  const early = replyLatency.filter((r) => r.at < 5000).map((r) => r.ms);
  const late = replyLatency.filter((r) => r.at > (duration - 5) * 1000).map((r) => r.ms);
  const cpu = (after.cpuSeconds - before.cpuSeconds) / ((performance.now() - started) / 1000);
  if (!report) return;
  console.log(
    `| ${streams} | ${percentile(all, 50).toFixed(1)} | ${percentile(all, 99).toFixed(1)} | ` +
      `${percentile(subscriberLatency, 50).toFixed(1)} | ${percentile(subscriberLatency, 99).toFixed(1)} | ${percentile(steadySubscriberLatency, 99).toFixed(1)} | ` +
      `≤ ${serverSide.p99Bound} | ${serverSide.within100.toFixed(1)}% | ${subscriberEvents} | ` +
      `${percentile(early, 99).toFixed(1)} → ${percentile(late, 99).toFixed(1)} | ${(100 * cpu).toFixed(0)}% | ${after.rssMiB.toFixed(0)} MiB (${((after.rssMiB - before.rssMiB) / streams).toFixed(2)} MiB/stream) |`,
  );
}

console.log(
  `Concurrent real-time streams, ${seconds} s each, 0.2 s chunks of 8 kHz PCM, clients connecting over ${CONNECT_SPREAD_MS / 1000} s, server with ${values.workers} decoding workers${values.adaptation === 'speaker' ? ', adapting to each stream\'s talker (`--adaptation speaker`)' : ''}, ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log(
  '| streams | reply p50 ms | reply p99 ms | subscriber p50 ms | subscriber p99 ms | subscriber p99 after 5 s | server-side subscriber p99 ms | server-side within 100 ms | events to the subscriber | reply p99, first 5 s → last 5 s | server CPU (of one core) | server RSS (per stream) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
// This process's own client code (ws, timers, JSON) runs cold at first and, on the same cores,
// slowed the first seconds of the first row. A short unreported round warms it; every measured
// row still starts a server of its own, cold.
await run(20, 3, false);
for (const streams of values.streams.split(',').map(Number)) await run(streams, seconds);
