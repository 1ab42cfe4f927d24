/**
 * Audio files → AudioChunk stream at the file's own rate: the source at the head of the flow for
 * offline decoding, training and replay.
 *
 * WAV (every common variant) is parsed by our header reader and decoded batch by batch, so only
 * the file's bytes and one batch of samples are in memory at once. FLAC, OGG Vorbis and MP3 are
 * decoded by node-web-audio-api at the file's native rate (read from the container by
 * music-metadata: that decoder's own resampling has no anti-aliasing, so it must never resample).
 * Headerless PCM needs its rate, sample format and channel count from the caller. The path `-`
 * reads standard input.
 *
 * Batches (0.1 s by default, after a short slow start) are emitted one per macrotask, so a long file never blocks the
 * event loop and downstream work runs between batches. Every failure is a BeamlineError with a
 * stable code that names the file.
 */
import { readFile as readFileCallback } from 'node:fs';
import { promisify } from 'node:util';
import { Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import {
  BeamlineError,
  ERROR_CODES,
  PcmDecoder,
  bytesPerSample,
  checkFiniteSamples,
  flacDeclaredLength,
  looksLikeWav,
  mp3DeclaredLength,
  oggEnding,
  readWavHeader,
  type AudioChunk,
  type PcmLayout,
} from '../src/index.ts';

const DEFAULT_BATCH_SECONDS = 0.1;
/**
 * The callback readFile, promisified: fs/promises' readFile goes through a FileHandle and costs
 * about 0.1 ms more per file (nodejs/node#37583), a quarter of the decoding time of a 0.4 s
 * recording.
 */
const readFile = promisify(readFileCallback);

export interface RawPcmOptions extends PcmLayout {
  readonly sampleRateHz: number;
}

export interface AudioFileOptions {
  /** Treat the file as headerless PCM with this layout. */
  readonly raw?: RawPcmOptions;
  /**
   * Audio per emitted chunk, seconds. Default 0.1: the whole front end handles a batch in a few
   * ms, so the event loop is never held long. Smaller: smoother event loop, more overhead.
   */
  readonly batchSeconds?: number;
  /** Schedules the batches, for virtual-time tests. Default: one setImmediate per batch. */
  readonly scheduler?: SchedulerLike;
}

/** What a decoder hands the batch emitter: the audio, read in order a batch at a time. */
interface DecodedSource {
  readonly sampleRateHz: number;
  /** The next `maxSamples` samples (fewer at the end); undefined once all have been read. */
  read(maxSamples: number): Float32Array | undefined;
}

/**
 * Batch lengths in samples: a slow start (20 ms, doubling) while the JIT and the WebAssembly
 * resampler warm up, so even the first batches take only a few ms, then `batchSeconds` each.
 */
function batchLengths(sampleRateHz: number, batchSeconds: number): (index: number) => number {
  const full = Math.max(1, Math.round(batchSeconds * sampleRateHz));
  const first = Math.max(1, Math.round(0.02 * sampleRateHz));
  return (index) => Math.min(full, first * 2 ** Math.min(index, 30));
}

function unreadable(path: string, error: unknown): BeamlineError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
  return new BeamlineError(ERROR_CODES.AUDIO_UNREADABLE, `${path}: cannot read the file (${reason})`, { cause: error });
}

/** Decodes a byte range as PCM, one batch of whole sample frames at a time. */
function pcmSource(bytes: Uint8Array, layout: PcmLayout, sampleRateHz: number, name: string): DecodedSource {
  const frameBytes = bytesPerSample(layout.sampleFormat) * layout.channels;
  const decoder = new PcmDecoder(layout, name);
  if (bytes.length < frameBytes) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NO_SAMPLES, `${name}: holds no complete sample (${bytes.length} byte(s))`);
  }
  let position = 0;
  return {
    sampleRateHz,
    read(maxSamples) {
      if (position >= bytes.length) return undefined;
      const end = Math.min(bytes.length, position + maxSamples * frameBytes);
      const samples = decoder.push(bytes.subarray(position, end));
      position = end;
      if (position === bytes.length) decoder.finish();
      return samples;
    },
  };
}

