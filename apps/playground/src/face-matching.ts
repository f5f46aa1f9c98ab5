/**
 * Demo 3: face matching with @cnn/face. Every face of one or more photos goes through its FacePipeline (the
 * tiny face detector, 68 landmarks, dlib's face chip, the 128-number descriptor); the page shows the faces
 * numbered on their photos, the distance matrix picture (`renderDistanceMatrix`, the chips as thumbnails)
 * and each face's nearest other face, decided by `verify` at the package's euclidean threshold (0.6).
 * Progress: the model being loaded, then faces described; Cancel is an AbortController checked between faces.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, decodeImage, type Box } from '@cnn/ops';
import { FACE_API_MODEL_ID, defaultThreshold, distanceMatrix, renderDistanceMatrix, verify, type LandmarkPoint } from '@cnn/face';
import { byId, errorMessage, nextTask, putRgb, wireDropZone } from './dom.js';
import { faceDetector, faceEmbedder, faceLandmarker, facePipeline } from './models.js';
import { currentPicture, readImageFile } from './picture.js';

/** dlib's same-person threshold for its descriptor, euclidean (@cnn/face DEFAULT_THRESHOLDS). */
const THRESHOLD = defaultThreshold(FACE_API_MODEL_ID, 'euclidean');
/** Photos are shown at most this large (CSS pixels). */
const PHOTO_BOX = { width: 520, height: 400 };
/** The distance matrix picture is shown enlarged up to this width (CSS pixels). */
const MATRIX_MAX_WIDTH = 720;
const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#00a0a0', '#f032e6'];

interface Photo {
  name: string;
  canvas: HTMLCanvasElement;
}

interface Face {
  /** 1-based: photo by photo, left to right in each. */
  number: number;
  photo: number;
  box: Box;
  score: number;
  landmarks?: LandmarkPoint[];
  descriptor?: Float32Array;
}

let running: AbortController | undefined;

/** A photo scaled into PHOTO_BOX with each face's box, number and (once known) landmarks. */
function drawPhoto(photo: Photo, faces: readonly Face[]): HTMLElement {
  const scale = Math.min(1, PHOTO_BOX.width / photo.canvas.width, PHOTO_BOX.height / photo.canvas.height);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(photo.canvas.width * scale);
  canvas.height = Math.round(photo.canvas.height * scale);
  const g = canvas.getContext('2d')!;
  g.drawImage(photo.canvas, 0, 0, canvas.width, canvas.height);
  g.font = 'bold 15px system-ui, sans-serif';
  g.textBaseline = 'top';
  for (const f of faces) {
    const [x1, y1, x2, y2] = f.box.map((v) => v * scale) as [number, number, number, number];
    const color = COLORS[(f.number - 1) % COLORS.length]!;
    g.strokeStyle = color;
    g.lineWidth = 2.5;
    g.strokeRect(x1, y1, x2 - x1, y2 - y1);
    g.fillStyle = color;
    for (const p of f.landmarks ?? []) g.fillRect(p.x * scale - 1, p.y * scale - 1, 2, 2);
    const tag = String(f.number);
    const w = g.measureText(tag).width + 8;
    const ty = y1 >= 20 ? y1 - 20 : y1;
    g.fillRect(x1, ty, w, 20);
    g.fillStyle = '#fff';
    g.fillText(tag, x1 + 4, ty + 2);
  }
  const figure = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.textContent = `${photo.name}: ${faces.length === 0 ? 'no face' : `face${faces.length === 1 ? '' : 's'} ${faces.map((f) => f.number).join(', ')}`}`;
  figure.append(canvas, caption);
  return figure;
}

function showPhotos(photos: readonly Photo[], faces: readonly Face[]): void {
  byId('face-photos').replaceChildren(...photos.map((p, i) => drawPhoto(p, faces.filter((f) => f.photo === i))));
}

