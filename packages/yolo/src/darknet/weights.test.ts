import { WeightsMismatchError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { darknetWeightsFile } from './test-support/darknet-reference.js';
import { readDarknetWeights } from './weights.js';

describe('readDarknetWeights', () => {
  it.each([
    [[0, 1, 0], 16], // yolov2 era: 32-bit seen
    [[0, 2, 0], 20], // yolov3 and later: 64-bit seen
    [[0, 2, 5], 20], // Yolo-Fastest
    [[1, 0, 0], 20],
  ] as [[number, number, number], number][])('reads the %j header (%i bytes) and the floats after it', (version, byteLength) => {
    const floats = Float32Array.of(1.5, -2, 3.25, 0.125, 7);
    const file = darknetWeightsFile(floats, version, 64_000_123);
    const w = readDarknetWeights(file);
    expect(w.header).toEqual({ major: version[0], minor: version[1], revision: version[2], seen: 64_000_123, byteLength });
    expect(w.floatCount).toBe(5);
    expect(Array.from(w.read(2))).toEqual([1.5, -2]);
    expect(w.remaining).toBe(3);
    expect(Array.from(w.read(3))).toEqual([3.25, 0.125, 7]);
    expect(w.remaining).toBe(0);
    expect(() => w.read(1)).toThrow(WeightsMismatchError);
  });

  it('reads a 64-bit seen beyond 2^32 and unaligned views (Node Buffer slices)', () => {
    const file = darknetWeightsFile(Float32Array.of(42), [0, 2, 0], 2 ** 40 + 3);
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const w = readDarknetWeights(shifted.subarray(1));
    expect(w.header.seen).toBe(2 ** 40 + 3);
    expect(w.read(1)[0]).toBe(42);
    expect(readDarknetWeights(file.buffer as ArrayBuffer).floatCount).toBe(1);
  });

  it('throws typed errors for what is not a weights file', () => {
    expect(() => readDarknetWeights(new Uint8Array(10))).toThrow(WeightsMismatchError);
    const short = new Uint8Array(18);
    new DataView(short.buffer).setInt32(4, 2, true); // version 0.2: a 20-byte header
    expect(() => readDarknetWeights(short)).toThrow(/20-byte header, but this one has only 18 bytes/);
    const truncated = darknetWeightsFile(Float32Array.of(1, 2), [0, 2, 0]).subarray(0, 27);
    expect(() => readDarknetWeights(truncated)).toThrow(/not a whole number of float32 values/);
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 0);
    expect(() => readDarknetWeights(png)).toThrow(/Not a supported Darknet .weights file/);
    expect(() => readDarknetWeights('weights' as unknown as Uint8Array)).toThrow(/Invalid argument 'buffer'/);
    expect(() => readDarknetWeights(darknetWeightsFile(Float32Array.of(1))).read(-1)).toThrow(/Invalid argument 'count'/);
  });
});
