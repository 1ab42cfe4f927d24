import { describe, expect, it } from 'vitest';
import { readWavHeader } from '../../../src/audio/wav-header.ts';

/** A minimal canonical WAV header written field by field from the RIFF/WAVE specification. */
function wav(options: { formatTag?: number; channels?: number; rateHz?: number; bits?: number; dataBytes?: number; actualBytes?: number; riff?: string }): Uint8Array {
  const { formatTag = 1, channels = 1, rateHz = 8000, bits = 16, dataBytes = 8, riff = 'RIFF' } = options;
  const actual = options.actualBytes ?? dataBytes;
  const bytes = new Uint8Array(44 + actual);
  const view = new DataView(bytes.buffer);
  const text = (offset: number, value: string): void => [...value].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, riff);
  view.setUint32(4, 36 + dataBytes, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, formatTag, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rateHz, true);
  view.setUint32(28, (rateHz * channels * bits) / 8, true);
  view.setUint16(32, (channels * bits) / 8, true);
  view.setUint16(34, bits, true);
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  return bytes;
}

describe('readWavHeader', () => {
  it('reads rate, layout and where the samples lie', () => {
    expect(readWavHeader(wav({ channels: 2, rateHz: 16000, bits: 24, dataBytes: 12 }), 'a.wav')).toEqual({
      sampleRateHz: 16000,
      layout: { sampleFormat: 's24le', channels: 2 },
      dataStart: 44,
      dataEnd: 56,
    });
  });

  it('treats a placeholder data size as "to the end of the file"', () => {
    expect(readWavHeader(wav({ dataBytes: 0xffffffff, actualBytes: 10 }), 'stream.wav').dataEnd).toBe(54);
  });

  it.each([
    [{ rateHz: 0 }, 'AUDIO_BAD_SAMPLE_RATE', 'x.wav: WAV sample rate 0 Hz is outside [1000, 768000]'],
    [{ channels: 0 }, 'AUDIO_NO_SAMPLES', 'x.wav: WAV header declares no channels'],
    [{ formatTag: 2, bits: 4 }, 'AUDIO_UNSUPPORTED_ENCODING', 'x.wav: WAV encoding 2 with 4 bits per sample is not supported'],
    [{ bits: 12 }, 'AUDIO_UNSUPPORTED_ENCODING', 'x.wav: WAV encoding 1 with 12 bits per sample'],
    [{ riff: 'RIFX' }, 'AUDIO_UNSUPPORTED_ENCODING', 'x.wav: big-endian WAV (RIFX) is not supported'],
    [{ dataBytes: 100, actualBytes: 10 }, 'AUDIO_TRUNCATED', 'x.wav: WAV data chunk declares 100 bytes but only 10 are present'],
    [{ dataBytes: 0, actualBytes: 0 }, 'AUDIO_NO_SAMPLES', 'x.wav: WAV file holds no samples'],
  ])('rejects %j with %s', (options, code, message) => {
    expect(() => readWavHeader(wav(options), 'x.wav')).toThrow(expect.objectContaining({ code, message: expect.stringContaining(message) }));
  });

  it('reports a file cut inside its header as truncated', () => {
    expect(() => readWavHeader(wav({}).subarray(0, 30), 'cut.wav')).toThrow(expect.objectContaining({ code: 'AUDIO_TRUNCATED' }));
  });

  it('reports bytes that are not RIFF/WAVE as not audio', () => {
    expect(() => readWavHeader(new TextEncoder().encode('hello, world: not a wav'), 'x.wav')).toThrow(
      expect.objectContaining({ code: 'AUDIO_NOT_AUDIO' }),
    );
  });
});