/** Each face's nearest other face and the verdict, as table rows (data-* attributes for tests and the curious). */
function listMatches(photos: readonly Photo[], faces: readonly Face[], matrix: readonly Float32Array[]): void {
  const rows = faces.map((f, i) => {
    const row = document.createElement('tr');
    let nearest = -1;
    for (let j = 0; j < faces.length; j++) if (j !== i && (nearest < 0 || matrix[i]![j]! < matrix[i]![nearest]!)) nearest = j;
    const other = faces[nearest];
    const v = other ? verify(f.descriptor!, other.descriptor!, { threshold: THRESHOLD }) : undefined;
    row.dataset['face'] = String(f.number);
    row.dataset['photo'] = String(f.photo);
    row.dataset['box'] = f.box.join(',');
    if (other && v) Object.assign(row.dataset, { nearest: String(other.number), distance: String(v.distance), same: String(v.verified) });
    const cells = [String(f.number), photos[f.photo]!.name, other ? `${other.number} (${photos[other.photo]!.name})` : 'no other face', v ? v.distance.toFixed(3) : '—', v ? (v.verified ? 'same person' : 'different') : '—'];
    for (const text of cells) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    if (v) row.lastElementChild!.className = v.verified ? 'same' : 'different';
    return row;
  });
  byId<HTMLTableElement>('face-matches').tBodies[0]!.replaceChildren(...rows);
}

function clearResults(): void {
  byId('face-photos').replaceChildren();
  byId('face-summary').textContent = '';
  byId<HTMLTableElement>('face-matches').tBodies[0]!.replaceChildren();
  const matrix = byId<HTMLCanvasElement>('face-matrix');
  matrix.hidden = true;
  delete matrix.dataset['distances'];
}

async function run(getPhotos: () => Promise<{ photos: Photo[]; skipped?: string[] }>): Promise<void> {
  const section = byId('face-matching');
  const status = byId('face-status');
  if (running) {
    status.textContent = 'still matching: wait for it or Cancel first';
    return;
  }
  const cancel = byId<HTMLButtonElement>('face-cancel');
  const usePicture = byId<HTMLButtonElement>('face-use-picture');
  const progress = byId<HTMLProgressElement>('face-progress');
  const summary = byId('face-summary');
  const controller = new AbortController();
  const check = () => {
    if (controller.signal.aborted) throw new AbortedError('face matching');
  };
  running = controller;
  cancel.disabled = false;
  usePicture.disabled = true;
  progress.hidden = false;
  progress.removeAttribute('value'); // indeterminate while loading
  clearResults();
  for (const key of ['faces', 'photos', 'pairs', 'cancelledAt']) delete section.dataset[key];
  Object.assign(section.dataset, { state: 'running', facesDone: '0' });
  const chips: tf.Tensor3D[] = [];
  let total = 0;
  let done = 0;
  try {
    status.textContent = 'reading the photos…';
    const { photos, skipped = [] } = await getPhotos();
    section.dataset['photos'] = String(photos.length);
    const t0 = performance.now();
    const loads = [
      ['the face detector', faceDetector],
      ["face-api's 68-point landmark net (0.4 MB)", faceLandmarker],
      ["dlib's face recognition net (6.4 MB)", faceEmbedder],
    ] as const;
    for (const [what, load] of loads) {
      status.textContent = `loading ${what}…`;
      await load();
      check();
    }
    const pipeline = await facePipeline();
    const loadMs = performance.now() - t0;

    // 1. Every face of every photo, numbered in that order.
    const t1 = performance.now();
    const faces: Face[] = [];
    for (const [p, photo] of photos.entries()) {
      status.textContent = `finding the faces in ${photo.name} (photo ${p + 1} of ${photos.length})…`;
      await nextTask();
      check();
      const image = await decodeImage(photo.canvas);
      try {
        const found = (await pipeline.detect(image)).sort((a, b) => a.box[0] - b.box[0]);
        for (const f of found) faces.push({ number: faces.length + 1, photo: p, box: f.box, score: f.score });
      } finally {
        image.dispose();
      }
    }
    total = faces.length;
    section.dataset['faces'] = String(total);
    showPhotos(photos, faces);
    progress.max = Math.max(1, total);
    progress.value = 0;

    // 2. Landmarks, face chip and descriptor of each face (one at a time, so progress and Cancel come between faces).
    for (const [p, photo] of photos.entries()) {
      const mine = faces.filter((f) => f.photo === p);
      if (mine.length === 0) continue;
      const image = await decodeImage(photo.canvas);
      try {
        for (const f of mine) {
          status.textContent = `describing face ${f.number} of ${total} (landmarks, face chip, descriptor)…`;
          await nextTask();
          check();
          const aligned = await pipeline.align(image, [f.box]);
          chips.push(...aligned.faces);
          [f.descriptor] = await pipeline.embedFaces(aligned.faces);
          f.landmarks = aligned.landmarks?.[0];
          progress.value = ++done;
          section.dataset['facesDone'] = String(done);
        }
      } finally {
        image.dispose();
      }
    }
    check();
    const seconds = (performance.now() - t1) / 1000;
    showPhotos(photos, faces);

    const where = photos.length === 1 ? photos[0]!.name : `${photos.length} photos`;
    if (total === 0) {
      summary.textContent = `No face found in ${where}.`;
    } else {
      const matrix = distanceMatrix(faces.map((f) => f.descriptor!));
      const labels = faces.map((f) => String(f.number));
      const picture = renderDistanceMatrix(matrix, { threshold: THRESHOLD, rowLabels: labels, colLabels: labels, rowImages: chips, colImages: chips, title: 'face distances', excludeSelf: true });
      const canvas = byId<HTMLCanvasElement>('face-matrix');
      putRgb(canvas, picture.pixels, picture.width, picture.height);
      // Its 5×7 pixel font reads better enlarged (whole pixels, see style.css) while it fits.
      canvas.style.width = `${picture.width * Math.max(1, Math.min(2, Math.floor(MATRIX_MAX_WIDTH / picture.width)))}px`;
      canvas.dataset['distances'] = JSON.stringify(matrix.map((row) => Array.from(row)));
      canvas.hidden = false;
      listMatches(photos, faces, matrix);
      const pairs: string[] = [];
      for (let i = 0; i < total; i++) for (let j = i + 1; j < total; j++) if (matrix[i]![j]! <= THRESHOLD) pairs.push(`${i + 1} & ${j + 1} (${matrix[i]![j]!.toFixed(2)})`);
      section.dataset['pairs'] = String(pairs.length);
      summary.textContent =
        `${total} face${total === 1 ? '' : 's'} in ${where}. ` +
        (total === 1 ? 'Drop more photos to compare it with other faces.' : pairs.length === 0 ? `No two of them are closer than ${THRESHOLD}: all different people.` : `The same person (distance ≤ ${THRESHOLD}): ${pairs.join(', ')}; every other pair is farther apart.`);
    }
    if (skipped.length > 0) summary.textContent += ` Left out (not images): ${skipped.join(', ')}.`;
    status.textContent = `done: ${total} face${total === 1 ? '' : 's'} in ${seconds.toFixed(1)} s${loadMs > 5 ? ` (+ ${(loadMs / 1000).toFixed(1)} s loading the models)` : ''}, ${tf.getBackend()}`;
    section.dataset['state'] = 'done';
  } catch (err) {
    if (err instanceof AbortedError) {
      section.dataset['state'] = 'cancelled';
      status.textContent = `cancelled${total > 0 ? ` after ${done} of ${total} faces` : ''}`;
    } else {
      section.dataset['state'] = 'error';
      status.textContent = `failed: ${errorMessage(err)}`;
      console.error(err);
    }
  } finally {
    tf.dispose(chips);
    running = undefined;
    cancel.disabled = true;
    usePicture.disabled = false;
    progress.hidden = true;
  }
}

