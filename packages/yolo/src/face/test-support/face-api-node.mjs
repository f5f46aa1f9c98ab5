/**
 * Runs @vladmandic/face-api's own TinyFaceDetector in Node, on our tfjs-core and our backend, for
 * comparisons (integration test, bench). Test/bench support only, never shipped.
 *
 * Why a shim: `dist/face-api.node-wasm.js` (CJS) does `require('@tensorflow/tfjs')` — the umbrella package,
 * which is not installed here (only tfjs-core, -layers and the backends are) — plus
 * `require('@tensorflow/tfjs-backend-wasm')`, which resolves to the same file our backend comes from. So we
 * answer `@tensorflow/tfjs` with the caller's tfjs-core module while face-api loads, and add the few
 * chained tensor methods (`x.as3D(...)`, `x.div(...)`, ...) the umbrella would have registered and
 * face-api's tensor path calls. The ESM builds are no better: `face-api.esm.js` bundles a second tfjs,
 * `face-api.esm-nobundle.js` imports `@tensorflow/tfjs/dist/index.js` and tfjs-backend-webgl.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** The installed face-api package folder (a devDependency of @cnn/yolo). */
export const FACE_API_DIR = dirname(require.resolve('@vladmandic/face-api/package.json'));

const CHAINED = ['abs', 'add', 'argMax', 'cast', 'clipByValue', 'concat', 'div', 'exp', 'expandDims', 'gather', 'greater', 'leakyRelu', 'log', 'matMul',
  'max', 'maxPool', 'mean', 'min', 'mul', 'neg', 'pad', 'relu', 'reshape', 'round', 'sigmoid', 'slice', 'softmax', 'sqrt', 'square', 'squeeze',
  'sub', 'sum', 'tile', 'transpose', 'unstack'];

function addChainedOps(tf) {
  const proto = tf.Tensor.prototype;
  const add = (name, fn) => {
    if (!(name in proto)) Object.defineProperty(proto, name, { value: fn, configurable: true, writable: true });
  };
  for (const name of CHAINED) if (typeof tf[name] === 'function') add(name, function (...args) { this.throwIfDisposed(); return tf[name](this, ...args); });
  for (const name of ['as1D', 'as2D', 'as3D', 'as4D', 'as5D']) add(name, function (...shape) { this.throwIfDisposed(); return tf.reshape(this, shape); });
  add('asType', function (dtype) { return tf.cast(this, dtype); });
  add('toFloat', function () { return tf.cast(this, 'float32'); });
}

let loaded;

/**
 * face-api's module, loaded on `tf` (the caller's `@tensorflow/tfjs-core` namespace). The caller selects the
 * backend (e.g. @cnn/ops `ready({ backend: 'wasm' })`) before running it.
 */
export function loadFaceApiModule(tf) {
  if (loaded) return loaded;
  addChainedOps(tf);
  const Module = require('node:module');
  const shimPath = join(here, '__tfjs-umbrella-shim__.cjs');
  const shim = new Module(shimPath);
  shim.filename = shimPath;
  shim.loaded = true;
  shim.exports = tf;
  require.cache[shimPath] = shim;
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === '@tensorflow/tfjs' ? shimPath : original.call(this, request, ...rest);
  };
  try {
    loaded = require(join(FACE_API_DIR, 'dist/face-api.node-wasm.js'));
  } finally {
    Module._resolveFilename = original;
  }
  return loaded;
}

/**
 * face-api's TinyFaceDetector with its own weights: `detect(image, { inputSize, scoreThreshold })` ->
 * `[{ box: [x1, y1, x2, y2], score }]` in image pixels, face-api's order (by score).
 */
export async function createFaceApiTinyFaceDetector(tf) {
  const faceapi = loadFaceApiModule(tf);
  const net = new faceapi.TinyFaceDetector();
  await net.loadFromDisk(join(FACE_API_DIR, 'model'));
  return {
    faceapi,
    net,
    async detect(image, { inputSize = 416, scoreThreshold = 0.5 } = {}) {
      const found = await net.locateFaces(image, new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold }));
      return found.map((d) => ({ box: [d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height], score: d.score }));
    },
    dispose() {
      net.dispose();
    },
  };
}
