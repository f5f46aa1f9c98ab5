/**
 * Where training pictures come from: a DetectionDataset (files on disk, read once and letterboxed to the
 * network input), an array of samples, or a generator called with a running sample index (e.g. freshly drawn
 * synthetic scenes). Every sample ends as a float32 [h, w, 3] 0-255 tensor of the network's input size with
 * its boxes in that tensor's pixels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, describeValue, letterbox, letterboxBoxes, readImage } from '@cnn/ops';
import type { DetectionDataset } from '../data/types.js';
import type { Scene } from '../data/synthetic-scenes.js';
import type { AugmentBox } from './augment.js';

/** RGB bytes (or 0-255 floats), row-major [height, width, 3]. */
export interface RawRgbImage {
  data: Uint8Array | Uint8ClampedArray | Float32Array;
  width: number;
  height: number;
}

export interface TrainingSample {
  /** 0-255 RGB: a [H, W, 3] tensor, or raw bytes. */
  image: tf.Tensor3D | RawRgbImage;
  /** Boxes in the image's pixels, 'xyxy'. `difficult` boxes are left out of training and ignored in mAP. */
  boxes: readonly { box: readonly [number, number, number, number] | readonly number[]; class: number; difficult?: boolean }[];
  /** A name for evaluation (default: its index). */
  id?: string;
}

/**
 * Training or validation pictures: a DetectionDataset, an array of samples, or a generator
 * `(index) => sample` (its tensors are disposed after use; an array's are not).
 */
export type SampleSource = DetectionDataset | readonly TrainingSample[] | ((index: number) => TrainingSample | Promise<TrainingSample>);

/** A synthetic scene (generateScene) as a training sample. */
export function sceneToSample(scene: Scene): TrainingSample {
  return {
    image: { data: scene.image, width: scene.width, height: scene.height },
    boxes: scene.objects.map((o) => ({ box: o.box, class: o.class })),
    id: `scene-${scene.seed}`,
  };
}

/** A prepared sample: float32 [h, w, 3] 0-255 at the input size (owned by whoever asked for it). */
export interface PreparedSample {
  image: tf.Tensor3D;
  boxes: AugmentBox[];
  id: string;
  /** Difficult boxes, kept apart for evaluation (network-input pixels). */
  difficult: AugmentBox[];
}

export interface SampleReader {
  /** Number of samples, or undefined for a generator. */
  size: number | undefined;
  classNames: string[] | undefined;
  get(index: number): Promise<PreparedSample>;
  dispose(): void;
}

function rawToTensor(raw: RawRgbImage, argument: string): tf.Tensor3D {
  const { data, width, height } = raw;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || !data || data.length !== width * height * 3) {
    throw new InvalidArgumentError(argument, 'RGB data of length width * height * 3', `${describeValue(data)} for ${width} x ${height}`);
  }
  return tf.tensor3d(data instanceof Float32Array ? data : Float32Array.from(data), [height, width, 3], 'float32');
}

function toBoxes(boxes: TrainingSample['boxes'], argument: string): { train: AugmentBox[]; difficult: AugmentBox[] } {
  if (!Array.isArray(boxes)) throw new InvalidArgumentError(argument, 'an array of { box: [x1, y1, x2, y2], class }', describeValue(boxes));
  const train: AugmentBox[] = [];
  const difficult: AugmentBox[] = [];
  boxes.forEach((b, i) => {
    const box = b?.box;
    if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new InvalidArgumentError(`${argument}[${i}].box`, '[x1, y1, x2, y2] in pixels', describeValue(box));
    }
    if (!Number.isInteger(b.class) || b.class < 0) throw new InvalidArgumentError(`${argument}[${i}].class`, 'a class index >= 0', describeValue(b.class));
    (b.difficult ? difficult : train).push({ box: [box[0]!, box[1]!, box[2]!, box[3]!], class: b.class });
  });
  return { train, difficult };
}

