/**
 * Experimental (bench only): lets tfjs-backend-wasm's threaded SIMD build start in Node. tfjs creates the
 * Emscripten pthread workers from blob: URLs, which Node's worker_threads refuse. We hand it a temp file
 * instead, holding the same worker script plus a shim that turns the main-script Blob the worker receives
 * into a temp file before Emscripten's importScripts reads it. tfjs also caps the pool at
 * os.cpus().length / 2 (it assumes 2 hyperthreads per core), so os.cpus is stretched during start-up.
 * Call before the wasm backend initializes; call the function it returns once it has.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);

const SHIM = `
;(() => {
  const fs = require('fs'), path = require('path'), os = require('os');
  const original = self.onmessage;
  let queue = null;
  self.onmessage = (e) => {
    if (queue) { queue.push(e); return; }
    const blob = e.data && e.data.cmd === 'load' && typeof e.data.urlOrBlob !== 'string' ? e.data.urlOrBlob : null;
    if (!blob) { original(e); return; }
    queue = [];
    blob.text().then((text) => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-main-')), 'main.js');
      // The factory was serialized with toString(): re-create the bundle-level names it closes over.
      const prelude = "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;";
      fs.writeFileSync(file, prelude + text);
      e.data.urlOrBlob = file;
      original(e);
      const rest = queue; queue = null;
      for (const m of rest) self.onmessage(m);
    });
  };
})();
`;

export function enableNodeWasmThreads(threads) {
  const wasmPkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const { wasmWorkerContents } = require(join(wasmPkg, '..', 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'));
  const dir = mkdtempSync(join(tmpdir(), 'tfjs-wasm-worker-'));
  const workerFile = join(dir, 'worker.cjs');
  // As tfjs does before making its Blob: the template literal turned the script's \n escapes into newlines.
  writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n') + SHIM);
  const createObjectURL = URL.createObjectURL;
  // Only the worker script goes through createObjectURL on the main thread (the main script stays a Blob).
  URL.createObjectURL = () => workerFile;
  const os = require('node:os');
  const cpus = os.cpus;
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  return (setThreadsCount) => {
    setThreadsCount(threads);
    return () => {
      URL.createObjectURL = createObjectURL;
      os.cpus = cpus;
    };
  };
}
