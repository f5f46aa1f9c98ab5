/**
 * Lazily decoded, batched image data for training (Keras' `image_dataset_from_directory` pipeline): images
 * are decoded only when their batch is loaded, so memory holds the batch being used plus `prefetch` batches
 * being loaded, however large the data set. Each epoch is shuffled from (seed, epoch), and augmentation gets a
 * generator seeded from (seed, epoch, step), so a run is reproducible whatever the timing of the prefetches.
 *
 *   const { classNames, items } = await readImageFolder('flowers');
 *   const batches = createBatches(items, { batchSize: 32, imageSize: [224, 224], augment: augmentation({ flip: 'horizontal' }) });
 *   for (let e = 0; e < 10; e++) {
 *     for await (const { x, y, dispose } of batches) { await model.trainOnBatch(x, y); dispose(); }
 *   }
 *   batches.dispose();
 */
import * as tf from '@tensorflow/tfjs-core';
import { CnnError, InvalidArgumentError, decodeImage, describeValue, resizeImage } from '@cnn/ops';
import type { Augment } from './augment-common.js';
import type { ImageLoader } from './color-pca.js';
import { mixSeed, seededRandom, shuffleInPlace } from './random.js';

/** One batch. It belongs to the caller: call `dispose()` (or dispose x and y) when done with it. */
export interface ImageBatch {
  /** [b, h, w, channels] float32, 0-255 (augmented when `augment` is set). */
  x: tf.Tensor4D;
  /** [b, numClasses] float32 one-hot labels. */
  y: tf.Tensor2D;
  /** Class index of each image. */
  labels: number[];
  /** File of each image. */
  paths: string[];
  epoch: number;
  step: number;
  /** Disposes x and y. */
  dispose(): void;
}

export interface CreateBatchesOptions {
  /** Images per batch (the last one may be smaller unless dropRemainder). Default 32. */
  batchSize?: number;
  /** [height, width] every image is resized to. Default [256, 256], as Keras. */
  imageSize?: [number, number];
  /** Length of the one-hot labels. Default: the largest label + 1 (pass it for a split that may lack a class). */
  numClasses?: number;
  /** Shuffle every epoch (from seed and epoch). Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles and of the augmentation generators. Default 0. */
  seed?: number;
  /** Applied to each batch [b, h, w, c] with a generator seeded by (seed, epoch, step). Default none. */
  augment?: Augment;
  /**
   * Keep every resized image in memory after its first decode (faster epochs, memory grows with the data
   * set: n * h * w * channels * 4 bytes). Default false.
   */
  cacheDecoded?: boolean;
  /** Batches loaded ahead while the current one is in use. Default 1. */
  prefetch?: number;
  /** Resize method ('bilinear' with half-pixel centers, as TF2's tf.image.resize). Default 'bilinear'. */
  resize?: 'bilinear' | 'nearest';
  /** Center-crop each image to the aspect ratio of imageSize before resizing, as Keras' crop_to_aspect_ratio. Default false. */
  cropToAspectRatio?: boolean;
  /** 3 (RGB; grayscale images are repeated) or 1 (gray). Default 3. */
  channels?: 1 | 3;
  /** Drop the last batch when it is smaller than batchSize. Default false. */
  dropRemainder?: boolean;
  /** How to load an image, [h, w, 1 | 3 | 4] 0-255 (e.g. a fetch in a browser). Default decodeImage(path, { channels, dtype: 'float32' }). */
  decode?: ImageLoader;
}

const AUGMENT_STREAM = 0x61756701; // keeps augmentation seeds apart from shuffle seeds

function positiveInteger(value: unknown, argument: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidArgumentError(argument, `an integer >= ${min}`, describeValue(value));
  return value;
}

function booleanOption(value: unknown, argument: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(argument, 'a boolean', describeValue(value));
  return value;
}

/** Lazily decoded batches of image items; iterate with `for await` (one epoch per loop), then `dispose()`. */
export class ImageBatches implements AsyncIterable<ImageBatch> {
  readonly size: number;
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  readonly numClasses: number;
  readonly imageSize: [number, number];
  readonly channels: 1 | 3;
  /** Images decoded so far (counts every decode; with cacheDecoded each image once). */
  decodeCount = 0;
  private readonly items: { path: string; label: number }[];
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly augment: Augment | undefined;
  private readonly prefetch: number;
  private readonly resize: 'bilinear' | 'nearest';
  private readonly cropToAspectRatio: boolean;
  private readonly decode: ImageLoader;
  private readonly cache: Map<number, tf.Tensor3D> | undefined;
  private readonly active = new Set<Promise<ImageBatch>[]>();
  private nextEpochIndex = 0;
  private disposed = false;