async function compressedSource(bytes: Uint8Array, name: string): Promise<DecodedSource> {
  const ogg = oggEnding(bytes);
  if (ogg !== undefined && !ogg.complete) {
    throw new BeamlineError(ERROR_CODES.AUDIO_TRUNCATED, `${name}: the Ogg stream ends without its end-of-stream page, whole: the file was cut short`);
  }
  const { parseBuffer } = await import('music-metadata');
  let sampleRateHz: number | undefined;
  let container = 'unknown';
  try {
    const metadata = await parseBuffer(bytes, undefined, { skipCovers: true, duration: false });
    sampleRateHz = metadata.format.sampleRate;
    container = metadata.format.container ?? container;
  } catch (error) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NOT_AUDIO, `${name}: not a recognised audio file`, { cause: error });
  }
  if (sampleRateHz === undefined) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NOT_AUDIO, `${name}: no audio stream found (container ${container})`);
  }
  // The range node-web-audio-api's decoder takes (it must decode at the file's own rate).
  if (!(sampleRateHz >= 2000 && sampleRateHz <= 384000)) {
    throw new BeamlineError(ERROR_CODES.AUDIO_BAD_SAMPLE_RATE, `${name}: sample rate ${sampleRateHz} Hz is outside [2000, 384000], the rates compressed audio is decoded at`);
  }
  const declared =
    flacDeclaredLength(bytes) ??
    mp3DeclaredLength(bytes) ??
    (ogg?.granule !== undefined && ogg.granule > 0 ? { samples: ogg.granule, skip: 0, minimumDecoded: ogg.granule } : undefined);
  const { OfflineAudioContext } = await import('node-web-audio-api');
  const context = new OfflineAudioContext({ numberOfChannels: 1, length: 1, sampleRate: sampleRateHz });
  let decoded: AudioBuffer;
  try {
    // decodeAudioData takes ownership of the ArrayBuffer, so hand it a copy of just our bytes
    // (a Buffer's slice() is a view of the same memory, not a copy).
    decoded = await context.decodeAudioData(new Uint8Array(bytes).buffer);
  } catch (error) {
    const reason = (error as Error).message;
    // The decoder reports a stream cut short as "end of stream"; anything else is an encoding
    // it cannot read.
    const truncated = /end of (stream|file)|unexpected eof/i.test(reason);
    throw new BeamlineError(
      truncated ? ERROR_CODES.AUDIO_TRUNCATED : ERROR_CODES.AUDIO_UNSUPPORTED_ENCODING,
      `${name}: the ${container} stream could not be decoded (${reason})`,
      { cause: error },
    );
  }
  if (declared !== undefined && decoded.length < declared.minimumDecoded) {
    throw new BeamlineError(
      ERROR_CODES.AUDIO_TRUNCATED,
      `${name}: the ${container} stream declares ${declared.samples} samples but only ${Math.max(0, decoded.length - declared.skip)} could be decoded: the file was cut short`,
    );
  }
  if (decoded.numberOfChannels < 1 || decoded.length === 0) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NO_SAMPLES, `${name}: the ${container} stream holds no samples`);
  }
  let mono = decoded.getChannelData(0);
  if (decoded.numberOfChannels > 1) {
    mono = Float32Array.from(mono);
    for (let channel = 1; channel < decoded.numberOfChannels; channel++) {
      const data = decoded.getChannelData(channel);
      for (let i = 0; i < mono.length; i++) mono[i] += data[i];
    }
    const gain = 1 / decoded.numberOfChannels;
    for (let i = 0; i < mono.length; i++) mono[i] *= gain;
  }
  // Exactly the encoder's samples: MP3's delay and padding, Vorbis's last block beyond its length, trimmed.
  if (declared !== undefined) mono = mono.subarray(declared.skip, declared.skip + declared.samples);
  checkFiniteSamples(mono, name);
  let position = 0;
  return {
    sampleRateHz,
    read(maxSamples) {
      if (position >= mono.length) return undefined;
      const samples = mono.subarray(position, position + maxSamples);
      position += samples.length;
      return samples;
    },
  };
}

/** The path that stands for standard input, as in most command-line tools. */
export const STANDARD_INPUT = '-';

async function openAudio(path: string, options: AudioFileOptions): Promise<DecodedSource> {
  // Messages name the file as the caller gave it, so two files of one name in two folders differ.
  const name = path === STANDARD_INPUT ? 'standard input' : path;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path === STANDARD_INPUT ? 0 : path); // a Buffer is a Uint8Array: no copy of the file
  } catch (error) {
    throw unreadable(name, error);
  }
  if (options.raw !== undefined) {
    return pcmSource(bytes, options.raw, options.raw.sampleRateHz, name);
  }
  if (bytes.length === 0) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NO_SAMPLES, `${name}: the file is empty`);
  }
  if (looksLikeWav(bytes)) {
    const header = readWavHeader(bytes, name);
    return pcmSource(bytes.subarray(header.dataStart, header.dataEnd), header.layout, header.sampleRateHz, name);
  }
  return compressedSource(bytes, name);
}

/**
 * Emits the file's audio as mono chunks at its own rate, then completes. One batch per macrotask:
 * setImmediate by default (no timer clamp, so an hour of audio adds no waiting), or the given
 * RxJS scheduler (virtual time in tests).
 */
export function audioFile(path: string, options: AudioFileOptions = {}): Observable<AudioChunk> {
  return new Observable<AudioChunk>((subscriber) => {
    let cancelled = false;
    let pending: ReturnType<typeof setImmediate> | undefined;
    openAudio(path, options).then(
      (source) => {
        if (cancelled) return;
        const batchLength = batchLengths(source.sampleRateHz, options.batchSeconds ?? DEFAULT_BATCH_SECONDS);
        /** Emits batch `index`; returns whether another may follow. */
        const emitBatch = (index: number): boolean => {
          let samples: Float32Array | undefined;
          try {
            samples = source.read(batchLength(index));
          } catch (error) {
            subscriber.error(error);
            return false;
          }
          if (samples === undefined) {
            subscriber.complete();
            return false;
          }
          if (samples.length > 0) subscriber.next({ samples, sampleRateHz: source.sampleRateHz });
          return true;
        };
        if (options.scheduler !== undefined) {
          subscriber.add(
            options.scheduler.schedule(function (this: SchedulerAction<number>, index = 0) {
              if (!subscriber.closed && emitBatch(index)) this.schedule(index + 1);
            }, 0, 0),
          );
          return;
        }
        const step = (index: number): void => {
          pending = undefined;
          if (!subscriber.closed && emitBatch(index)) pending = setImmediate(step, index + 1);
        };
        pending = setImmediate(step, 0);
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      cancelled = true;
      if (pending !== undefined) clearImmediate(pending);
    };
  });
}
