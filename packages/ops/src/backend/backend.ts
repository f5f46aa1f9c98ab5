/**
 * Backend selection. `ready()` picks the best backend available here and says which and why:
 * Node: tensorflow (tfjs-node-gpu, then tfjs-node) > wasm (with @cnn/ops training kernels) > cpu.
 * Browser: webgpu > webgl > wasm > cpu; a WebGL drawn by the CPU (SwiftShader, llvmpipe: browsers without a
 * usable GPU) is skipped, since wasm is 10-40x faster there. Override with `{ backend }` or CNN_BACKEND.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../core/register-core.js';
import { BackendUnavailableError, InvalidArgumentError } from '../errors/errors.js';
import { registerWasmTrainingKernels } from '../kernels/register-wasm-training-kernels.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu', 'webgl', 'webgpu'];

export interface BackendAttempt {
  backend: BackendName;
  /** npm package that provides it. */
  package: string;
  ok: boolean;
  reason: string;
}

export interface BackendInfo {
  /** The tfjs backend now active. */
  backend: BackendName;
  /** Why this one was chosen, in one sentence. */
  reason: string;
  /** Every candidate considered, in order. */
  attempts: BackendAttempt[];
  platform: 'node' | 'browser';
  /** Training kernels @cnn/ops registered for this backend (wasm only). */
  trainingKernels: string[];
  /** wasm only: SIMD and thread support. */
  simd?: boolean;
  threads?: number;
}

export interface ReadyOptions {
  /** Force a backend; default: `process.env.CNN_BACKEND` or the best available. */
  backend?: BackendName;
  /** Print the choice to the console (default false). */
  verbose?: boolean;
  /**
   * wasm only, browser: where the .wasm files are served from (passed to `setWasmPaths`). In a bundled app
   * that imports `@tensorflow/tfjs-backend-wasm` itself, call its `setWasmPaths` directly instead.
   */
  wasmPaths?: string | Record<string, string>;
  /** wasm only: number of threads (needs cross-origin isolation in browsers; experimental in Node). */
  wasmThreads?: number;
}

const PACKAGES: Record<BackendName, string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
  webgl: ['@tensorflow/tfjs-backend-webgl'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
};

/** Reads an environment variable in Node; undefined in browsers. */
export function envVar(name: string): string | undefined {
  return typeof process !== 'undefined' && process.env ? process.env[name] : undefined;
}

export function isNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node != null && typeof window === 'undefined';
}

/** Renderer names of WebGL implementations that run on the CPU. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/** True for a WebGL renderer name that is a CPU implementation (SwiftShader, llvmpipe, Microsoft Basic Render Driver). */
export function isSoftwareRenderer(renderer: string): boolean {
  return SOFTWARE_RENDERER.test(renderer);
}

/**
 * Browser: the WebGL renderer's name (e.g. 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device ...))'), from
 * WEBGL_debug_renderer_info where the browser allows it; '' without WebGL or outside a browser.
 */
