/**
 * The export bundle: one folder a user copies to wherever the classifier runs.
 *
 *   model.json + model.weights.*.bin   the classifier (preprocessed pictures -> probabilities), tfjs layers
 *                                      format, written crash-safe by @cnn/ops' fileSystem handler
 *   labels.json                        class names, class i at index i
 *   classifier.json                    architecture, cut layer, input size, preprocessing, head, training summary
 *
 * classifier.json is written last (atomically): a folder with it is complete. `loadClassifier(dir)` gives back
 * a Classifier whose `classify(picture)` predicts exactly what the saved one did; `dir` may also be the URL of
 * the folder served over http(s) (in a browser, any path is one), e.g. `loadClassifier('/models/signs/')`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { FileNotFoundError, InvalidArgumentError, WeightsMismatchError, WeightsNotFoundError, describeValue, fetchJson, fetchModel, fileSystem, folderUrl, isWeightsUrl, writeFileAtomic } from '@cnn/ops';
import { Backbone, type BackboneInfo } from './backbone.js';
import { Classifier, HEAD_LAYER_PREFIX, type HeadConfig, type TrainingRunSummary } from './classifier.js';
import { describePreprocessing, readPreprocessing, type Preprocessing } from './preprocessing.js';

/** classifier.json */
export interface ClassifierFile {
  format: 'cnn-transfer-classifier';
  version: 1;
  labels: string[];
  /** [height, width, channels] pictures are resized to (null: any size). */
  inputSize: [number | null, number | null, number];
  preprocessing: Preprocessing;
  /** Human-readable preprocessing, for people reading the file. */
  preprocessingDescription: string;
  backbone: BackboneInfo;
  head: HeadConfig;
  /** Model output: probabilities from softmax or sigmoid. */
  output: 'probabilities';
  training: TrainingRunSummary[];
  params: { total: number; trainable: number };
  savedAt: string;
  generatedBy: string;
}

const BUNDLE_HINT = 'Pass the folder saveClassifier() wrote (it holds classifier.json, labels.json and model.json).';

/** Where a bundle's files are read from: a folder on disk, or a URL (fetched). */
interface BundleSource {
  /** The file's path or URL, for messages. */
  where(name: string): string;
  json<T>(name: string, what: string): Promise<T>;
  model(): Promise<tfl.LayersModel>;
}

function parseJson<T>(text: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new WeightsMismatchError(`'${where}' is not valid JSON (${(err as Error).message}).`);
  }
}

async function bundleSource(dir: string): Promise<BundleSource> {
  if (isWeightsUrl(dir)) {
    const base = folderUrl(dir);
    const where = (name: string) => new URL(name, base).href;
    return {
      where,
      json: async <T>(name: string, what: string) =>
        (await fetchJson(where(name), { what }).catch((err: unknown) => {
          if (err instanceof WeightsNotFoundError) throw new WeightsNotFoundError(err.id, err.searched, `${err.message} Pass the URL of the folder saveClassifier() wrote (it serves classifier.json, labels.json and model.json).`, { cause: err });
          throw err;
        })) as T,
      // @cnn/ops' fetchModel: shards must sit beside model.json, byte counts checked before decoding.
      model: () => tfl.loadLayersModel(fetchModel(where('model.json'))),
    };
  }
  const { join } = await import('node:path');
  const { readFile } = await import('node:fs/promises');
  return {
    where: (name) => join(dir, name),
    json: async <T>(name: string, what: string) => {
      const file = join(dir, name);
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new FileNotFoundError(file, what, BUNDLE_HINT) : err;
      });
      return parseJson<T>(text, file);
    },
    model: () => tfl.loadLayersModel(fileSystem(dir)),
  };
}