/** The dropped or chosen files that are images, and the others (named in the summary). */
async function readPhotos(files: readonly File[]): Promise<{ photos: Photo[]; skipped: string[] }> {
  const photos: Photo[] = [];
  const unreadable: string[] = [];
  for (const file of files) {
    try {
      photos.push({ name: file.name, canvas: (await readImageFile(file)).canvas });
    } catch (err) {
      unreadable.push(`${file.name} (${errorMessage(err)})`);
    }
  }
  if (photos.length === 0) throw new Error(`none of the files is an image: ${unreadable.join(', ')}`);
  return { photos, skipped: unreadable };
}

export function initFaceMatching(): void {
  byId('face-threshold').textContent = String(THRESHOLD);
  wireDropZone(byId('face-drop'), byId<HTMLInputElement>('face-files'), (files) => void run(() => readPhotos(files)));
  byId('face-use-picture').addEventListener('click', () => {
    const picture = currentPicture();
    void run(async () => ({ photos: [{ name: picture.name, canvas: picture.canvas }] }));
  });
  byId('face-cancel').addEventListener('click', () => {
    if (!running) return;
    running.abort();
    const section = byId('face-matching');
    section.dataset['cancelledAt'] = section.dataset['facesDone'] ?? '0';
    byId('face-status').textContent += ' — cancelling…';
  });
}
