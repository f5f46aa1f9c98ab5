/**
 * The three ml5 fast-style nets (CNN_WEIGHTS_PATH: fast-style/{mathura,matilde_perez,matta}; test fixtures
 * only, never shipped) on tubingen.jpg (CNN_DATA_PATH: style-images) at 256×192, on wasm: one forward pass
 * each, finite pixels in [0, 255], far from the input and from each other. The pictures go to
 * $CNN_REPORT_DIR/pictures (else the OS temp dir) to be looked at; the latency per image is printed.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { decodeImage, ready, resizeImage, resolveData, resolveWeights, writeImage } from '@cnn/ops';
import { expectTensorsClose } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastStylize } from './fast-stylize.js';
import { loadFastStyle, readFastStyleManifest } from './load-fast-style.js';
import { ml5TransformForward } from './reference.js';

const hasData = Boolean(process.env['CNN_WEIGHTS_PATH'] && process.env['CNN_DATA_PATH']);
const NETS = ['mathura', 'matilde_perez', 'matta'] as const;

describe.runIf(hasData)('ml5 fast-style nets on tubingen.jpg (256×192, wasm)', () => {
  const nets = new Map<string, tfl.LayersModel>();
  const outputs = new Map<string, tf.Tensor3D>();
  let content: tf.Tensor3D;
  const pictures = join(process.env['CNN_REPORT_DIR'] ?? tmpdir(), 'pictures');

  beforeAll(async () => {
    const info = await ready({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
    for (const name of NETS) nets.set(name, await loadFastStyle(`fast-style/${name}`, { resolve: { offline: true } }));
    const dir = await resolveData('style-images', { offline: true });
    const img = await decodeImage(join(dir, 'tubingen.jpg'));
    content = tf.tidy(() => tf.cast(resizeImage(img, [192, 256]), 'float32') as tf.Tensor3D);
    img.dispose();
    await writeImage(join(pictures, 'fast-style-tubingen-input.png'), tf.tidy(() => tf.cast(tf.round(content), 'int32')) as tf.Tensor3D);
  });

  afterAll(() => {
    for (const net of nets.values()) net.dispose();
    tf.dispose([content, ...outputs.values()]);
  });

  it.each(NETS)('%s: one forward pass gives a finite 192×256×3 image in [0, 255], far from the input', async (name) => {
    const net = nets.get(name)!;
    expect(net.countParams()).toBe(1_677_638);
    tf.dispose(fastStylize(net, content)); // warm-up (kernel setup, XNNPACK operator caches)
    const times: number[] = [];
    let out!: tf.Tensor3D;
    for (let i = 0; i < 3; i++) {
      if (out) out.dispose();
      const t0 = performance.now();
      out = fastStylize(net, content);
      await out.data();
      times.push(performance.now() - t0);
    }
    outputs.set(name, out);
    const [lo, hi, finite, diff] = tf.tidy(() => [tf.min(out), tf.max(out), tf.all(tf.isFinite(out)), tf.mean(tf.abs(tf.sub(out, content)))].map((t) => t.dataSync()[0]!));
    const median = times.sort((a, b) => a - b)[1]!;
    console.log(`fast-style ${name}: ${median.toFixed(0)} ms per 256×192 image on wasm (runs ${times.map((t) => t.toFixed(0)).join(', ')} ms); mean |out − in| ${diff!.toFixed(1)} levels, range [${lo!.toFixed(0)}, ${hi!.toFixed(0)}]`);
    await writeImage(join(pictures, `fast-style-tubingen-${name}.png`), tf.tidy(() => tf.cast(tf.round(out), 'int32')) as tf.Tensor3D);
    expect(out.shape).toEqual([192, 256, 3]);
    expect(finite).toBe(1);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(255);
    expect(hi! - lo!).toBeGreaterThan(100); // a picture, not a flat colour
    expect(diff).toBeGreaterThan(20);
  });

  it('the three styles differ clearly from each other', () => {
    const names = [...outputs.keys()];
    expect(names).toHaveLength(3);
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const d = tf.tidy(() => tf.mean(tf.abs(tf.sub(outputs.get(names[i]!)!, outputs.get(names[j]!)!))).dataSync()[0]!);
        console.log(`mean |${names[i]} − ${names[j]}| = ${d.toFixed(1)} levels`);
        expect(d).toBeGreaterThan(15);
      }
    }
  });

  it('matta agrees with ml5’s own tf-ops forward pass on the raw variables (mapping and conv-transpose layout)', async () => {
    const dir = join(await resolveWeights('fast-style', { offline: true }), 'matta');
    const manifest = await readFastStyleManifest(dir);
    const vars: Record<string, tf.Tensor> = {};
    for (const [name, e] of Object.entries(manifest)) {
      const bytes = await readFile(join(dir, e.filename));
      vars[name] = tf.tensor(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), e.shape);
    }
    tf.tidy(() => {
      const small = tf.slice(content, [48, 64, 0], [96, 128, 3]) as tf.Tensor3D;
      expectTensorsClose(fastStylize(nets.get('matta')!, small), ml5TransformForward(small, vars), { rtol: 1e-3, atol: 0.05 });
    });
    tf.dispose(Object.values(vars));
  });

  it('a size that is not a multiple of 4 (190×253) comes back at its size, matching the 4-aligned result away from the border', () => {
    const net = nets.get('mathura')!;
    tf.tidy(() => {
      const odd = tf.slice(content, [1, 1, 0], [190, 253, 3]) as tf.Tensor3D;
      const out = fastStylize(net, odd);
      expect(out.shape).toEqual([190, 253, 3]);
      // Interior pixels see the same neighbourhood as in the full image (up to instance-norm statistics).
      const inner = (t: tf.Tensor3D, o: number) => tf.slice(t, [40 + o, 40 + o, 0], [100, 160, 3]);
      const d = tf.mean(tf.abs(tf.sub(inner(out, 0), inner(outputs.get('mathura')!, 1)))).dataSync()[0]!;
      console.log(`190×253 vs 192×256 interior: mean |difference| ${d.toFixed(2)} levels`);
      expect(d).toBeLessThan(10);
    });
  });
});

describe.skipIf(hasData)('ml5 fast-style nets', () => {
  it('needs CNN_WEIGHTS_PATH and CNN_DATA_PATH (CI sets them to ../shared)', () => {
    expect(hasData).toBe(false);
  });
});
