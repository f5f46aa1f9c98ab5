/**
 * `weights: 'imagenet'`: the official Keras application weights, by their Keras file names, download
 * addresses and the md5 `file_hash` Keras publishes (Keras checks md5, so do we; MobileNet files have none
 * published). Files are found through `resolveWeights` (CNN_WEIGHTS_PATH, the cache, then one download);
 * an offline user is told the exact file name, address and folder. The ImageNet class index
 * (`imagenet_class_index.json`, Keras' sorted-wnid order) resolves the same way.
 */
import { InvalidArgumentError, registerWeights, resolveWeights, type ResolveOptions } from '@cnn/ops';

const KERAS = 'https://storage.googleapis.com/tensorflow/keras-applications/';

/** Builders that have published Keras ImageNet weights, by the name their options are validated under. */
export const KERAS_IMAGENET_MODELS = ['VGG16', 'VGG19', 'ResNet50', 'ResNet101', 'ResNet152', 'InceptionV3', 'MobileNet', 'MobileNetV2'] as const;
export type KerasImagenetModel = (typeof KERAS_IMAGENET_MODELS)[number];

export interface KerasWeightsFile {
  /** Keras' file name (also the id `resolveWeights` looks for). */
  file: string;
  url: string;
  /** Keras' published md5 `file_hash`, when Keras publishes one. */
  md5?: string;
}

const FIXED: Record<string, [top: KerasWeightsFile, notop: KerasWeightsFile]> = {};
function add(model: string, folder: string, stem: string, md5Top: string, md5NoTop: string): void {
  const file = (suffix: string) => `${stem}_weights_tf_dim_ordering_tf_kernels${suffix}.h5`;
  FIXED[model] = [
    { file: file(''), url: `${KERAS}${folder}/${file('')}`, md5: md5Top },
    { file: file('_notop'), url: `${KERAS}${folder}/${file('_notop')}`, md5: md5NoTop },
  ];
}
add('VGG16', 'vgg16', 'vgg16', '64373286793e3c8b2b4e3219cbf3544b', '6d6bbae143d832006294945121d1f1fc');
add('VGG19', 'vgg19', 'vgg19', 'cbe5617147190e668d6c5d5026f83318', '253f8cb515780f3b799900260a226db6');
add('ResNet50', 'resnet', 'resnet50', '2cb95161c43110f7111970584f804107', '4d473c1dd8becc155b73f8504c6f6626');
add('ResNet101', 'resnet', 'resnet101', 'f1aeb4b969a6efcfb50fad2f0c20cfc5', '88cf7a10940856eca736dc7b7e228a21');
add('ResNet152', 'resnet', 'resnet152', '100835be76be38e30d865e96f2aaae62', 'ee4c566cf9a93f14d82f913c2dc6dd0c');
add('InceptionV3', 'inception_v3', 'inception_v3', '9a0d58056eeedaa3f26cb7ebd46da564', 'bcbd6486424b2319ff4ef7d526e38f63');

const MOBILENET_ALPHAS: Record<string, string> = { '1': '1_0', '0.75': '7_5', '0.5': '5_0', '0.25': '2_5' };
const MOBILENET_ROWS = [128, 160, 192, 224];
const MOBILENET_V2_ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4];
const MOBILENET_V2_ROWS = [96, 128, 160, 192, 224];

/** Python's str(float(alpha)): 1 -> '1.0', 0.5 -> '0.5', 0.35 -> '0.35'. */
const pyFloat = (a: number) => (Number.isInteger(a) ? a.toFixed(1) : String(a));

/**
 * The Keras ImageNet weights file for a builder. MobileNet needs `alpha` and `rows` (the input size; Keras
 * uses the 224 files when the size is not one it publishes and includeTop is false).
 */
