/**
 * Reads a WAV file's header: sample rate, channel count, sample encoding and where the sample
 * bytes lie. The `fmt ` chunk is parsed by wavefile (every common variant, including
 * WAVE_FORMAT_EXTENSIBLE); the chunk walk that locates `data` is ours, because it must also tell
 * a truncated file from a whole one without copying the samples.
 */
import * as wavefileModule from 'wavefile';

// Node loads wavefile's CommonJS build (everything under `default`); bundlers for the browser
// load its ES module (named exports only). Either way, this is its WaveFile class.
const { WaveFile } = ((wavefileModule as unknown as { default?: typeof wavefileModule }).default ?? wavefileModule) as typeof wavefileModule;
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import type { PcmLayout, SampleFormat } from './pcm-decoder.ts';

export interface WavHeader {
  readonly sampleRateHz: number;
  readonly layout: PcmLayout;
  /** Byte offset of the first sample. */
  readonly dataStart: number;
  /** Byte offset just past the last sample (the file's end when the size field is a placeholder). */
  readonly dataEnd: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const WAVE_FORMAT_ALAW = 6;
const WAVE_FORMAT_MULAW = 7;
/** Streaming writers put 0 or 0xFFFFFFFF in the data size when they cannot seek back. */
const PLACEHOLDER_SIZES = new Set([0, 0xffffffff]);

function ascii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}

/** True when the bytes start like a RIFF/RIFX WAVE file. */
export function looksLikeWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && /^RIF[FX]$/.test(ascii(bytes, 0)) && ascii(bytes, 8) === 'WAVE';
}

function sampleFormatOf(formatTag: number, bitsPerSample: number): SampleFormat | undefined {
  if (formatTag === WAVE_FORMAT_PCM) {
    if (bitsPerSample === 8) return 'u8';
    if (bitsPerSample === 16) return 's16le';
    if (bitsPerSample === 24) return 's24le';
    if (bitsPerSample === 32) return 's32le';
  }
  if (formatTag === WAVE_FORMAT_IEEE_FLOAT) {
    if (bitsPerSample === 32) return 'f32le';
    if (bitsPerSample === 64) return 'f64le';
  }
  if (formatTag === WAVE_FORMAT_ALAW && bitsPerSample === 8) return 'alaw';
  if (formatTag === WAVE_FORMAT_MULAW && bitsPerSample === 8) return 'mulaw';
  return undefined;
}

interface WavefileFmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
  subformat: number[];
}

/**
 * `streamStart`: `bytes` are only the first part of a stream (a socket's first message), so the
 * data chunk may go on past them; the header itself must be whole.
 */
export function readWavHeader(bytes: Uint8Array, sourceName: string, options: { readonly streamStart?: boolean } = {}): WavHeader {
  if (!looksLikeWav(bytes)) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NOT_AUDIO, `${sourceName}: not a WAV file (no RIFF/WAVE header)`);
  }
  if (ascii(bytes, 0) === 'RIFX') {
    throw new BeamlineError(
      ERROR_CODES.AUDIO_UNSUPPORTED_ENCODING,
      `${sourceName}: big-endian WAV (RIFX) is not supported; convert it to little-endian RIFF`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let dataStart = -1;
  let dataSize = 0;
  let sawFmt = false;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = ascii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ') sawFmt = true;
    if (id === 'data') {
      dataStart = offset + 8;
      dataSize = size;
      break;
    }
    offset += 8 + size + (size % 2); // chunks are word-aligned
  }
  if (!sawFmt) {
    const code = dataStart < 0 ? ERROR_CODES.AUDIO_TRUNCATED : ERROR_CODES.AUDIO_NOT_AUDIO;
    throw new BeamlineError(code, `${sourceName}: WAV file has no "fmt " chunk before its data`);
  }
  if (dataStart < 0) {
    throw new BeamlineError(ERROR_CODES.AUDIO_TRUNCATED, `${sourceName}: WAV file ends before its "data" chunk`);
  }

  let fmt: WavefileFmt;
  try {
    const wav = new WaveFile();
    wav.fromBuffer(bytes.subarray(0, dataStart), false);
    fmt = wav.fmt as WavefileFmt;
  } catch (error) {
    throw new BeamlineError(
      ERROR_CODES.AUDIO_NOT_AUDIO,
      `${sourceName}: unreadable WAV header (${(error as Error).message})`,
      { cause: error },
    );
  }

  const formatTag = fmt.audioFormat === WAVE_FORMAT_EXTENSIBLE ? (fmt.subformat[0] ?? 0) : fmt.audioFormat;
  const sampleFormat = sampleFormatOf(formatTag, fmt.bitsPerSample);
  if (sampleFormat === undefined) {
    throw new BeamlineError(
      ERROR_CODES.AUDIO_UNSUPPORTED_ENCODING,
      `${sourceName}: WAV encoding ${formatTag} with ${fmt.bitsPerSample} bits per sample is not supported ` +
        '(supported: integer PCM 8/16/24/32-bit, float 32/64-bit, G.711 A-law and μ-law)',
    );
  }
  if (fmt.numChannels < 1) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NO_SAMPLES, `${sourceName}: WAV header declares no channels`);
  }
  if (!(fmt.sampleRate >= 1000 && fmt.sampleRate <= 768000)) {
    throw new BeamlineError(
      ERROR_CODES.AUDIO_BAD_SAMPLE_RATE,
      `${sourceName}: WAV sample rate ${fmt.sampleRate} Hz is outside [1000, 768000]`,
    );
  }

  const header = { sampleRateHz: fmt.sampleRate, layout: { sampleFormat, channels: fmt.numChannels }, dataStart };
  // The rest of a stream's data is still to come.
  if (options.streamStart === true) return { ...header, dataEnd: PLACEHOLDER_SIZES.has(dataSize) ? bytes.length : Math.min(dataStart + dataSize, bytes.length) };
  const dataEnd = PLACEHOLDER_SIZES.has(dataSize) ? bytes.length : dataStart + dataSize;
  if (dataEnd > bytes.length) {
    throw new BeamlineError(
      ERROR_CODES.AUDIO_TRUNCATED,
      `${sourceName}: WAV data chunk declares ${dataSize} bytes but only ${bytes.length - dataStart} are present`,
    );
  }
  if (dataEnd === dataStart) {
    throw new BeamlineError(ERROR_CODES.AUDIO_NO_SAMPLES, `${sourceName}: WAV file holds no samples`);
  }
  return { ...header, dataEnd };
}
