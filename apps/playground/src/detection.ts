/**
 * Demo 1: detection. The shapes detector and the tiny face detector from @cnn/yolo on the current picture;
 * boxes drawn on a canvas and listed; on a generated scene, compared with its ground truth.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { decodeImage, iou } from '@cnn/ops';
import { byId, errorMessage, nextTask } from './dom.js';
import { faceDetector, shapesDetector } from './models.js';
import { currentPicture, onPictureChange, type Picture } from './picture.js';

type Kind = 'shapes' | 'faces';

interface Found {
  label: string;
  score: number;
  /** Picture pixels, x1, y1, x2, y2. */
  box: [number, number, number, number];
  class: number;
}

type Detect = (image: tf.Tensor3D, scoreThreshold: number) => Promise<Found[]>;

/** Each detector as one function: loaded once (models.ts), results as plain rows. */
const DETECTORS: Record<Kind, () => Promise<{ name: string; detect: Detect }>> = {
  shapes: async () => {
    const d = await shapesDetector();
    return { name: d.model.name, detect: async (image, scoreThreshold) => (await d.detect(image, { scoreThreshold })).map((f) => ({ label: f.label, score: f.score, box: [...f.box] as Found['box'], class: f.class })) };
  },
  faces: async () => {
    const d = await faceDetector();
    return { name: d.model.name, detect: async (image, scoreThreshold) => (await d.detect(image, { scoreThreshold })).map((f) => ({ label: 'face', score: f.score, box: [...f.box] as Found['box'], class: 0 })) };
  },
};

const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#00a0a0', '#f032e6'];

/** Small pictures (the 128 px scenes) are shown enlarged, large ones fit the page. */
function displayScale(picture: Picture): number {
  const side = Math.max(picture.canvas.width, picture.canvas.height);
  return side <= 256 ? Math.floor(384 / side) || 1 : Math.min(1, 720 / picture.canvas.width);
}

function draw(picture: Picture, found: readonly Found[] = []): void {
  const out = byId<HTMLCanvasElement>('detect-canvas');
  const scale = displayScale(picture);
  out.width = Math.round(picture.canvas.width * scale);
  out.height = Math.round(picture.canvas.height * scale);
  const g = out.getContext('2d')!;
  g.imageSmoothingEnabled = scale < 1;
  g.drawImage(picture.canvas, 0, 0, out.width, out.height);
  g.font = 'bold 13px system-ui, sans-serif';
  g.textBaseline = 'top';
  for (const f of found) {
    const [x1, y1, x2, y2] = f.box.map((v) => v * scale) as [number, number, number, number];
    const color = COLORS[f.class % COLORS.length]!;
    g.strokeStyle = color;
    g.lineWidth = 2.5;
    g.strokeRect(x1, y1, x2 - x1, y2 - y1);
    const tag = `${f.label} ${f.score.toFixed(2)}`;
    const w = g.measureText(tag).width + 6;
    const ty = y1 >= 17 ? y1 - 17 : y1;
    g.fillStyle = color;
    g.fillRect(x1, ty, w, 17);
    g.fillStyle = '#fff';
    g.fillText(tag, x1 + 3, ty + 2);
  }
}

function list(found: readonly Found[]): void {
  const body = byId<HTMLTableElement>('detections').tBodies[0]!;
  body.replaceChildren(
    ...found.map((f, i) => {
      const row = document.createElement('tr');
      row.dataset['label'] = f.label;
      row.dataset['score'] = String(f.score);
      row.dataset['box'] = f.box.join(',');
      for (const text of [String(i + 1), f.label, f.score.toFixed(3), f.box.map((v) => v.toFixed(1)).join(', ')]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
}

/** How the shapes found compare with a generated scene's objects (each detection counts once, as in mAP). */
function compareWithTruth(picture: Picture, found: readonly Found[]): string {
  const objects = picture.scene?.objects ?? [];
  const used = new Set<number>();
  for (const o of objects) {
    const k = found.findIndex((d, j) => !used.has(j) && d.class === o.class && iou(d.box, o.box) >= 0.5);
    if (k >= 0) used.add(k);
  }
  return ` Ground truth: ${objects.length} objects (${objects.map((o) => o.name).join(', ')}); ${used.size} of them found (same class, IoU ≥ 0.5), ${found.length - used.size} false detections.`;
}

async function run(kind: Kind): Promise<void> {
  const section = byId('detection');
  const buttons = [byId<HTMLButtonElement>('detect-shapes'), byId<HTMLButtonElement>('detect-faces')];
  const progress = byId<HTMLProgressElement>('detect-progress');
  const status = byId('detect-status');
  const summary = byId('detect-summary');
  const threshold = Number(byId<HTMLInputElement>('score-threshold').value) || 0.5;
  section.dataset['state'] = 'running';
  section.dataset['kind'] = kind;
  buttons.forEach((b) => (b.disabled = true));
  progress.hidden = false;
  summary.textContent = '';
  try {
    const picture = currentPicture();
    status.textContent = `loading the ${kind === 'shapes' ? 'shapes' : 'face'} detector…`;
    let t0 = performance.now();
    const detector = await DETECTORS[kind]();
    const loadMs = performance.now() - t0;
    status.textContent = 'detecting…';
    await nextTask();
    t0 = performance.now();
    const image = await decodeImage(picture.canvas);
    let found: Found[];
    try {
      found = await detector.detect(image, threshold);
    } finally {
      image.dispose();
    }
    const ms = performance.now() - t0;
    draw(picture, found);
    list(found);
    const what = kind === 'shapes' ? 'shapes' : 'faces';
    summary.textContent =
      `${found.length} ${found.length === 1 ? what.slice(0, -1) : what} found in ${picture.name} (score ≥ ${threshold}).` +
      (kind === 'shapes' && picture.scene ? compareWithTruth(picture, found) : '') +
      (kind === 'faces' && picture.scene ? ' (A generated scene has no faces: drop a photo.)' : '');
    status.textContent = `${ms.toFixed(0)} ms${loadMs > 5 ? ` (+ ${loadMs.toFixed(0)} ms loading the model)` : ''}, ${detector.name}`;
    section.dataset['count'] = String(found.length);
    section.dataset['state'] = 'done';
  } catch (err) {
    status.textContent = `failed: ${errorMessage(err)}`;
    section.dataset['state'] = 'error';
    console.error(err);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    progress.hidden = true;
  }
}

export function initDetection(): void {
  byId('detect-shapes').addEventListener('click', () => void run('shapes'));
  byId('detect-faces').addEventListener('click', () => void run('faces'));
  onPictureChange((picture) => {
    draw(picture);
    list([]);
    byId('detect-summary').textContent = '';
    byId('detect-status').textContent = '';
    byId('detection').dataset['state'] = 'idle';
  });
}