  constructor(items: readonly { path: string; label: number }[], options: CreateBatchesOptions = {}) {
    if (!Array.isArray(items) || items.length === 0) throw new InvalidArgumentError('items', 'a non-empty array of { path, label } items', describeValue(items));
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
    let maxLabel = 0;
    this.items = items.map((item, i) => {
      const { path, label } = (item ?? {}) as { path?: unknown; label?: unknown };
      if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError(`items[${i}].path`, 'a non-empty string', describeValue(path));
      if (typeof label !== 'number' || !Number.isInteger(label) || label < 0) throw new InvalidArgumentError(`items[${i}].label`, 'an integer >= 0', describeValue(label));
      maxLabel = Math.max(maxLabel, label);
      return { path, label };
    });
    this.size = this.items.length;
    this.batchSize = positiveInteger(options.batchSize ?? 32, 'options.batchSize');
    this.numClasses = positiveInteger(options.numClasses ?? maxLabel + 1, 'options.numClasses');
    if (maxLabel >= this.numClasses) {
      throw new InvalidArgumentError('options.numClasses', `more than the largest label (${maxLabel})`, String(this.numClasses));
    }
    const imageSize = options.imageSize ?? [256, 256];
    if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((v) => Number.isInteger(v) && v >= 1)) {
      throw new InvalidArgumentError('options.imageSize', '[height, width], integers >= 1', describeValue(imageSize));
    }
    this.imageSize = [imageSize[0], imageSize[1]];
    this.shuffle = booleanOption(options.shuffle ?? true, 'options.shuffle');
    const seed = options.seed ?? 0;
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new InvalidArgumentError('options.seed', 'a finite number', describeValue(seed));
    this.seed = seed;
    if (options.augment !== undefined && typeof options.augment !== 'function') {
      throw new InvalidArgumentError('options.augment', 'an augmentation function (batch, random) => batch, e.g. augmentation({ flip: "horizontal" })', describeValue(options.augment));
    }
    this.augment = options.augment;
    this.prefetch = positiveInteger(options.prefetch ?? 1, 'options.prefetch', 0);
    const resize = options.resize ?? 'bilinear';
    if (resize !== 'bilinear' && resize !== 'nearest') throw new InvalidArgumentError('options.resize', "'bilinear' or 'nearest'", describeValue(resize));
    this.resize = resize;
    this.cropToAspectRatio = booleanOption(options.cropToAspectRatio ?? false, 'options.cropToAspectRatio');
    const channels = options.channels ?? 3;
    if (channels !== 1 && channels !== 3) throw new InvalidArgumentError('options.channels', '1 or 3', describeValue(channels));
    this.channels = channels;
    const dropRemainder = booleanOption(options.dropRemainder ?? false, 'options.dropRemainder');
    this.stepsPerEpoch = dropRemainder ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
    if (this.stepsPerEpoch === 0) {
      throw new InvalidArgumentError('options.batchSize', `at most the number of items (${this.size}) with dropRemainder`, String(this.batchSize));
    }
    if (options.decode !== undefined && typeof options.decode !== 'function') {
      throw new InvalidArgumentError('options.decode', 'a function (path) => Promise<Tensor3D>', describeValue(options.decode));
    }
    this.decode = options.decode ?? ((path) => decodeImage(path, { channels, dtype: 'float32' }));
    this.cache = booleanOption(options.cacheDecoded ?? false, 'options.cacheDecoded') ? new Map() : undefined;
  }

  /** The epoch the next `for await` runs (0 first, then 1, ...). */
  get nextEpoch(): number {
    return this.nextEpochIndex;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Item indices in the order epoch `epoch` visits them. */
  order(epoch: number): number[] {
    positiveInteger(epoch, 'epoch', 0);
    const indices = Array.from({ length: this.size }, (_, i) => i);
    return this.shuffle ? shuffleInPlace(indices, seededRandom(mixSeed(this.seed, epoch))) : indices;
  }

  /** Iterates the next epoch (and advances nextEpoch). */
  [Symbol.asyncIterator](): AsyncIterator<ImageBatch> {
    return this.epoch(this.nextEpochIndex++);
  }

  /** Iterates epoch `index` (its shuffle and augmentation depend only on seed and index). */
  async *epoch(index: number = this.nextEpochIndex++): AsyncGenerator<ImageBatch, void, undefined> {
    this.assertLive();
    const order = this.order(index);
    const queue: Promise<ImageBatch>[] = [];
    this.active.add(queue);
    let next = 0;
    const launch = () => {
      if (next >= this.stepsPerEpoch || this.disposed) return;
      const p = this.loadBatch(order, index, next++);
      p.catch(() => undefined); // awaited later; a failure must not surface as an unhandled rejection first
      queue.push(p);
    };
    try {
      for (let k = 0; k <= this.prefetch; k++) launch();
      while (queue.length > 0) {
        const batch = await queue.shift()!;
        if (this.disposed) {
          batch.dispose();
          break;
        }
        yield batch;
        launch();
      }
    } finally {
      this.active.delete(queue);
      drain(queue);
    }
  }

  /**
   * Frees the cache and any prefetched batches, and ends running iterations; batches already handed out stay
   * the caller's. Iterating afterwards throws.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const queue of this.active) drain(queue);
    this.active.clear();
    if (this.cache) {
      for (const t of this.cache.values()) t.dispose();
      this.cache.clear();
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new CnnError('INVALID_ARGUMENT', 'These ImageBatches were disposed; create new ones with createBatches.');
  }

  private async loadBatch(order: readonly number[], epoch: number, step: number): Promise<ImageBatch> {
    const indices = order.slice(step * this.batchSize, Math.min((step + 1) * this.batchSize, this.size));
    const images: tf.Tensor3D[] = [];
    const owned: boolean[] = [];
    try {
      for (const i of indices) {
        const cached = this.cache?.get(i);
        if (cached && !cached.isDisposed) {
          images.push(cached);
          owned.push(false);
          continue;
        }
        const image = await this.loadImage(this.items[i]!.path);
        if (this.cache && !this.disposed) {
          this.cache.set(i, image);
          owned.push(false);
        } else {
          owned.push(true);
        }
        images.push(image);
      }
      const labels = indices.map((i) => this.items[i]!.label);
      const b = indices.length;
      const [x, y] = tf.tidy(() => {
        let x = tf.stack(images) as tf.Tensor4D;
        if (this.augment) {
          const augmented = this.augment(x, seededRandom(mixSeed(this.seed, epoch, step, AUGMENT_STREAM)));
          if (!(augmented instanceof tf.Tensor) || augmented.rank !== 4 || augmented.shape[0] !== b) {
            throw new InvalidArgumentError('options.augment', `a function returning a batch [${b}, h, w, c]`, `one that returned ${describeValue(augmented)}`);
          }
          x = (augmented.dtype === 'float32' ? augmented : tf.cast(augmented, 'float32')) as tf.Tensor4D;
        }
        // One-hot built here: tf.oneHot refuses depth 1, and a one-class set is legal (e.g. one folder to score).
        const oneHot = new Float32Array(b * this.numClasses);
        labels.forEach((label, i) => (oneHot[i * this.numClasses + label] = 1));
        const y = tf.tensor2d(oneHot, [b, this.numClasses]);
        return [x, y] as const;
      });
      return {
        x,
        y,
        labels,
        paths: indices.map((i) => this.items[i]!.path),
        epoch,
        step,
        dispose: () => {
          x.dispose();
          y.dispose();
        },
      };
    } finally {
      images.forEach((image, k) => {
        if (owned[k]) image.dispose();
      });
    }
  }

  /** Decodes one file to a float32 [h, w, channels] tensor of imageSize; the full-size decode is freed at once. */
  private async loadImage(path: string): Promise<tf.Tensor3D> {
    this.decodeCount++;
    const decoded = await this.decode(path);
    try {
      if (!(decoded instanceof tf.Tensor) || decoded.rank !== 3 || ![1, 3, 4].includes(decoded.shape[2]!)) {
        throw new InvalidArgumentError('options.decode', `a loader returning an image [h, w, 1 | 3 | 4] for '${path}'`, `one that returned ${describeValue(decoded)}`);
      }
      const [targetH, targetW] = this.imageSize;
      return tf.tidy(() => {
        // Float from the start (no int32 + float32 copies of a full-size photo), then crop and resize before
        // any channel conversion, so at most one full-size image is alive per load.
        let image = (decoded.dtype === 'float32' ? decoded : tf.cast(decoded, 'float32')) as tf.Tensor3D;
        if (image.shape[2] === 4) image = tf.slice(image, [0, 0, 0], [-1, -1, 3]);
        let [h, w] = image.shape;
        if (this.cropToAspectRatio && h * targetW !== w * targetH) {
          // Largest centered window with the target aspect ratio (Keras' smart_resize).
          const cropH = Math.min(h, Math.max(1, Math.round((w * targetH) / targetW)));
          const cropW = Math.min(w, Math.max(1, Math.round((h * targetW) / targetH)));
          image = tf.slice(image, [Math.floor((h - cropH) / 2), Math.floor((w - cropW) / 2), 0], [cropH, cropW, -1]);
          [h, w] = [cropH, cropW];
        }
        if (h !== targetH || w !== targetW) image = resizeImage(image, [targetH, targetW], { method: this.resize, halfPixelCenters: true });
        const c = image.shape[2];
        if (this.channels === 3 && c === 1) image = tf.tile(image, [1, 1, 3]);
        if (this.channels === 1 && c === 3) image = tf.sum(tf.mul(image, tf.tensor1d([0.299, 0.587, 0.114])), 2, true); // BT.601 luma
        return image === decoded ? tf.clone(image) : image;
      });
    } finally {
      if (decoded instanceof tf.Tensor) decoded.dispose();
    }
  }
}

/** Disposes the batches of a prefetch queue once they settle. */
function drain(queue: Promise<ImageBatch>[]): void {
  for (const p of queue.splice(0)) p.then((batch) => batch.dispose(), () => undefined);
}

/** Lazily decoded batches of { path, label } items (see ImageBatches). */
export function createBatches(items: readonly { path: string; label: number }[], options: CreateBatchesOptions = {}): ImageBatches {
  return new ImageBatches(items, options);
}
