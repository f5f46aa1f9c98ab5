/**
 * A trained YOLOv2-style model as a detector: letterbox the picture to the network input, divide by 255,
 * run the model, decode the head (decodeYoloV2: sigmoid/exp/softmax, threshold, NMS) and map the boxes back
 * to the picture. `save(dir)` writes model.json + weights and a detector.json (anchors, labels, input size);
 * `loadDetector(dir)` reads them back and gives the same detections.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, assertTensor, describeValue, fetchJson, fetchModel, fileSystem, folderUrl, isWeightsUrl, letterbox, writeFileAtomic, FileNotFoundError } from '@cnn/ops';
import { decodeYoloV2Async, type YoloV2Detection } from '../targets/decode-yolov2.js';
import { readAnchors, type Anchor } from '../targets/grid-spec.js';

export interface DetectorConfig {
  /** Anchor shapes [width, height] in grid cells, as the model was trained with. */
  anchors: readonly Anchor[];
  /** Class names, in class-index order (their count is the number of classes). */
  labels: readonly string[];
  /** [height, width] of the network input (default: the model's input shape). */
  inputSize?: readonly [number, number];
}

export interface DetectOptions {
  /** Keep detections scoring >= this (default 0.3). */
  scoreThreshold?: number;
  /** NMS IoU threshold (default 0.45). */
  iouThreshold?: number;
  /** At most this many detections (default 100). */
  maxDetections?: number;
}

export interface Detector {
  readonly model: tfl.LayersModel;
  readonly anchors: readonly Anchor[];
  readonly labels: readonly string[];
  readonly inputSize: readonly [number, number];
  /** Detections on `image` ([H, W, 3], 0-255, int32 or float32; not disposed), boxes in its pixels, 'xyxy'. */
  detect(image: tf.Tensor3D, options?: DetectOptions): Promise<YoloV2Detection[]>;
  /** Writes model.json, its weights and detector.json into `dir` (each file atomically). */
  save(dir: string): Promise<void>;
  dispose(): void;
}

/** What detector.json holds. */
export interface DetectorFile {
  format: 'cnn-yolo-detector';
  version: 1;
  anchors: Anchor[];
  labels: string[];
  inputSize: [number, number];
  /** How pixels are scaled before the model: 0-255 divided by 255. */
  normalize: 'divide255';
  /** Free-form facts about training (seeds, mAP, time). */
  info?: Record<string, unknown>;
}

function modelInputSize(model: tfl.LayersModel): [number, number] | undefined {
  const s = model.inputs[0]?.shape;
  return s && typeof s[1] === 'number' && typeof s[2] === 'number' ? [s[1], s[2]] : undefined;
}

/**
 * Wraps a YOLOv2-head model (output [batch, S, S, B, 5 + C], e.g. from yoloHead) as a detector. The model is
 * not copied: dispose() disposes it.
 *
 *     const detector = createDetector(model, { anchors, labels: ['sun', 'moon'] });
 *     const found = await detector.detect(await readImage('sky.png'), { scoreThreshold: 0.4 });
 */
