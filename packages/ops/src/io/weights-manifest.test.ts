import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { WeightsMismatchError } from '../errors/errors.js';
import { expectNoLeaks } from '../testing/index.js';
import { decodeWeightsManifest, normalizeManifestEntry, normalizeWeightsManifest } from './weights-manifest.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

/** IEEE 754 half precision by hand: sign, 5-bit exponent (bias 15), 10-bit mantissa. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // subnormal (and ±0)
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** value = min + q * scale, as float32 (the tensor's precision). */
const dequantize = (qs: ArrayLike<number>, min: number, scale: number) => Array.from(qs, (q) => Math.fround(min + q * scale));

const bytes = (...parts: ArrayBufferView[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
    o += p.byteLength;
  }
  return out;
};

describe('decodeWeightsManifest', () => {
  it('dequantizes uint8 and uint16 (both key orders, with and without original_dtype) like min + q·scale', async () => {
    const q8 = Uint8Array.from([0, 1, 2, 127, 128, 254, 255]);
    const q16 = Uint16Array.from([0, 1, 1000, 32768, 65534, 65535]);
    const qi = Uint8Array.from([0, 3, 7, 255]);
    const manifest = [
      {
        paths: ['g0-a', 'g0-b'],
        weights: [
          { name: 'u8', shape: [7], dtype: 'float32', quantization: { dtype: 'uint8', min: -0.7346, scale: 0.00577 } },
          { name: 'u16', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 3.1e-5, min: 0.125 } },
          { name: 'conv', shape: [7], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 2 / 255, original_dtype: 'float32' } },
          { name: 'count', shape: [4], dtype: 'int32', quantization: { dtype: 'uint8', min: -10, scale: 0.5 } },
        ],
      },
    ] as tf.io.WeightsManifestConfig;
    const all = bytes(q8, q16, q8, qi);
    // Two shards split mid-value, given as Node Buffers (views with an offset into a shared pool).
    const shards = [Buffer.from(all.subarray(0, 10)), Buffer.from(all.subarray(10))];
    const w = await expectNoLeaks(() => decodeWeightsManifest(manifest, [shards]), { allowReturned: true });
    expect(Array.from(w['u8']!.dataSync())).toEqual(dequantize(q8, -0.7346, 0.00577));
    expect(w['u16']!.shape).toEqual([2, 3]);
    expect(Array.from(w['u16']!.dataSync())).toEqual(dequantize(q16, 0.125, 3.1e-5));
    expect(Array.from(w['conv']!.dataSync())).toEqual(dequantize(q8, -1, 2 / 255));
    expect(w['count']!.dtype).toBe('int32');
    expect(Array.from(w['count']!.dataSync())).toEqual(Array.from(qi, (q) => Math.round(-10 + q * 0.5)));
    tf.dispose(Object.values(w));
  });

  it('decodes float16 exactly, for every one of the 65 536 bit patterns', async () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const manifest: tf.io.WeightsManifestConfig = [
      { paths: ['h'], weights: [{ name: 'half', shape: [65536], dtype: 'float32', quantization: { dtype: 'float16' } }] },
    ];
    const w = await expectNoLeaks(() => decodeWeightsManifest(manifest, [all.buffer]), { allowReturned: true });
    const got = w['half']!.dataSync();
    let wrong = 0;
    for (let i = 0; i < 65536; i++) {
      const want = Math.fround(halfToFloat(i));
      if (!(Object.is(got[i], want) || (Number.isNaN(got[i]!) && Number.isNaN(want)))) wrong++;
    }
    expect(wrong).toBe(0);
    // Spot checks of the hand decoder itself.
    expect([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00].map(halfToFloat)).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, Infinity]);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    tf.dispose(w);
  });

  it('accepts the legacy forms: stored dtype on the entry with original_dtype, and a bare float16 dtype', () => {
    const q = Uint8Array.from([0, 10, 255]);
    const h = Uint16Array.from([0x3c00, 0x3800]);
    const manifest = [
      {
        paths: ['x'],
        weights: [
          { name: 'old8', shape: [3], dtype: 'uint8', quantization: { min: 0.5, scale: 0.25, original_dtype: 'float32' } },
          { name: 'old16', shape: [2], dtype: 'float16' },
          { name: 'conv16', shape: [2], dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } },
          { name: 'plain', shape: [2], dtype: 'float32', quantization: null },
        ],
      },
    ] as unknown as tf.io.WeightsManifestConfig;
    const w = decodeWeightsManifest(manifest, [[bytes(q, h, h, Float32Array.from([1.5, -2.25]))]]);
    expect(Array.from(w['old8']!.dataSync())).toEqual(dequantize(q, 0.5, 0.25));
    expect(Array.from(w['old16']!.dataSync())).toEqual([1, 0.5]);
    expect(Array.from(w['conv16']!.dataSync())).toEqual([1, 0.5]);
    expect(Array.from(w['plain']!.dataSync())).toEqual([1.5, -2.25]);
    expect(normalizeManifestEntry({ name: 'b', shape: [1], dtype: 'uint8', quantization: { dtype: 'uint8', min: 0, scale: 1 } }).dtype).toBe('float32');
    expect(normalizeManifestEntry({ name: 'a', shape: [1], dtype: 'uint16', quantization: { min: 0, scale: 1 } })).toEqual({
      name: 'a',
      shape: [1],
      dtype: 'float32',
      quantization: { dtype: 'uint16', min: 0, scale: 1 },
    });
    tf.dispose(Object.values(w));
  });

  it('decodes float32, int32, bool and string weights over several groups (tfjs encodeWeights bytes)', async () => {
    const tensors = { f: tf.tensor([[1.5, -2], [3, 4e-8]]), i: tf.tensor([7, -8], undefined, 'int32'), b: tf.tensor([true, false, true], undefined, 'bool'), s: tf.tensor(['a', 'héllo', '']) };
    const enc = await tf.io.encodeWeights(tensors);
    tf.dispose(Object.values(tensors));
    const specs = enc.specs;
    const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(enc.data));
    const split = (specs[0]!.shape.reduce((a, b) => a * b, 1)) * 4;
    const manifest: tf.io.WeightsManifestConfig = [
      { paths: ['one'], weights: specs.slice(0, 1) },
      { paths: ['two'], weights: specs.slice(1) },
    ];
    const w = await expectNoLeaks(() => decodeWeightsManifest(manifest, [data.subarray(0, split), data.subarray(split)]), { allowReturned: true });
    expect(Array.from(w['f']!.dataSync())).toEqual(Array.from(Float32Array.from([1.5, -2, 3, 4e-8])));
    expect(Array.from(w['i']!.dataSync())).toEqual([7, -8]);
    expect(Array.from(w['b']!.dataSync())).toEqual([1, 0, 1]);
    expect(w['s']!.dtype).toBe('string');
    expect(Array.from(w['s']!.dataSync() as unknown as string[])).toEqual(['a', 'héllo', '']);
    // A string group cut short is caught before decoding.
    expect(() => decodeWeightsManifest(manifest, [data.subarray(0, split), data.subarray(split, data.length - 2)])).toThrow(WeightsMismatchError);
    tf.dispose(Object.values(w));
  });

  it('refuses bad bytes and bad entries with a typed error naming the weight or group, creating no tensors', async () => {
    const entry = (q: unknown, dtype = 'float32') => [{ paths: ['g.bin'], weights: [{ name: 'layer/kernel', shape: [2], dtype, quantization: q }] }] as unknown as tf.io.WeightsManifestConfig;
    const two = new Uint8Array(2);
    await expectNoLeaks(() => {
      expect(() => decodeWeightsManifest(entry({ dtype: 'uint8', scale: 0.1 }), [two])).toThrow(/'layer\/kernel'.*needs finite 'min' and 'scale'/);
      expect(() => decodeWeightsManifest(entry({ dtype: 'int4', min: 0, scale: 1 }), [two])).toThrow(/'layer\/kernel'.*quantization dtype "int4"/);
      expect(() => decodeWeightsManifest(entry({ dtype: 'float16' }, 'int32'), [new Uint8Array(4)])).toThrow(/float16 storage needs a float32 weight/);
      expect(() => decodeWeightsManifest(entry(undefined, 'float64'), [new Uint8Array(16)])).toThrow(/unsupported dtype "float64"/);
      expect(() => decodeWeightsManifest(entry({ dtype: 'uint8', min: 0, scale: 1 }), [new Uint8Array(1)])).toThrow(/Weight group 0 \(g\.bin\): 1 bytes, but the manifest's weights \(layer\/kernel\) need 2.*truncated/);
      expect(() => decodeWeightsManifest(entry({ dtype: 'uint8', min: 0, scale: 1 }), [new Uint8Array(3)])).toThrow(/more bytes than the manifest says/);
      expect(() => decodeWeightsManifest(entry(undefined), [])).toThrow(/1 weight group\(s\) but 0 buffers/);
      const dup = [
        { paths: ['a'], weights: [{ name: 'w', shape: [1], dtype: 'float32' }] },
        { paths: ['b'], weights: [{ name: 'w', shape: [1], dtype: 'float32' }] },
      ] as tf.io.WeightsManifestConfig;
      expect(() => decodeWeightsManifest(dup, [new Uint8Array(4), new Uint8Array(4)])).toThrow(/'w' appears twice/);
      expect(() => decodeWeightsManifest({} as tf.io.WeightsManifestConfig, [])).toThrow(WeightsMismatchError);
    });
    expect(() => normalizeWeightsManifest([{ paths: [3], weights: [] }])).toThrow(/paths/);
    expect(() => normalizeManifestEntry({ name: 'x', shape: [-1], dtype: 'float32' })).toThrow(/shape/);
  });
});
