import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, InvalidArgumentError } from '../errors/errors.js';
import { describeBackend, isSoftwareRenderer, ready, webglRenderer } from './backend.js';

describe('ready()', () => {
  const saved = process.env['CNN_BACKEND'];
  afterAll(() => {
    if (saved === undefined) delete process.env['CNN_BACKEND'];
    else process.env['CNN_BACKEND'] = saved;
  });

  it('picks wasm in Node when tfjs-node is absent, never silently cpu, and says why', async () => {
    delete process.env['CNN_BACKEND'];
    const info = await ready();
    expect(info.platform).toBe('node');
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const tensorflow = info.attempts.find((a) => a.backend === 'tensorflow');
    expect(tensorflow?.ok).toBe(false);
    expect(tensorflow?.reason).toMatch(/not installed/);
    expect(info.reason).toMatch(/WebAssembly/);
    expect(info.simd).toBe(true);
    expect(describeBackend(info)).toMatch(/^backend: wasm/);
  });

  it('honours options.backend and CNN_BACKEND', async () => {
    expect((await ready({ backend: 'cpu' })).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    process.env['CNN_BACKEND'] = 'wasm';
    const info = await ready();
    expect(info.backend).toBe('wasm');
    expect(info.reason).toMatch(/CNN_BACKEND/);
    delete process.env['CNN_BACKEND'];
  });

  it('a requested backend that is not installed is a clear error with the install command', async () => {
    const err = await ready({ backend: 'tensorflow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/npm install @tensorflow\/tfjs-node/);
    // The previous backend stays active after a failed request.
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects unknown backend names', async () => {
    await expect(ready({ backend: 'gpu' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    process.env['CNN_BACKEND'] = 'tpu';
    await expect(ready()).rejects.toThrow(/CNN_BACKEND/);
    delete process.env['CNN_BACKEND'];
  });

  it('knows CPU-drawn WebGL renderers (skipped by the browser order), and has no renderer in Node', () => {
    for (const r of ['ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)', 'Google SwiftShader', 'llvmpipe (LLVM 15.0.6, 256 bits)', 'Mesa softpipe', 'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11)']) {
      expect(isSoftwareRenderer(r), r).toBe(true);
    }
    for (const r of ['ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)', 'Apple M1', 'Mali-G78', 'Adreno (TM) 650', 'Mesa Intel(R) UHD Graphics 620 (KBL GT2)', '']) {
      expect(isSoftwareRenderer(r), r).toBe(false);
    }
    expect(webglRenderer()).toBe('');
  });
});