export function createDetector(model: tfl.LayersModel, config: DetectorConfig, info?: Record<string, unknown>): Detector {
  if (!(model instanceof tfl.LayersModel)) throw new InvalidArgumentError('model', 'a tfjs-layers model with a YOLOv2 head', describeValue(model));
  if (config === null || typeof config !== 'object') throw new InvalidArgumentError('config', 'a config object { anchors, labels, inputSize? }', describeValue(config));
  const anchors = readAnchors(config.anchors, 'config.anchors');
  const labels = config.labels;
  if (!Array.isArray(labels) || labels.length === 0 || labels.some((l) => typeof l !== 'string')) {
    throw new InvalidArgumentError('config.labels', 'a non-empty array of class names', describeValue(labels));
  }
  const fromModel = modelInputSize(model);
  const inputSize = (config.inputSize ?? fromModel) as [number, number] | undefined;
  if (!inputSize || inputSize.length !== 2 || !inputSize.every((v) => Number.isInteger(v) && v > 0)) {
    throw new InvalidArgumentError('config.inputSize', '[height, width] of the network input (the model has no fixed input size)', describeValue(inputSize));
  }
  if (fromModel && (fromModel[0] !== inputSize[0] || fromModel[1] !== inputSize[1])) {
    throw new ShapeMismatchError('config.inputSize', `the model takes [${fromModel.join(', ')}], not [${inputSize.join(', ')}].`);
  }
  const out = model.outputs[0]?.shape;
  if (!out || out.length !== 5 || out[3] !== anchors.length || out[4] !== 5 + labels.length) {
    throw new ShapeMismatchError('model', `its output is [${out?.join(', ')}], expected [batch, S, S, ${anchors.length}, ${5 + labels.length}] for ${anchors.length} anchors and ${labels.length} labels (a yoloHead model).`);
  }
  let disposed = false;
  return {
    model,
    anchors,
    labels: [...labels],
    inputSize: [inputSize[0], inputSize[1]],
    async detect(image, options = {}) {
      if (disposed) throw new InvalidArgumentError('detector', 'a detector not yet disposed', 'a disposed detector');
      assertTensor(image, 'image', { rank: 3, dtype: ['int32', 'float32'] });
      if (image.shape[2] !== 3) throw new InvalidArgumentError('image', 'an RGB image [height, width, 3]', `shape [${image.shape.join(', ')}]`);
      if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { scoreThreshold?, iouThreshold?, maxDetections? }', describeValue(options));
      const boxed = letterbox(image, [inputSize[0], inputSize[1]], { fill: 114 });
      const raw = tf.tidy(() => model.predict(tf.expandDims(tf.div(boxed.image, 255), 0)) as tf.Tensor);
      boxed.image.dispose();
      try {
        return await decodeYoloV2Async(raw, {
          anchors,
          classes: labels.length,
          letterbox: boxed.transform,
          labels,
          scoreThreshold: options.scoreThreshold ?? 0.3,
          iouThreshold: options.iouThreshold ?? 0.45,
          maxDetections: options.maxDetections ?? 100,
        });
      } finally {
        raw.dispose();
      }
    },
    async save(dir) {
      if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('dir', 'a folder path', describeValue(dir));
      await model.save(fileSystem(dir));
      const file: DetectorFile = {
        format: 'cnn-yolo-detector',
        version: 1,
        anchors: anchors.map((a) => [a[0], a[1]] as Anchor),
        labels: [...labels],
        inputSize: [inputSize[0], inputSize[1]],
        normalize: 'divide255',
        ...(info ? { info } : {}),
      };
      const { join } = await import('node:path');
      await writeFileAtomic(join(dir, 'detector.json'), `${JSON.stringify(file, null, 2)}\n`);
    },
    dispose() {
      if (!disposed) model.dispose();
      disposed = true;
    },
  };
}

/** Reads detector.json (without the model), from a folder or, for a URL, fetched. */
export async function readDetectorFile(dir: string): Promise<DetectorFile> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('dir', 'a detector folder (model.json + detector.json)', describeValue(dir));
  let where: string;
  let file: DetectorFile;
  if (isWeightsUrl(dir)) {
    where = new URL('detector.json', folderUrl(dir)).href;
    file = (await fetchJson(where, { what: 'detector file' })) as DetectorFile;
  } else {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    where = join(dir, 'detector.json');
    let text: string;
    try {
      text = await readFile(where, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(where, 'detector.json', 'Save a detector with detector.save(dir).');
      throw err;
    }
    file = JSON.parse(text) as DetectorFile;
  }
  if (file?.format !== 'cnn-yolo-detector') throw new InvalidArgumentError(where, "a detector.json with format 'cnn-yolo-detector'", describeValue(file?.format));
  return file;
}

/**
 * Loads a detector saved with `detector.save(dir)`: the folder, or its http(s) URL (in a browser, any path
 * relative to the page; the weights through @cnn/ops `fetchModel`, shards beside model.json, byte counts checked).
 */
export async function loadDetector(dir: string): Promise<Detector> {
  const file = await readDetectorFile(dir);
  const model = await tfl.loadLayersModel(isWeightsUrl(dir) ? fetchModel(folderUrl(dir)) : fileSystem(dir));
  return createDetector(model, { anchors: file.anchors, labels: file.labels, inputSize: file.inputSize }, file.info);
}
