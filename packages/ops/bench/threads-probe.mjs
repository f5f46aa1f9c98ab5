// Stretch: does tfjs-wasm's threaded build run in Node if we force WASM_HAS_MULTITHREAD_SUPPORT?
import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
wasm.setThreadsCount(2);
try {
  await tf.setBackend('wasm'); await tf.ready();
  console.log('threads', wasm.getThreadsCount?.());
  const x = tf.randomNormal([8, 56, 56, 64]); const f = tf.randomNormal([3, 3, 64, 64]);
  const y0 = tf.conv2d(x, f, 1, 'same'); await y0.data(); y0.dispose();
  const t0 = performance.now(); for (let i = 0; i < 3; i++) { const y = tf.conv2d(x, f, 1, 'same'); await y.data(); y.dispose(); }
  console.log('fwd ms', ((performance.now() - t0) / 3).toFixed(1));
} catch (e) { console.log('FAILED', e.message.slice(0, 300)); }
process.exit(0);
