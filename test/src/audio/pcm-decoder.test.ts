import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PcmDecoder } from '../../../src/audio/pcm-decoder.ts';
import { type BeamlineError } from '../../../src/errors.ts';
import { splitAt } from '../../helpers.ts';

function bytesOf(write: (view: DataView) => void, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  write(new DataView(bytes.buffer));
  return bytes;
}

describe('PcmDecoder', () => {
  it('decodes every sample format to the value the encoding defines', () => {
    // Golden values follow from each format's definition: full scale maps to ±1.
    expect(Array.from(new PcmDecoder({ sampleFormat: 'u8', channels: 1 }).push(Uint8Array.of(0, 128, 255)))).toEqual([-1, 0, 127 / 128]);
    const s16 = bytesOf((v) => (v.setInt16(0, -32768, true), v.setInt16(2, 16384, true)), 4);
    expect(Array.from(new PcmDecoder({ sampleFormat: 's16le', channels: 1 }).push(s16))).toEqual([-1, 0.5]);
    const s24 = Uint8Array.of(0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0x00, 0x00, 0xc0); // -2^23, 2^23-1, -2^22
    expect(Array.from(new PcmDecoder({ sampleFormat: 's24le', channels: 1 }).push(s24))).toEqual([-1, Math.fround(8388607 / 8388608), -0.5]);
    const s32 = bytesOf((v) => v.setInt32(0, 1 << 30, true), 4);
    expect(Array.from(new PcmDecoder({ sampleFormat: 's32le', channels: 1 }).push(s32))).toEqual([0.5]);
    const f32 = bytesOf((v) => v.setFloat32(0, -0.25, true), 4);
    expect(Array.from(new PcmDecoder({ sampleFormat: 'f32le', channels: 1 }).push(f32))).toEqual([-0.25]);
    const f64 = bytesOf((v) => v.setFloat64(0, 0.125, true), 8);
    expect(Array.from(new PcmDecoder({ sampleFormat: 'f64le', channels: 1 }).push(f64))).toEqual([0.125]);
  });

  it('decodes G.711 A-law and μ-law to the values of the standard\'s tables', () => {
    // ITU-T G.711's tables (as in Sun's reference g711.c): A-law 0xD5/0x55 are ±8 and 0xAA/0x2A
    // ±32256, the extremes; μ-law 0x80/0x00 are ±32124 and 0xFF/0x7F both zero.
    const alaw = Array.from(new PcmDecoder({ sampleFormat: 'alaw', channels: 1 }).push(Uint8Array.of(0xd5, 0x55, 0xaa, 0x2a)));
    expect(alaw.map((value) => value * 32768)).toEqual([8, -8, 32256, -32256]);
    const mulaw = Array.from(new PcmDecoder({ sampleFormat: 'mulaw', channels: 1 }).push(Uint8Array.of(0x80, 0x00, 0xff, 0x7f)));
    expect(mulaw.map((value) => value * 32768)).toEqual([32124, -32124, 0, 0]);
  });

  it('mixes any channel count a WAV can declare, not just 64 (here 100)', () => {
    const frame = bytesOf((v) => {
      for (let c = 0; c < 100; c++) v.setInt16(2 * c, c % 2 === 0 ? 16384 : 0, true);
    }, 200);
    expect(Array.from(new PcmDecoder({ sampleFormat: 's16le', channels: 100 }).push(frame))).toEqual([0.25]);
  });

  it('mixes channels to mono by averaging', () => {
    const stereo = bytesOf((v) => (v.setInt16(0, 16384, true), v.setInt16(2, -16384, true), v.setInt16(4, 8192, true), v.setInt16(6, 8192, true)), 8);
    expect(Array.from(new PcmDecoder({ sampleFormat: 's16le', channels: 2 }).push(stereo))).toEqual([0, 0.25]);
  });

  it('gives the same samples however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 240 }).map((a) => a.subarray(0, a.length - (a.length % 12))),
        fc.array(fc.nat(240), { maxLength: 12 }),
        fc.constantFrom('s16le' as const, 's24le' as const, 's32le' as const, 'u8' as const),
        (bytes, cuts, sampleFormat) => {
          const whole = new PcmDecoder({ sampleFormat, channels: 2 }).push(bytes);
          const decoder = new PcmDecoder({ sampleFormat, channels: 2 });
          const parts = splitAt(bytes, cuts, bytes.length).map((part) => Array.from(decoder.push(part)));
          decoder.finish();
          expect(parts.flat()).toEqual(Array.from(whole));
        },
      ),
    );
  });

  it('reports a stream that ends inside a sample frame as AUDIO_TRUNCATED', () => {
    const decoder = new PcmDecoder({ sampleFormat: 's16le', channels: 1 }, 'mic');
    decoder.push(Uint8Array.of(1, 2, 3));
    expect(() => decoder.finish()).toThrow(expect.objectContaining({ code: 'AUDIO_TRUNCATED' }));
  });

  it('rejects NaN and infinite float samples with AUDIO_NON_FINITE naming the sample', () => {
    const bytes = bytesOf((v) => (v.setFloat32(0, 0.5, true), v.setFloat32(4, Number.POSITIVE_INFINITY, true)), 8);
    expect(() => new PcmDecoder({ sampleFormat: 'f32le', channels: 1 }, 'socket').push(bytes)).toThrow(/socket: sample 1/);
    try {
      new PcmDecoder({ sampleFormat: 'f32le', channels: 1 }).push(bytes);
    } catch (error) {
      expect((error as BeamlineError).code).toBe('AUDIO_NON_FINITE');
    }
  });

  it('rejects zero channels with AUDIO_NO_SAMPLES', () => {
    expect(() => new PcmDecoder({ sampleFormat: 's16le', channels: 0 })).toThrow(expect.objectContaining({ code: 'AUDIO_NO_SAMPLES' }));
  });
});
