/**
 * @cnn/ops in a real browser (bundled by Vite, run in headless Chromium by ../browser-smoke.mjs): backend
 * selection order, the wasm training kernels, and image decoding from ImageData and a canvas.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { conv2d, decodeImage, detectEdges, isSoftwareRenderer, maxPool, ready, WASM_TRAINING_KERNELS, webglRenderer } from '@cnn/ops';

type Check = { name: string; ok: boolean; detail?: string };
const checks: Check[] = [];
const check = (name: string, ok: boolean, detail = '') => checks.push({ name, ok, detail });

async function main() {
  setWasmPaths('/wasm/');
  const auto = await ready();
  check('ready() picks a browser backend in order webgpu > webgl > wasm > cpu and says why', ['webgpu', 'webgl', 'wasm'].includes(auto.backend) && auto.platform === 'browser', `${auto.backend}: ${auto.reason}; tried ${auto.attempts.map((a) => `${a.backend}=${a.ok ? 'ok' : a.reason}`).join(', ')}`);
  const y = tf.tidy(() => conv2d(tf.ones([1, 9, 8, 1]) as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, { strides: 3, padding: 'same' }).dataSync());
  check(`conv2d on ${auto.backend}`, Array.from(y).every((v) => v === 4), Array.from(y).join(','));
  // This Chromium has no GPU: its WebGL is SwiftShader (drawn by the CPU), which the automatic order skips.
  const renderer = webglRenderer();
  if (isSoftwareRenderer(renderer)) {
    const skipped = auto.attempts.find((a) => a.backend === 'webgl');
    check('a CPU-drawn WebGL is skipped by the automatic choice, with the renderer named', auto.backend !== 'webgl' && skipped?.ok === false && skipped.reason.includes(renderer), `${renderer}; ${skipped?.reason}`);
    const gl = await ready({ backend: 'webgl' });
    const z = tf.tidy(() => conv2d(tf.ones([1, 9, 8, 1]) as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, { strides: 3, padding: 'same' }).dataSync());
    check('asked for by name, that WebGL still starts and computes', gl.backend === 'webgl' && Array.from(z).every((v) => v === 4), Array.from(z).join(','));
  } else {
    check('WebGL renderer (not a software one)', true, renderer || 'no WebGL');
  }

  const wasm = await ready({ backend: 'wasm' });
  check('wasm backend starts in the browser with the training kernels', wasm.backend === 'wasm' && WASM_TRAINING_KERNELS.every((k) => tf.getKernel(k, 'wasm') != null), `simd ${wasm.simd}, threads ${wasm.threads}`);
  const g = tf.tidy(() => {
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
    return Array.from(tf.grad((f: tf.Tensor) => tf.sum(maxPool(tf.relu(conv2d(x as tf.Tensor4D, f as tf.Tensor4D, { padding: "same" })) as tf.Tensor4D, 2)))(w).dataSync());
  });
  check('tf.grad through conv2d + relu + maxPool on wasm', g.length === 108 && g.every(Number.isFinite));

  const data = new Uint8ClampedArray(4 * 3 * 2);
  for (let i = 0; i < 6; i++) data.set([i * 40, 255 - i * 40, 7, 255], i * 4);
  const imageData = new ImageData(data, 3, 2);
  const fromImageData = await decodeImage(imageData);
  check('decodeImage(ImageData) -> [2, 3, 3] RGB', fromImageData.shape.join() === '2,3,3' && fromImageData.dataSync()[3] === 40, Array.from(fromImageData.dataSync()).join(','));
  const canvas = document.createElement('canvas');
  canvas.width = 3;
  canvas.height = 2;
  canvas.getContext('2d')!.putImageData(imageData, 0, 0);
  const fromCanvas = await decodeImage(canvas);
  check('decodeImage(canvas) equals decodeImage(ImageData)', Array.from(fromCanvas.dataSync()).join() === Array.from(fromImageData.dataSync()).join());
  const edges = detectEdges(fromCanvas);
  check('detectEdges in the browser', edges.shape.join() === '2,3,1');
  tf.dispose([fromImageData, fromCanvas, edges]);
  check('no tensors leaked', tf.memory().numTensors === 0, String(tf.memory().numTensors));
}

main()
  .catch((e: unknown) => check('no uncaught error', false, String((e as Error)?.stack ?? e)))
  .finally(() => {
    (window as unknown as { __results: Check[] }).__results = checks;
    document.getElementById('log')!.textContent = checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name} ${c.detail ?? ''}`).join('\n');
  });