export function kerasImagenetWeights(model: KerasImagenetModel, includeTop: boolean, extra: { alpha?: number; rows?: number | null } = {}): KerasWeightsFile {
  const fixed = FIXED[model];
  if (fixed) return fixed[includeTop ? 0 : 1];
  const alpha = extra.alpha ?? 1;
  if (model === 'MobileNet') {
    const alphaText = MOBILENET_ALPHAS[String(alpha)];
    if (!alphaText) throw new InvalidArgumentError('options.alpha', "one of 0.25, 0.5, 0.75, 1 with weights: 'imagenet' (the sizes Keras publishes)", String(alpha));
    const rows = pickRows(extra.rows ?? null, MOBILENET_ROWS, includeTop, 'MobileNet');
    const file = `mobilenet_${alphaText}_${rows}_tf${includeTop ? '' : '_no_top'}.h5`;
    return { file, url: `${KERAS}mobilenet/${file}` };
  }
  if (model === 'MobileNetV2') {
    if (!MOBILENET_V2_ALPHAS.includes(alpha)) throw new InvalidArgumentError('options.alpha', `one of ${MOBILENET_V2_ALPHAS.join(', ')} with weights: 'imagenet' (the sizes Keras publishes)`, String(alpha));
    const rows = pickRows(extra.rows ?? null, MOBILENET_V2_ROWS, includeTop, 'MobileNetV2');
    const file = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${pyFloat(alpha)}_${rows}${includeTop ? '' : '_no_top'}.h5`;
    return { file, url: `${KERAS}mobilenet_v2/${file}` };
  }
  throw new InvalidArgumentError('model', `one of ${KERAS_IMAGENET_MODELS.join(', ')}`, JSON.stringify(model));
}

function pickRows(rows: number | null, allowed: number[], includeTop: boolean, model: string): number {
  if (rows !== null && allowed.includes(rows)) return rows;
  if (includeTop) throw new InvalidArgumentError('options.inputShape', `a square input of ${allowed.join(', ')} pixels for ${model} with weights: 'imagenet'`, String(rows));
  return 224; // as Keras: a no-top model of another size gets the 224 weights (convolutions fit any size)
}

/** The official file of every fixed-size model is registered, so `resolveWeights('<keras file name>')` knows where to fetch it. */
for (const [top, notop] of Object.values(FIXED)) {
  for (const f of [top, notop]) registerWeights({ id: f.file, urls: f.url, ...(f.md5 ? { md5: f.md5 } : {}), description: 'Keras application ImageNet weights' });
}

/** Resolves a Keras weights file (registering MobileNet's on demand), downloading it once if allowed. */
export async function resolveKerasWeights(entry: KerasWeightsFile, options: ResolveOptions = {}): Promise<string> {
  return resolveWeights(entry.file, { urls: entry.url, ...(entry.md5 ? { md5: entry.md5 } : {}), ...options });
}

export const IMAGENET_CLASS_INDEX: KerasWeightsFile = {
  file: 'imagenet_class_index.json',
  url: 'https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json',
  md5: 'c2c37ea517e94d9795004a39431a14cb',
};
registerWeights({ id: IMAGENET_CLASS_INDEX.file, urls: IMAGENET_CLASS_INDEX.url, md5: IMAGENET_CLASS_INDEX.md5!, description: "ImageNet class index in Keras' order" });

export interface ImagenetClass {
  wnid: string;
  name: string;
}

/**
 * The 1000 ImageNet classes in Keras' order (class i = `imagenet_class_index.json`["i"], sorted wnids:
 * 'tench' first). `options.path` reads a given file; otherwise the file resolves like weights.
 */
export async function imagenetClassIndex(options: ResolveOptions & { path?: string } = {}): Promise<ImagenetClass[]> {
  const { path: given, ...resolveOptions } = options;
  const path = given ?? (await resolveKerasWeights(IMAGENET_CLASS_INDEX, resolveOptions));
  const { readFile } = await import('node:fs/promises');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InvalidArgumentError('imagenet_class_index.json', 'JSON of the form {"0": ["n01440764", "tench"], ...}', `unreadable ${path}: ${(err as Error).message}`);
  }
  const out: ImagenetClass[] = [];
  for (let i = 0; i < 1000; i++) {
    const entry = (json as Record<string, unknown>)?.[String(i)];
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') {
      throw new InvalidArgumentError('imagenet_class_index.json', `1000 entries "0".."999", each [wnid, name]`, `entry "${i}" in ${path} is ${JSON.stringify(entry)}`);
    }
    out.push({ wnid: entry[0], name: entry[1] });
  }
  return out;
}

/** The 1000 ImageNet class names in Keras' order, for `decodePredictions(scores, labels)`. */
export async function imagenetLabels(options: ResolveOptions & { path?: string } = {}): Promise<string[]> {
  return (await imagenetClassIndex(options)).map((c) => c.name);
}
