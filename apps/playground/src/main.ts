/**
 * The CNN for All playground. Thin on purpose: the backend comes from @cnn/ops `ready()`, the models and
 * every number from @cnn/yolo, @cnn/style and @cnn/face; this file and its siblings only wire them to the page.
 */
import * as tf from '@tensorflow/tfjs-core';
// The bundle registers every browser backend it carries; ready() then picks webgpu > webgl > wasm > cpu.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_NAMES, isSoftwareRenderer, ready, webglRenderer, type BackendName } from '@cnn/ops';
import { initDetection } from './detection.js';
import { initFaceMatching } from './face-matching.js';
import { byId, errorMessage } from './dom.js';
import { pageUrl } from './models.js';
import { initPicture } from './picture.js';
import { initStyleTransfer } from './style-transfer.js';

/** For the end-to-end test and the curious: the live tensor count (a leak shows as growth). */
declare global {
  interface Window {
    __playground?: { numTensors: () => number; backend: () => string };
  }
}

function showError(message: string): void {
  const el = byId('page-error');
  el.hidden = false;
  el.textContent = message;
}

async function main(): Promise<void> {
  // tfjs-backend-wasm fetches its .wasm files at run time; vite.config.ts serves them from wasm/.
  setWasmPaths(pageUrl('wasm/'));
  const asked = new URLSearchParams(location.search).get('backend');
  const backend = asked && (BACKEND_NAMES as readonly string[]).includes(asked) ? (asked as BackendName) : undefined;
  const panel = byId('backend');
  try {
    const info = await ready(backend ? { backend } : {});
    byId('backend-name').textContent = `${info.backend}${info.backend === 'wasm' ? ` (SIMD ${info.simd ? 'yes' : 'no'}, ${info.threads ?? 1} thread${info.threads === 1 ? '' : 's'})` : ''}`;
    byId('backend-reason').textContent = `— ${info.reason}`;
    byId('backend-attempts').replaceChildren(
      ...info.attempts.map((a) => {
        const li = document.createElement('li');
        li.dataset['backend'] = a.backend;
        li.dataset['ok'] = String(a.ok);
        li.textContent = `${a.backend}: ${a.ok ? 'yes' : 'no'} — ${a.reason}`;
        return li;
      }),
    );
    // ready() skips a CPU-drawn WebGL (SwiftShader) on its own; asked for with ?backend=webgl, say what it costs
    // (a detection takes 3 s instead of 0.1 s on wasm).
    const renderer = info.backend === 'webgl' ? webglRenderer() : '';
    if (isSoftwareRenderer(renderer)) {
      const hint = document.createElement('p');
      const link = document.createElement('a');
      link.href = '?backend=wasm';
      link.textContent = 'wasm';
      hint.id = 'backend-hint';
      hint.append(`This browser draws WebGL on the CPU (${renderer}): `, link, ' is faster here.');
      panel.append(hint);
    }
    panel.dataset['backend'] = info.backend;
    panel.dataset['state'] = 'ready';
  } catch (err) {
    panel.dataset['state'] = 'error';
    byId('backend-name').textContent = 'none';
    showError(`No TensorFlow.js backend could start: ${errorMessage(err)}`);
    return;
  }
  window.__playground = { numTensors: () => tf.memory().numTensors, backend: () => tf.getBackend() };
  initDetection();
  initStyleTransfer();
  initFaceMatching();
  initPicture();
  document.body.dataset['ready'] = 'true';
}

window.addEventListener('unhandledrejection', (e) => showError(`Unexpected error: ${errorMessage(e.reason)}`));
window.addEventListener('error', (e) => showError(`Unexpected error: ${e.message}`));
void main();