/** Fits an image and its boxes to the input size (letterbox when the size differs); consumes `image`. */
export function fitToInput(image: tf.Tensor3D, boxes: AugmentBox[], inputSize: readonly [number, number]): { image: tf.Tensor3D; boxes: AugmentBox[] } {
  const [h, w] = inputSize;
  if (image.shape[0] === h && image.shape[1] === w) return { image, boxes };
  const boxed = letterbox(image, [h, w], { fill: 114 });
  image.dispose();
  const mapped = boxes.length ? letterboxBoxes(boxes.map((b) => b.box), boxed.transform, 'xyxy') : [];
  return { image: boxed.image, boxes: boxes.map((b, i) => ({ box: mapped[i] as [number, number, number, number], class: b.class })) };
}

function prepare(image: tf.Tensor3D, boxes: TrainingSample['boxes'], id: string, inputSize: readonly [number, number], argument: string): PreparedSample {
  if (image.rank !== 3 || image.shape[2] !== 3) {
    image.dispose();
    throw new ShapeMismatchError(argument, `a sample image must be [height, width, 3], got [${image.shape.join(', ')}].`);
  }
  const { train, difficult } = toBoxes(boxes, `${argument}.boxes`);
  const float = image.dtype === 'float32' ? image : tf.tidy(() => tf.cast(image, 'float32') as tf.Tensor3D);
  if (float !== image) image.dispose();
  const fitTrain = fitToInput(float, [...train, ...difficult], inputSize);
  return { image: fitTrain.image, boxes: fitTrain.boxes.slice(0, train.length), difficult: fitTrain.boxes.slice(train.length), id };
}

/**
 * A reader over a sample source. A DetectionDataset's images are read from disk once (3 channels: grayscale
 * files are expanded to RGB) and kept letterboxed at the input size until dispose().
 */
export function sampleReader(source: SampleSource, inputSize: readonly [number, number], argument: string): SampleReader {
  if (typeof source === 'function') {
    return {
      size: undefined,
      classNames: undefined,
      async get(index) {
        const s = await source(index);
        if (s === null || typeof s !== 'object') throw new InvalidArgumentError(`${argument}(${index})`, 'a sample { image, boxes }', describeValue(s));
        const owned = s.image instanceof tf.Tensor;
        const img = owned ? (s.image as tf.Tensor3D) : rawToTensor(s.image as RawRgbImage, `${argument}(${index}).image`);
        return prepare(img, s.boxes, s.id ?? String(index), inputSize, `${argument}(${index})`);
      },
      dispose() {},
    };
  }
  if (Array.isArray(source)) {
    const samples = source as readonly TrainingSample[];
    return {
      size: samples.length,
      classNames: undefined,
      async get(index) {
        const s = samples[index % samples.length]!;
        const img = s.image instanceof tf.Tensor ? tf.clone(s.image as tf.Tensor3D) : rawToTensor(s.image as RawRgbImage, `${argument}[${index}].image`);
        return prepare(img, s.boxes, s.id ?? String(index), inputSize, `${argument}[${index}]`);
      },
      dispose() {},
    };
  }
  const dataset = source as DetectionDataset;
  if (dataset === null || typeof dataset !== 'object' || !Array.isArray(dataset.images) || !Array.isArray(dataset.classNames)) {
    throw new InvalidArgumentError(argument, 'a DetectionDataset, an array of samples, or a function (index) => sample', describeValue(source));
  }
  const cache = new Map<number, PreparedSample>();
  return {
    size: dataset.images.length,
    classNames: [...dataset.classNames],
    async get(index) {
      const i = index % dataset.images.length;
      let p = cache.get(i);
      if (!p) {
        const info = dataset.images[i]!;
        const img = await readImage(info.path, { channels: 3, dtype: 'float32' });
        p = prepare(img, info.boxes, info.id, inputSize, `${argument}.images[${i}]`);
        cache.set(i, p);
      }
      return { image: tf.clone(p.image), boxes: p.boxes.map((b) => ({ box: [...b.box], class: b.class })), difficult: p.difficult, id: p.id };
    },
    dispose() {
      for (const p of cache.values()) p.image.dispose();
      cache.clear();
    },
  };
}
