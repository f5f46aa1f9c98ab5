/**
 * Darknet YOLO as a detector: preprocess like darknet (RGB / 255; stretched to the network size with darknet's
 * align-corners bilinear resize_image, or letterboxed when the cfg says letter_box=1), predict, decode.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertTensor, decodeImage, describeValue, letterbox as letterboxImage, type ImageSource, type LetterboxTransform } from '@cnn/ops';
import { decodeYoloV3, type DecodeYoloV3Options, type YoloDetection } from './decode.js';
import { darknetModel, type DarknetMeta, type DarknetModel, type DarknetModelOptions } from './model.js';

export interface PreparedDarknetInput {
  /** [1, h, w, channels] float32 in [0, 1]. */
  input: tf.Tensor4D;
  /** Set when the image was letterboxed. */
  letterbox?: LetterboxTransform;
  /** Set when the image was stretched: the original [height, width]. */
  imageSize?: [number, number];
}

/**
 * Turns an [H, W, C] image (int32 or float32, 0-255) into the network input. `letterbox` (default: the cfg's
 * `letter_box`) pads with darknet's gray 0.5 instead of stretching. Spread the result (minus `input`) into
 * `decodeYoloV3`'s options to map boxes back. The image is not disposed; dispose `input` yourself.
 */
export function prepareDarknetInput(image: tf.Tensor3D, meta: Pick<DarknetMeta, 'inputSize' | 'channels' | 'letterbox'>, options: { letterbox?: boolean } = {}): PreparedDarknetInput {
  assertTensor(image, 'image', { rank: 3, dtype: ['int32', 'float32'] });
  if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.inputSize)) {
    throw new InvalidArgumentError('meta', 'the meta returned by darknetModel', describeValue(meta));
  }
  const [h, w] = meta.inputSize;
  const [ih, iw, c] = image.shape;
  if (c !== meta.channels) throw new InvalidArgumentError('image', `an [H, W, ${meta.channels}] image`, describeValue(image));
  if (ih < 1 || iw < 1) throw new InvalidArgumentError('image', 'an image of at least 1x1 pixel', describeValue(image));
  const useLetterbox = options.letterbox ?? meta.letterbox;
  if (useLetterbox) {
    const { image: boxed, transform } = letterboxImage(image, [h, w], { fill: 127.5 });
    const input = tf.tidy(() => tf.expandDims(tf.div(boxed, 255), 0) as tf.Tensor4D);
    boxed.dispose();
    return { input, letterbox: transform };
  }
  // darknet's resize_image samples with w_scale = (im.w - 1) / (w - 1): bilinear with aligned corners.
  const input = tf.tidy(() => {
    const x = tf.div(tf.cast(image, 'float32'), 255) as tf.Tensor3D;
    return tf.expandDims(ih === h && iw === w ? x : tf.image.resizeBilinear(x, [h, w], true), 0) as tf.Tensor4D;
  });
  return { input, imageSize: [ih, iw] };
}

export interface DarknetDetectorOptions extends DarknetModelOptions {
  /** Fold batch norm into the convolutions: default true here, a detector only infers and folded is faster. */
  foldBatchNorm?: boolean;
  /** The .cfg text. */
  cfg: string;
  /** The .weights bytes. */
  weights: ArrayBuffer | ArrayBufferView;
  /** Class names (e.g. the lines of coco.names). */
  labels?: readonly string[];
}

export interface DarknetDetectOptions extends Pick<DecodeYoloV3Options, 'scoreThreshold' | 'iouThreshold' | 'maxDetections'> {
  /** Letterbox instead of stretching (default: the cfg's letter_box). */
  letterbox?: boolean;
}

export interface DarknetDetector extends DarknetModel {
  labels: readonly string[] | undefined;
  /** Detects objects in an image ([H, W, 3] tensor 0-255, or anything @cnn/ops decodeImage reads). */
  detect(image: tf.Tensor3D | ImageSource, options?: DarknetDetectOptions): Promise<YoloDetection[]>;
}

/**
 * Loads a Darknet YOLO model (cfg text + weights bytes) as a detector and warms it up once. Batch norm is
 * folded into the convolutions unless `foldBatchNorm: false` (use `darknetModel` to train or fine-tune).
 *
 *     const detector = await loadDarknetDetector({ cfg, weights, labels });
 *     const found = await detector.detect('dog.jpg'); // [{ box, format: 'xyxy', score, class, label }]
 *     detector.dispose();
 */
export async function loadDarknetDetector(options: DarknetDetectorOptions): Promise<DarknetDetector> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { cfg, weights, labels? }', describeValue(options));
  const { cfg, weights, labels, ...modelOptions } = options;
  if (weights === undefined || weights === null) throw new InvalidArgumentError('options.weights', 'the bytes of a Darknet .weights file', describeValue(weights));
  const built = darknetModel(cfg, weights, { foldBatchNorm: true, ...modelOptions });
  const { model, meta } = built;
  if (meta.heads.length === 0) {
    built.dispose();
    throw new InvalidArgumentError('options.cfg', 'a cfg with [yolo] or [region] heads', 'a cfg without detection heads');
  }
  if (labels !== undefined && labels.length !== meta.classes) {
    built.dispose();
    throw new InvalidArgumentError('options.labels', `${meta.classes} class names (the cfg's classes)`, `${labels.length}`);
  }
  tf.tidy(() => {
    model.predict(tf.zeros([1, ...meta.inputSize, meta.channels]));
  });
  const detect = async (image: tf.Tensor3D | ImageSource, detectOptions: DarknetDetectOptions = {}): Promise<YoloDetection[]> => {
    const owned = !(image instanceof tf.Tensor);
    const pixels = image instanceof tf.Tensor ? image : await decodeImage(image, { channels: meta.channels === 1 ? 1 : 3 });
    let prepared: PreparedDarknetInput | undefined;
    let outputs: tf.Tensor[] = [];
    try {
      prepared = prepareDarknetInput(pixels, meta, detectOptions.letterbox === undefined ? {} : { letterbox: detectOptions.letterbox });
      const out = model.predict(prepared.input);
      outputs = Array.isArray(out) ? out : [out];
      const { input: _input, ...mapping } = prepared;
      return await decodeYoloV3(outputs, meta, {
        ...mapping,
        ...(labels ? { labels } : {}),
        ...(detectOptions.scoreThreshold !== undefined ? { scoreThreshold: detectOptions.scoreThreshold } : {}),
        ...(detectOptions.iouThreshold !== undefined ? { iouThreshold: detectOptions.iouThreshold } : {}),
        ...(detectOptions.maxDetections !== undefined ? { maxDetections: detectOptions.maxDetections } : {}),
      });
    } finally {
      tf.dispose(outputs);
      prepared?.input.dispose();
      if (owned) pixels.dispose();
    }
  };
  return { ...built, labels, detect };
}