/** Writes the classifier to `dir` (created if needed; other files in it stay). */
export async function saveClassifier(classifier: Classifier, dir: string): Promise<ClassifierFile> {
  if (!(classifier instanceof Classifier)) throw new InvalidArgumentError('classifier', 'a Classifier', describeValue(classifier));
  if (classifier.isDisposed) throw new InvalidArgumentError('classifier', 'a live classifier', 'a disposed one');
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('dir', 'a folder path', describeValue(dir));
  const { join } = await import('node:path');
  const info = classifier.backbone.info();
  const file: ClassifierFile = {
    format: 'cnn-transfer-classifier',
    version: 1,
    labels: [...classifier.labels],
    inputSize: info.inputShape,
    preprocessing: info.preprocessing,
    preprocessingDescription: describePreprocessing(info.preprocessing),
    backbone: info,
    head: { ...classifier.head },
    output: 'probabilities',
    training: classifier.trainingRuns.map((r) => ({ ...r })),
    params: { total: classifier.model.countParams(), trainable: classifier.trainableParams() },
    savedAt: new Date().toISOString(),
    generatedBy: '@cnn/transfer',
  };
  await classifier.model.save(fileSystem(dir));
  await writeFileAtomic(join(dir, 'labels.json'), `${JSON.stringify(file.labels, null, 1)}\n`);
  await writeFileAtomic(join(dir, 'classifier.json'), `${JSON.stringify(file, null, 1)}\n`);
  return file;
}

/**
 * Reads a folder written by saveClassifier: a path on disk, or the folder's URL (http(s); in a browser any
 * path, relative to the page). The classifier owns its weights: dispose() it when done.
 */
export async function loadClassifier(dir: string): Promise<Classifier> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('dir', 'a folder path or URL', describeValue(dir));
  const source = await bundleSource(dir);
  const meta = await source.json<ClassifierFile>('classifier.json', 'classifier file');
  if (meta?.format !== 'cnn-transfer-classifier') throw new WeightsMismatchError(`'${source.where('classifier.json')}' is not a @cnn/transfer classifier (format ${describeValue(meta?.format)}).`);
  const labels = await source.json<string[]>('labels.json', 'labels file');
  if (!Array.isArray(labels) || labels.length !== meta.head.classes) throw new WeightsMismatchError(`'${source.where('labels.json')}' must list ${meta.head.classes} class names, it holds ${describeValue(labels)}.`);
  const preprocessing = readPreprocessing(meta.preprocessing, 'classifier.json preprocessing');
  const model = await source.model();
  try {
    const headLayers = model.layers.filter((l) => l.name.startsWith(HEAD_LAYER_PREFIX));
    const first = headLayers[0];
    const logitsLayer = headLayers.find((l) => l.name === `${HEAD_LAYER_PREFIX}logits`);
    if (!first || !logitsLayer) throw new WeightsMismatchError(`The model in '${dir}' has no '${HEAD_LAYER_PREFIX}*' head layers: it was not saved by saveClassifier.`);
    const outShape = model.outputs[0]!.shape;
    if (outShape[1] !== labels.length) throw new WeightsMismatchError(`The model in '${dir}' outputs ${outShape[1]} classes, labels.json lists ${labels.length}.`);
    const features = first.input as tfl.SymbolicTensor;
    const backboneModel = tfl.model({ inputs: model.inputs, outputs: features, name: `${model.name}_backbone` });
    const logitsModel = tfl.model({ inputs: model.inputs, outputs: logitsLayer.output as tfl.SymbolicTensor, name: `${model.name}_logits` });
    // The head again, on a features input (same layers, so the same weights), for training on cached features.
    const featureInput = tfl.input({ shape: features.shape.slice(1) as number[], name: `${HEAD_LAYER_PREFIX}features` });
    let y = featureInput;
    for (const l of headLayers) {
      y = l.apply(y) as tfl.SymbolicTensor;
      if (l === logitsLayer) break;
    }
    const headLogits = tfl.model({ inputs: featureInput, outputs: y, name: `${model.name}_head` });
    const info: BackboneInfo = { ...meta.backbone, preprocessing, inputShape: meta.inputSize };
    const backbone = new Backbone(backboneModel, info, []);
    const classifier = new Classifier({ model, logitsModel, headLogits, backbone, labels, head: meta.head });
    classifier.trainingRuns.push(...(meta.training ?? []));
    return classifier;
  } catch (err) {
    model.dispose();
    throw err;
  }
}
