/**
 * `@cnn/ops/testing`: helpers for numeric tests of tfjs code, in the spirit of tfjs-core's test_util and
 * tfjs-layers' expectNoLeakedTensors. Uses vitest's `expect`/`describe` (an optional peer dependency).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect } from 'vitest';
import { ready, type BackendName } from '../backend/backend.js';

export interface CloseOptions {
  /** Relative tolerance (default by backend precision: 1e-4 for 32-bit backends, 1e-2 for 16-bit GPUs). */
  rtol?: number;
  /** Absolute tolerance (default: same as rtol). */
  atol?: number;
}

/** Tolerance that fits the active backend's float precision. */
export function defaultTolerance(): number {
  const backend = tf.getBackend();
  if (backend === 'webgl' && tf.env().getNumber('WEBGL_VERSION') > 0 && !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) {
    return 1e-2;
  }
  return backend === 'webgl' || backend === 'webgpu' ? 1e-3 : 1e-4;
}

type Numeric = tf.Tensor | number | ArrayLike<number> | number[][] | number[][][] | number[][][][];

function flatten(x: Numeric): { values: Float64Array; shape?: number[] } {
  if (x instanceof tf.Tensor) return { values: Float64Array.from(x.dataSync() as ArrayLike<number>), shape: x.shape };
  if (typeof x === 'number') return { values: Float64Array.of(x) };
  if (Array.isArray(x)) return { values: Float64Array.from((x as unknown[]).flat(4) as number[]) };
  return { values: Float64Array.from(x as ArrayLike<number>) };
}

/**
 * Asserts |a - e| <= atol + rtol * |e| elementwise (numpy's allclose), and equal shapes when both are tensors.
 * Reports the worst element, its index and the max relative error.
 */
export function expectTensorsClose(actual: Numeric, expected: Numeric, options: CloseOptions = {}): void {
  const rtol = options.rtol ?? defaultTolerance();
  const atol = options.atol ?? rtol;
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.shape && e.shape) expect(a.shape, 'shape').toEqual(e.shape);
  expect(a.values.length, 'number of elements').toBe(e.values.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.values.length; i++) {
    const av = a.values[i]!;
    const ev = e.values[i]!;
    if (Number.isNaN(av) !== Number.isNaN(ev)) {
      worst = i;
      break;
    }
    if (Number.isNaN(ev) || av === ev) continue;
    const excess = Math.abs(av - ev) - (atol + rtol * Math.abs(ev));
    if (excess > worstExcess || (worst < 0 && excess > 0)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const av = a.values[worst]!;
    const ev = e.values[worst]!;
    throw new Error(
      `Tensors differ at flat index ${worst}: actual ${av}, expected ${ev} (|diff| ${Math.abs(av - ev).toExponential(3)} > atol ${atol} + rtol ${rtol} * |expected|); max relative error ${maxRelativeError(a.values, e.values).toExponential(3)}`,
    );
  }
}

/** max |a - e| / max(|e|, tiny) over all elements. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-6): number {
  let m = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), floor);
    if (d > m) m = d;
  }
  return m;
}

/**
 * Runs `fn` and asserts that it leaves no tensors behind (tf.memory().numTensors unchanged).
 * Returned tensors count as leaks unless `allowReturned` is set; then the tensors reachable from the
 * result are allowed (and left to the caller to dispose).
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>, options: { allowReturned?: boolean } = {}): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  if (options.allowReturned) {
    const tensors: tf.Tensor[] = [];
    collectTensors(result, tensors);
    const returned = tensors.length;
    const after = tf.memory().numTensors;
    expect(after - returned, `tensors leaked by the call (besides ${returned} returned)`).toBe(before);
  } else {
    expect(tf.memory().numTensors - before, 'tensors leaked by the call').toBe(0);
  }
  return result;
}

function collectTensors(value: unknown, out: tf.Tensor[], seen = new Set<unknown>()): void {
  if (value == null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (!value.isDisposed) out.push(value);
    return;
  }
  for (const v of Object.values(value as Record<string, unknown>)) collectTensors(v, out, seen);
}

/** Backends to run numeric suites on: `CNN_TEST_BACKENDS` (comma list) or wasm and cpu. */
export function testBackends(): BackendName[] {
  const env = typeof process !== 'undefined' ? process.env['CNN_TEST_BACKENDS'] : undefined;
  return (env ? env.split(',').map((s) => s.trim()) : ['wasm', 'cpu']) as BackendName[];
}

/**
 * `describe` once per backend, with that backend active for the suite:
 * `describeEachBackend('conv2d', (backend) => { it(...) })`.
 */
export function describeEachBackend(
  name: string,
  fn: (backend: BackendName) => void,
  backends: readonly BackendName[] = testBackends(),
): void {
  for (const backend of backends) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await ready({ backend });
      });
      fn(backend);
    });
  }
}

/** Runs `fn` with `backend` active, restoring the previous backend afterwards. */
export async function withBackend<T>(backend: BackendName, fn: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend() as BackendName;
  await ready({ backend });
  try {
    return await fn();
  } finally {
    if (previous && previous !== backend) await ready({ backend: previous });
  }
}

export interface ServedFolder {
  /** The folder's URL, ending in '/'. */
  url: string;
  /** Paths asked for, in order (e.g. '/net/model.json'). */
  hits: string[];
  close(): Promise<void>;
}

/**
 * Serves the files of `dir` over http on 127.0.0.1 (a free port), 404 for anything else: for tests of loaders
 * that take URLs. Node only (node:http is imported on call). Close it when done.
 */
export async function serveFolder(dir: string): Promise<ServedFolder> {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const { resolve, sep } = await import('node:path');
  const root = resolve(dir);
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.push(path);
    const file = resolve(root, `.${path}`);
    if (file !== root && !file.startsWith(root + sep)) return void res.writeHead(404).end();
    readFile(file).then(
      (bytes) => res.writeHead(200).end(bytes),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    hits,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
