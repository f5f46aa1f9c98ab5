/**
 * Demo 2: neural style transfer with @cnn/style's `stylize` on the current picture and the painting drawn
 * here: a progress bar over the iterations, a preview and the loss curve as it runs, and Cancel (an
 * AbortController whose signal `stylize` checks before every step).
 */
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, decodeImage, renderLinePlot, resizeImage } from '@cnn/ops';
import { stylize, type StepLosses } from '@cnn/style';
import { byId, errorMessage, nextTask, putRgb } from './dom.js';
import { styleFeatures } from './models.js';
import { drawPainting } from './painting.js';
import { currentPicture, onPictureChange, type Picture } from './picture.js';

/** Preview and loss curve are redrawn at most this often (each costs a read-back from the backend). */
const REDRAW_MS = 400;

let running: AbortController | undefined;

/** The picture as float RGB 0-255, its longer side `size` (at least 16 px each way, as stylize needs). */
async function contentImage(picture: Picture, size: number): Promise<tf.Tensor3D> {
  const { width, height } = picture.canvas;
  const scale = size / Math.max(width, height);
  const image = await decodeImage(picture.canvas, { dtype: 'float32' });
  const resized = resizeImage(image, [Math.max(16, Math.round(height * scale)), Math.max(16, Math.round(width * scale))]);
  image.dispose();
  return resized;
}

async function show(canvas: HTMLCanvasElement, image: tf.Tensor3D): Promise<void> {
  const unit = tf.tidy(() => tf.div(tf.clipByValue(image, 0, 255), 255) as tf.Tensor3D);
  try {
    await tf.browser.toPixels(unit, canvas);
  } finally {
    unit.dispose();
  }
}

function plot(losses: readonly StepLosses[], title: string): void {
  if (losses.length < 2) return;
  const x = losses.map((l) => l.step);
  const p = renderLinePlot(
    [
      { x, y: losses.map((l) => l.total), label: 'total J', color: [30, 60, 200] },
      { x, y: losses.map((l) => l.content), label: 'content', color: [20, 150, 40] },
      { x, y: losses.map((l) => l.style), label: 'style', color: [210, 40, 30] },
    ],
    { width: 480, height: 240, title, yScale: 'log', xLabel: 'step' },
  );
  putRgb(byId<HTMLCanvasElement>('style-loss'), p.pixels, p.width, p.height);
}

const fmt = (v: number) => (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(2) : v.toPrecision(3));

async function run(): Promise<void> {
  const section = byId('style-transfer');
  const runButton = byId<HTMLButtonElement>('style-run');
  const cancel = byId<HTMLButtonElement>('style-cancel');
  const progress = byId<HTMLProgressElement>('style-progress');
  const status = byId('style-status');
  const result = byId<HTMLCanvasElement>('style-result');
  const size = Number(byId<HTMLSelectElement>('style-size').value);
  const iterations = Math.max(1, Math.round(Number(byId<HTMLInputElement>('style-iterations').value) || 60));
  const controller = new AbortController();
  running = controller;
  runButton.disabled = true;
  cancel.disabled = false;
  progress.max = iterations;
  progress.value = 0;
  Object.assign(section.dataset, { state: 'running', step: '0', iterations: String(iterations) });
  for (const key of ['firstLoss', 'lastLoss', 'cancelledAtStep']) delete section.dataset[key];
  const losses: StepLosses[] = [];
  let content: tf.Tensor3D | undefined;
  let style: tf.Tensor3D | undefined;
  try {
    status.textContent = 'preparing…';
    content = await contentImage(currentPicture(), size);
    style = await decodeImage(drawPainting(size), { dtype: 'float32' });
    await show(byId('style-content'), content);
    await show(byId('style-painting'), style);
    const features = await styleFeatures();
    let drawn = 0;
    const r = await stylize(content, style, features, {
      iterations,
      signal: controller.signal,
      onStep: async (image, l) => {
        losses.push(l);
        progress.value = l.step;
        section.dataset['step'] = String(l.step);
        status.textContent = `step ${l.step}/${iterations}: total cost J = ${fmt(l.total)} (content ${fmt(l.content)}, style ${fmt(l.style)})`;
        if (performance.now() - drawn > REDRAW_MS) {
          await show(result, image);
          plot(losses, `Adam, ${size} px`);
          drawn = performance.now();
        }
        await nextTask(); // lets a Cancel click in before the next step
      },
    });
    await show(result, r.image);
    r.image.dispose();
    plot(r.losses, `Adam, ${size} px, ${tf.getBackend()}`);
    const first = r.losses[0]!.total;
    const last = r.losses.at(-1)!.total;
    Object.assign(section.dataset, { state: 'done', firstLoss: String(first), lastLoss: String(last), seconds: r.seconds.toFixed(2) });
    status.textContent = `done: ${r.losses.length} steps in ${r.seconds.toFixed(1)} s (${(r.losses.length / r.seconds).toFixed(1)} steps/s); total cost ${fmt(first)} → ${fmt(last)} (÷${(first / last).toFixed(1)})`;
  } catch (err) {
    if (err instanceof AbortedError) {
      section.dataset['state'] = 'cancelled';
      status.textContent = `cancelled at step ${losses.at(-1)?.step ?? 0} of ${iterations}`;
      plot(losses, `Adam, ${size} px, cancelled`);
    } else {
      section.dataset['state'] = 'error';
      status.textContent = `failed: ${errorMessage(err)}`;
      console.error(err);
    }
  } finally {
    tf.dispose([content, style].filter((t): t is tf.Tensor3D => t !== undefined));
    running = undefined;
    runButton.disabled = false;
    cancel.disabled = true;
  }
}

export function initStyleTransfer(): void {
  byId('style-run').addEventListener('click', () => void run());
  byId('style-cancel').addEventListener('click', () => {
    if (!running) return;
    running.abort();
    const section = byId('style-transfer');
    section.dataset['cancelledAtStep'] = section.dataset['step'] ?? '0';
    byId('style-status').textContent += ' — cancelling…';
  });
  const painting = byId<HTMLCanvasElement>('style-painting');
  const drawn = drawPainting(128);
  painting.width = drawn.width;
  painting.height = drawn.height;
  painting.getContext('2d')!.drawImage(drawn, 0, 0);
  onPictureChange(() => {
    if (byId('style-transfer').dataset['state'] !== 'running') byId('style-status').textContent = '';
  });
}
