/**
 * Audio files → AudioChunk stream at the file's own rate: the source at the head of the flow for
 * offline decoding, training and replay.
 *
 * WAV (every common variant) is parsed by our header reader and decoded batch by batch, so only
 * the file's bytes and one batch of samples are in memory at once. FLAC, OGG Vorbis and MP3 are
 * decoded by node-web-audio-api at the file's native rate (read from the container by
 * music-metadata: that decoder's own resampling has no anti-aliasing, so it must never resample).
 * Headerless PCM needs its rate, sample format and channel count from the caller.
 *
 * Batches (1 s by default) are emitted one per scheduler task, so a long file never blocks the
 * event loop and downstream work runs between batches. Every failure is a BeamlineError with a
 * stable code that names the file.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { asyncScheduler, Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import {
  BeamlineError,
  ERROR_CODES,
  PcmDecoder,
  bytesPerSample,
  checkFiniteSamples,
  looksLikeWav,
  readWavHeader,
  type AudioChunk,
  type PcmLayout,
} from '../src/index.ts';

export interface RawPcmOptions extends PcmLayout {
  readonly sampleRateHz: number;
}

export interface AudioFileOptions {
  /** Treat the file as headerless PCM with this layout. */
  readonly raw?: RawPcmOptions;
  /** Audio per emitted chunk, seconds. Default 1. Smaller: smoother event loop, more overhead. */
  readonly batchSeconds?: number;
  /** Where batches are scheduled. Default asyncScheduler (one macrotask each). */
  readonly scheduler?: SchedulerLike;
}

/** What a decoder hands the batch emitter: a producer of the i-th batch. */
interface DecodedSource {
  readonly sampleRateHz: number;
  readonly batches: number;
  batch(index: number): Float32Array;
}

function unreadable(path: string, error: unknown): BeamlineError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
  return new BeamlineError(ERROR_CODES.AUDIO_UNREADABLE, `${path}: cannot read the file (${reason})`, { cause: error });
}

/** Decodes a byte range as PCM, one batch of whole sample frames at a time. */
function pcmSource(bytes: Uint8Array, layout: PcmLayout, sampleRateHz: number, name: string, batchSeconds: number): DecodedSource {
  const frameBytes = bytesPerSample(layout.sampleFormat) * layout.channels;
  const batchBytes = Math.max(1, Math.round(batchSeconds * sampleRateHz)) * frameBytes;
  const decoder = new PcmDecoder(layout, name);
  const batches = Math.ceil(bytes.length / batchBytes);
  if (bytes.length < frameBytes) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NO_SAMPLES, `${name}: holds no complete sample (${bytes.length} byte(s))`);
  }
  return {
    sampleRateHz,
    batches,
    batch(index) {
      const samples = decoder.push(bytes.subarray(index * batchBytes, (index + 1) * batchBytes));
      if (index === batches - 1) decoder.finish();
      return samples;
    },
  };
}

async function compressedSource(bytes: Uint8Array, name: string, batchSeconds: number): Promise<DecodedSource> {
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
  if (!(sampleRateHz >= 1000 && sampleRateHz <= 768000)) {
    throw new BeamlineError(ERROR_CODES.AUDIO_BAD_SAMPLE_RATE, `${name}: sample rate ${sampleRateHz} Hz is outside [1000, 768000]`);
  }
  const { OfflineAudioContext } = await import('node-web-audio-api');
  const context = new OfflineAudioContext({ numberOfChannels: 1, length: 1, sampleRate: sampleRateHz });
  let decoded: AudioBuffer;
  try {
    // decodeAudioData takes ownership of the ArrayBuffer, so hand it a copy of just our bytes.
    decoded = await context.decodeAudioData(bytes.slice().buffer);
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
  checkFiniteSamples(mono, name);
  const batchSamples = Math.max(1, Math.round(batchSeconds * sampleRateHz));
  return {
    sampleRateHz,
    batches: Math.ceil(mono.length / batchSamples),
    batch: (index) => mono.subarray(index * batchSamples, (index + 1) * batchSamples),
  };
}

async function openAudio(path: string, options: AudioFileOptions): Promise<DecodedSource> {
  const name = basename(path);
  const batchSeconds = options.batchSeconds ?? 1;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw unreadable(path, error);
  }
  if (options.raw !== undefined) {
    return pcmSource(bytes, options.raw, options.raw.sampleRateHz, name, batchSeconds);
  }
  if (bytes.length === 0) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NO_SAMPLES, `${name}: the file is empty`);
  }
  if (looksLikeWav(bytes)) {
    const header = readWavHeader(bytes, name);
    return pcmSource(bytes.subarray(header.dataStart, header.dataEnd), header.layout, header.sampleRateHz, name, batchSeconds);
  }
  return compressedSource(bytes, name, batchSeconds);
}

/** Emits the file's audio as mono chunks at its own rate, then completes. */
export function audioFile(path: string, options: AudioFileOptions = {}): Observable<AudioChunk> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return new Observable<AudioChunk>((subscriber) => {
    let cancelled = false;
    openAudio(path, options).then(
      (source) => {
        if (cancelled) return;
        subscriber.add(
          scheduler.schedule(function (this: SchedulerAction<number>, index = 0) {
            if (subscriber.closed) return;
            let samples: Float32Array;
            try {
              samples = source.batch(index);
            } catch (error) {
              subscriber.error(error);
              return;
            }
            if (samples.length > 0) subscriber.next({ samples, sampleRateHz: source.sampleRateHz });
            if (index + 1 < source.batches) this.schedule(index + 1);
            else subscriber.complete();
          }, 0, 0),
        );
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      cancelled = true;
    };
  });
}