export function webglRenderer(): string {
  if (typeof document === 'undefined' || typeof document.createElement !== 'function') return '';
  try {
    const canvas = document.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return '';
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext(); // browsers cap live contexts; give this one back
    return name;
  } catch {
    return '';
  }
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;
let pendingKey: string | undefined;

/** The BackendInfo of the last successful `ready()`, if any. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

// A variable specifier keeps bundlers from trying to resolve optional packages at build time.
async function importOptional(name: string): Promise<Record<string, unknown>> {
  const specifier = name;
  return (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
}

function isModuleNotFound(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === 'ERR_MODULE_NOT_FOUND' ||
    e?.code === 'MODULE_NOT_FOUND' ||
    (typeof e?.message === 'string' && e.message.includes(name) && /cannot find|could not resolve|failed to resolve|not found/i.test(e.message))
  );
}

function shortError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 200);
}

async function tryBackend(
  name: BackendName,
  opts: ReadyOptions,
): Promise<{ ok: true; pkg: string; extra: Partial<BackendInfo> } | { ok: false; pkg: string; reason: string; missing: boolean }> {
  const candidates = PACKAGES[name];
  let lastReason = 'not installed';
  let missing = true;
  for (const pkg of candidates) {
    try {
      // A backend the application registered itself (e.g. `import '@tensorflow/tfjs-backend-webgl'` in a
      // bundled web app) is used as is; otherwise the package is loaded by name. For wasm we still try to load
      // it (for setWasmPaths/setThreadsCount) and fall back to the registered backend if that fails.
      const registered = tf.findBackendFactory(name) != null;
      const mod = registered && name !== 'wasm' ? {} : await importOptional(pkg).catch((err: unknown) => {
        if (registered) return {};
        throw err;
      });
      const extra: Partial<BackendInfo> = {};
      if (name === 'wasm') {
        const setWasmPaths = mod['setWasmPaths'] as ((p: string | Record<string, string>) => void) | undefined;
        if (opts.wasmPaths && setWasmPaths) setWasmPaths(opts.wasmPaths);
        const threads = opts.wasmThreads ?? (envVar('CNN_WASM_THREADS') ? Number(envVar('CNN_WASM_THREADS')) : undefined);
        const setThreadsCount = mod['setThreadsCount'] as ((n: number) => void) | undefined;
        if (threads && setThreadsCount) setThreadsCount(threads);
      }
      if (tf.findBackendFactory(name) == null) {
        missing = false;
        lastReason = `${pkg} loaded but registered no '${name}' backend`;
        continue;
      }
      const ok = await tf.setBackend(name);
      if (!ok) {
        missing = false;
        lastReason = `${pkg} is installed but the '${name}' backend failed to initialize here`;
        continue;
      }
      await tf.ready();
      if (name === 'wasm') {
        extra.trainingKernels = registerWasmTrainingKernels();
        extra.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
        extra.threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? (opts.wasmThreads ?? 1) : 1;
      }
      return { ok: true, pkg, extra };
    } catch (err) {
      if (isModuleNotFound(err, pkg)) {
        lastReason = `${pkg} is not installed`;
      } else {
        missing = false;
        lastReason = `${pkg} failed to load: ${shortError(err)}`;
      }
    }
  }
  return { ok: false, pkg: candidates.join(' or '), reason: lastReason, missing };
}

function installHint(name: BackendName): string {
  const pkg = name === 'tensorflow' ? '@tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu for CUDA)' : PACKAGES[name][0]!;
  return `Install it with: npm install ${pkg}@4.22.0`;
}

const REASONS: Record<BackendName, string> = {
  tensorflow: 'native TensorFlow (libtensorflow) is the fastest backend in Node',
  wasm: 'WebAssembly (XNNPACK, SIMD) is the fastest backend that installs offline; @cnn/ops adds the training kernels it lacks',
  cpu: 'plain JavaScript always works but is ~30-100x slower than wasm on convolutions',
  webgl: 'WebGL runs on the GPU in most browsers',
  webgpu: 'WebGPU is the fastest browser backend where available',
};

/**
 * Picks and initializes the backend. Call once before using tensors; later calls return the same choice
 * unless a different backend is requested.
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendInfo> {
  const envChoice = envVar('CNN_BACKEND');
  const requested = options.backend ?? (envChoice ? (envChoice as BackendName) : undefined);
  if (requested !== undefined && !BACKEND_NAMES.includes(requested)) {
    throw new InvalidArgumentError(
      options.backend !== undefined ? 'options.backend' : 'CNN_BACKEND',
      `one of ${BACKEND_NAMES.map((b) => `'${b}'`).join(', ')}`,
      JSON.stringify(requested),
    );
  }
  const key = requested ?? 'auto';
  if (current && (requested === undefined || current.backend === requested) && tf.getBackend() === current.backend) {
    return current;
  }
  if (pending && pendingKey === key) return pending;
  pendingKey = key;
  pending = select(requested, options).finally(() => {
    pending = undefined;
    pendingKey = undefined;
  });
  return pending;
}

async function select(requested: BackendName | undefined, options: ReadyOptions): Promise<BackendInfo> {
  const platform = isNode() ? 'node' : 'browser';
  const order: BackendName[] = requested
    ? [requested]
    : platform === 'node'
      ? ['tensorflow', 'wasm', 'cpu']
      : ['webgpu', 'webgl', 'wasm', 'cpu'];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    if (!requested && name === 'webgl' && platform === 'browser') {
      const renderer = webglRenderer();
      if (isSoftwareRenderer(renderer)) {
        attempts.push({ backend: name, package: PACKAGES.webgl[0]!, ok: false, reason: `skipped: this browser draws WebGL on the CPU (${renderer}), where wasm is much faster; ask for it with { backend: 'webgl' }` });
        continue;
      }
    }
    const result = await tryBackend(name, options);
    if (result.ok) {
      attempts.push({ backend: name, package: result.pkg, ok: true, reason: 'initialized' });
      const reason = requested
        ? `requested by ${options.backend ? 'options.backend' : 'CNN_BACKEND'}`
        : attempts.length > 1
          ? `${REASONS[name]} (${attempts
              .filter((a) => !a.ok)
              .map((a) => `${a.backend}: ${a.reason}`)
              .join('; ')})`
          : REASONS[name];
      current = { backend: name, reason, attempts, platform, trainingKernels: [], ...result.extra };
      if (options.verbose) console.log(`[@cnn/ops] backend: ${name} — ${reason}`);
      return current;
    }
    attempts.push({ backend: name, package: result.pkg, ok: false, reason: result.reason });
    if (requested) {
      throw new BackendUnavailableError(
        name,
        `The '${name}' backend was requested (${options.backend ? 'options.backend' : 'CNN_BACKEND'}) but is not available: ${result.reason}. ${result.missing ? installHint(name) : ''}`.trim(),
      );
    }
  }
  throw new BackendUnavailableError(
    'any',
    `No tfjs backend could be initialized: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}. ${installHint('wasm')}`,
  );
}

let warnedNotReady = false;

/**
 * tfjs falls back to cpu silently when an op runs before `ready()` (wasm needs async start-up). Ops call
 * this so users hear about it once, with the fix, instead of training 100x slower without knowing why.
 */
export function warnIfNotReady(): void {
  if (warnedNotReady || current) return;
  const engine = tf.engine() as unknown as { backendName?: string | null };
  if (engine.backendName === 'cpu' && envVar('CNN_BACKEND') !== 'cpu') {
    warnedNotReady = true;
    console.warn("[@cnn/ops] running on tfjs-cpu because `await ready()` was not called first; it picks wasm (or native TensorFlow) when available, which is ~30-100x faster on convolutions. Set CNN_BACKEND=cpu to silence this.");
  }
}

/** A one-line description of the active backend for logs and demo output. */
export function describeBackend(info: BackendInfo | undefined = current): string {
  if (!info) return `backend: ${tf.getBackend()} (ready() not called)`;
  const extras = info.backend === 'wasm' ? ` [simd: ${info.simd ? 'yes' : 'no'}, threads: ${info.threads ?? 1}, training kernels: ${info.trainingKernels.length}]` : '';
  return `backend: ${info.backend}${extras} — ${info.reason}`;
}
