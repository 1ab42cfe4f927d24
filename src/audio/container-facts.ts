/**
 * What the containers of compressed audio declare about their own length, read from the bytes
 * (pure, no decoder): the decoded audio is checked against it, so a file cut short is reported
 * as AUDIO_TRUNCATED instead of decoding silently into fewer words, and trimmed by it, so an MP3
 * or Ogg Vorbis file yields exactly the samples its encoder was given.
 *
 * - FLAC: STREAMINFO's total samples (0 = not known).
 * - MP3: the Xing/Info frame's frame count and LAME's encoder delay and padding (the gapless
 *   header). A decoder outputs every frame, each 1152 samples (576 for MPEG-2/2.5 layer III),
 *   and lags the input by 529 samples; the encoder's samples start after delay + 529 and number
 *   frames × samples per frame − delay − padding.
 * - Ogg: the last page's granule position (for Vorbis the stream's length in samples) and
 *   whether the stream ends with its end-of-stream page, whole.
 */

export interface DeclaredLength {
  /** Samples per channel the container says the stream holds. */
  readonly samples: number;
  /** Decoded samples to skip at the start (MP3's encoder and decoder delay), 0 for the others. */
  readonly skip: number;
  /** The decoder must produce at least this many samples, or the file was cut short. */
  readonly minimumDecoded: number;
}

/** The FLAC stream's declared length, or undefined when the file is not FLAC or does not say. */
export function flacDeclaredLength(bytes: Uint8Array): DeclaredLength | undefined {
  // "fLaC", then the first metadata block: a 4-byte header and STREAMINFO, whose total samples
  // are the 36 bits after 13 bytes and 4 bits of it.
  if (bytes.length < 8 + 18 || ascii(bytes, 0, 4) !== 'fLaC' || (bytes[4] & 0x7f) !== 0) return undefined;
  const info = 8;
  const samples = (bytes[info + 13] & 0x0f) * 2 ** 32 + ((bytes[info + 14] << 24) >>> 0) + (bytes[info + 15] << 16) + (bytes[info + 16] << 8) + bytes[info + 17];
  return samples > 0 ? { samples, skip: 0, minimumDecoded: samples } : undefined;
}


/** Samples an MP3 decoder's output lags its input by (the synthesis filterbank's delay). */
const MP3_DECODER_DELAY = 529;

/** The MP3 stream's length from its Xing/Info (and LAME) header, or undefined when it has none. */
export function mp3DeclaredLength(bytes: Uint8Array): DeclaredLength | undefined {
  let offset = 0;
  if (ascii(bytes, 0, 3) === 'ID3' && bytes.length >= 10) {
    offset = 10 + ((bytes[6] & 0x7f) << 21) + ((bytes[7] & 0x7f) << 14) + ((bytes[8] & 0x7f) << 7) + (bytes[9] & 0x7f);
    if ((bytes[5] & 0x10) !== 0) offset += 10; // a footer
  }
  if (offset + 4 > bytes.length || bytes[offset] !== 0xff || (bytes[offset + 1] & 0xe0) !== 0xe0) return undefined;
  const version = (bytes[offset + 1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = (bytes[offset + 1] >> 1) & 3; // 1: layer III
  if (layer !== 1 || version === 1 || ((bytes[offset + 2] >> 2) & 3) === 3) return undefined;
  const mono = (bytes[offset + 3] >> 6) === 3;
  const mpeg1 = version === 3;
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  // The Xing/Info tag follows the side information, whose size depends on version and channels.
  const tag = offset + 4 + (mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17);
  const id = ascii(bytes, tag, 4);
  if ((id !== 'Xing' && id !== 'Info') || tag + 8 > bytes.length) return undefined;
  const flags = readUint32(bytes, tag + 4);
  if ((flags & 1) === 0) return undefined; // no frame count
  let field = tag + 8;
  const frames = readUint32(bytes, field);
  field += 4;
  if ((flags & 2) !== 0) field += 4; // bytes
  if ((flags & 4) !== 0) field += 100; // table of contents
  if ((flags & 8) !== 0) field += 4; // quality
  const decoded = frames * samplesPerFrame;
  let delay = 0;
  let padding = 0;
  // The LAME extension: a 9-byte encoder name, then 12 more bytes, then delay and padding (12 bits each).
  if (field + 24 <= bytes.length && /^(LAME|Lavc|Lavf)/.test(ascii(bytes, field, 4))) {
    const at = field + 21;
    delay = (bytes[at] << 4) | (bytes[at + 1] >> 4);
    padding = ((bytes[at + 1] & 0x0f) << 8) | bytes[at + 2];
  }
  const samples = decoded - delay - padding;
  if (samples <= 0 || frames === 0) return undefined;
  return { samples, skip: delay > 0 || padding > 0 ? delay + MP3_DECODER_DELAY : 0, minimumDecoded: decoded };
}

/**
 * An Ogg file's facts: whether its last page is a whole end-of-stream page, and that page's
 * granule position (for Vorbis, the samples in the stream). Undefined when it is not Ogg.
 */
export function oggEnding(bytes: Uint8Array): { readonly complete: boolean; readonly granule: number | undefined } | undefined {
  if (ascii(bytes, 0, 4) !== 'OggS') return undefined;
  // Pages are at most 65,307 bytes: the last one starts within that distance of the end.
  for (let at = bytes.length - 27; at >= Math.max(0, bytes.length - 65_307 - 27); at--) {
    if (bytes[at] !== 0x4f || ascii(bytes, at, 4) !== 'OggS') continue;
    const segments = bytes[at + 26];
    if (at + 27 + segments > bytes.length) return { complete: false, granule: undefined };
    let body = 0;
    for (let s = 0; s < segments; s++) body += bytes[at + 27 + s];
    const whole = at + 27 + segments + body <= bytes.length;
    const endOfStream = (bytes[at + 5] & 0x04) !== 0;
    const granule = readUint32Le(bytes, at + 6) + readUint32Le(bytes, at + 10) * 2 ** 32;
    return { complete: whole && endOfStream, granule: whole && endOfStream ? granule : undefined };
  }
  return { complete: false, granule: undefined };
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = offset; i < Math.min(bytes.length, offset + length); i++) text += String.fromCharCode(bytes[i]);
  return text;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) >>> 0) + (bytes[offset + 1] << 16) + (bytes[offset + 2] << 8) + bytes[offset + 3];
}

function readUint32Le(bytes: Uint8Array, offset: number): number {
  return bytes[offset] + (bytes[offset + 1] << 8) + (bytes[offset + 2] << 16) + ((bytes[offset + 3] << 24) >>> 0);
}
