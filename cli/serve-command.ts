/**
 * `beamline serve`: the WebSocket server (streams/asr-server.ts) on the shipped model, on
 * loopback by default, with the demo pages (cli/demo-site.ts) at / and /watch. Prints the demo's
 * address on stdout and logs one JSON object per line on stderr (pino). SIGINT and SIGTERM stop
 * it gracefully: no new connections, sessions may go on sending for the grace period, every
 * session gets its final, then exit 0.
 */
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { RECOGNIZER_ADAPTATIONS, type RecognizerAdaptation } from '../src/index.ts';
import { AsrServer } from '../streams/asr-server.ts';
import { demoPages } from './demo-site.ts';
import { loadModel } from '../streams/model-file.ts';
import { list, positiveInteger } from './options.ts';

interface ServeOptions {
  host: string;
  port: number;
  model: string[];
  token?: string;
  allowOrigin?: string[];
  maxSessions: number;
  maxSubscribers: number;
  maxGrammarMb: number;
  idleTimeout: number;
  maxBufferedSeconds: number;
  maxQueuedMessages: number;
  maxPayload: number;
  sampleRate: number;
  workers?: number;
  demo: boolean;
  adaptation: RecognizerAdaptation;
  maxTalkers: number;
  shutdownGrace: number;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve live recognition over WebSocket: Vosk-compatible audio sessions at / and /asr, subscribers at /subscribe, GET /healthz')
    .option('--host <address>', 'address to listen on (loopback by default; 0.0.0.0 exposes it)', '127.0.0.1')
    .option('--port <n>', 'port (Vosk uses 2700)', (value: string) => (value === '0' ? 0 : positiveInteger('--port')(value)), 2700)
    .option(
      '--model <file>',
      'model file; repeat to offer several, which clients choose by name (config "model"); the first is the default (default: the shipped digits model)',
      (file: string, previous: string[]) => [...previous, file],
      [],
    )
    .option('--token <secret>', 'require this token from every client (Authorization: Bearer, or ?token=)')
    .option(
      '--allow-origin <origins>',
      "comma-separated web origins (e.g. https://app.example) whose pages may connect, besides pages on loopback and of the server's own origin; * for any",
      list,
    )
    .option('--max-sessions <n>', 'audio sessions at once', positiveInteger('--max-sessions'), 200)
    .option('--max-subscribers <n>', 'subscribers at once (/subscribe)', positiveInteger('--max-subscribers'), 100)
    .option('--max-grammar-mb <n>', "MiB all sessions' own grammars (config grammar or phrase_list) may take together; past it a session's grammar is refused", positiveInteger('--max-grammar-mb'), 1024)
    .option('--idle-timeout <ms>', 'close a session after this long without a message', positiveInteger('--idle-timeout'), 60_000)
    .option('--max-payload <bytes>', 'largest WebSocket message accepted (larger ones close the connection with 1009)', positiveInteger('--max-payload'), 1024 * 1024)
    .option('--max-buffered-seconds <s>', 'audio a session may have waiting to be decoded before it is closed as too fast', positiveInteger('--max-buffered-seconds'), 30)
    .option('--max-queued-messages <n>', 'messages a session may have waiting to be handled before it is closed (bounds the work a flood of tiny messages can queue)', positiveInteger('--max-queued-messages'), 2000)
    .option('--sample-rate <hz>', "clients' sample rate when their config names none", positiveInteger('--sample-rate'), 8000)
    .option('--workers <n>', 'decoding worker threads (default one per core; 0 decodes on the main thread)', (value: string) => (value === '0' ? 0 : positiveInteger('--workers')(value)))
    .option('--no-demo', 'do not serve the demo pages (/ and /watch)')
    .addOption(
      new Option(
        '--adaptation <kind>',
        "speaker: adapt to each session's talker as they speak (fMLLR learnt from each utterance's words, applied to the next; sessions whose config names the same \"speaker\" share it); bias: decode each utterance again without the cepstral bias its first hypothesis explains",
      )
        .choices(RECOGNIZER_ADAPTATIONS)
        .default('none'),
    )
    .option(
      '--shutdown-grace <ms>',
      'on SIGTERM or SIGINT, how long sessions may go on sending before each gets its final and 1001 (a second signal ends it at once)',
      (value: string) => (value === '0' ? 0 : positiveInteger('--shutdown-grace')(value)),
      5000,
    )
    .option('--max-talkers <n>', 'with --adaptation speaker: named talkers kept per decoding thread (about 0.5 MB each); the one unused longest is forgotten', positiveInteger('--max-talkers'), 100)
    .action(async (options: ServeOptions) => {
      // Who started us, read before anything else: it may be gone by the time we listen.
      const parent = process.ppid;
      const logger = pino({ base: undefined }, pino.destination(2));
      const models = options.model.length > 0 ? await Promise.all(options.model.map((file) => loadModel(file))) : [await loadModel()];
      const server = new AsrServer({
        models,
        ...(options.demo ? { pages: await demoPages(models[0].name, options.adaptation) } : {}),
        host: options.host,
        port: options.port,
        ...(options.token !== undefined ? { token: options.token } : {}),
        ...(options.allowOrigin !== undefined ? { allowOrigins: options.allowOrigin } : {}),
        maxSessions: options.maxSessions,
        maxSubscribers: options.maxSubscribers,
        maxGrammarBytes: options.maxGrammarMb * 2 ** 20,
        idleTimeoutMs: options.idleTimeout,
        maxBufferedSeconds: options.maxBufferedSeconds,
        maxQueuedMessages: options.maxQueuedMessages,
        maxPayloadBytes: options.maxPayload,
        defaultSampleRateHz: options.sampleRate,
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        ...(options.adaptation !== 'none' ? { recognizer: { adaptation: options.adaptation } } : {}),
        maxTalkers: options.maxTalkers,
        shutdownGraceMs: options.shutdownGrace,
        log: ({ event, ...fields }) => logger.info(fields, String(event)),
      });
      const port = await server.listen();
      const shown = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host.includes(':') ? `[${options.host}]` : options.host;
      process.stdout.write(
        options.demo
          ? `beamline is listening: demo page http://${shown}:${port}/ (every session: /watch), audio sessions ws://${shown}:${port}/asr\n`
          : `beamline is listening: audio sessions ws://${shown}:${port}/asr, subscribers ws://${shown}:${port}/subscribe\n`,
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (): void => {
          // The first signal starts the graceful close; another one cuts its grace period short.
          if (stopping) {
            server.hurry();
            return;
          }
          stopping = true;
          void server.close().then(() => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        // npx runs us under a shell and passes no signal on: when whoever started us is gone
        // (we are handed to another parent), close as on SIGTERM rather than run on unseen.
        const orphaned = setInterval(() => {
          if (process.ppid !== parent) {
            clearInterval(orphaned);
            stop();
          }
        }, 1000);
        orphaned.unref();
      });
    });
}
