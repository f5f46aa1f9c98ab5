/**
 * The picture every demo works on: a generated scene of shapes (with its ground truth, from @cnn/yolo's
 * scene generator) or an image the user drops or chooses. Held in a canvas at its own size.
 */
import { generateScene, type Scene } from '@cnn/yolo';
import { byId, errorMessage, putRgb, wireDropZone } from './dom.js';

export interface Picture {
  /** The picture at its own size (large photos are scaled down to MAX_SIDE). */
  canvas: HTMLCanvasElement;
  /** What it is, for captions. */
  name: string;
  /** The generated scene, when it is one: its objects are the ground truth. */
  scene?: Scene;
}

/** The shapes detector's input size: scenes are drawn at the size it was trained on. */
export const SCENE_SIZE = 128;
/** Larger pictures are scaled down to this longer side (the detectors work at 128 and 416 px anyway). */
export const MAX_SIDE = 2048;

let current: Picture | undefined;
const listeners: ((p: Picture) => void)[] = [];

export function currentPicture(): Picture {
  if (!current) throw new Error('No picture yet');
  return current;
}

export function onPictureChange(listener: (p: Picture) => void): void {
  listeners.push(listener);
}

function show(picture: Picture, info: string): void {
  current = picture;
  const el = byId('picture-info');
  el.textContent = info;
  el.classList.remove('error');
  for (const l of listeners) l(picture);
}

export function useScene(seed: number): void {
  const scene = generateScene({ size: SCENE_SIZE, seed, minObjects: 2, maxObjects: 5 });
  const canvas = document.createElement('canvas');
  putRgb(canvas, scene.image, scene.width, scene.height);
  show({ canvas, name: `shapes scene, seed ${seed}`, scene }, `Generated shapes scene (seed ${seed}, ${scene.width}×${scene.height}, ${scene.objects.length} objects: ${scene.objects.map((o) => o.name).join(', ')}).`);
}

/** An image file drawn on a canvas at its own size (scaled down to MAX_SIDE), and that size in words. */
export async function readImageFile(file: File): Promise<{ canvas: HTMLCanvasElement; size: string }> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return { canvas, size: `${canvas.width}×${canvas.height}${scale < 1 ? `, scaled down from ${Math.round(canvas.width / scale)}×${Math.round(canvas.height / scale)}` : ''}` };
}

export async function useFile(file: File): Promise<void> {
  const info = byId('picture-info');
  try {
    const { canvas, size } = await readImageFile(file);
    show({ canvas, name: file.name }, `${file.name} (${size}).`);
  } catch (err) {
    info.textContent = `Cannot read ${file.name} as an image: ${errorMessage(err)}`;
    info.classList.add('error');
  }
}

/** Wires the drop zone, the file input and the scene button, and starts with a generated scene. */
export function initPicture(): void {
  const seed = byId<HTMLInputElement>('scene-seed');
  wireDropZone(byId('drop-zone'), byId<HTMLInputElement>('file-input'), ([file]) => void useFile(file!));
  byId('new-scene').addEventListener('click', () => useScene(Number(seed.value) || 0));
  useScene(Number(seed.value) || 0);
}
