/**
 * `--backbone` to a @cnn/transfer backbone source: a builder name of @cnn/architectures (mobilenet, resnet50,
 * ...) with ImageNet or other weights, or the path / weights id of a tfjs layers model (darknet-tiny-imagenet on
 * CNN_WEIGHTS_PATH). Each comes with the layer its features are cut at by default.
 */
import { basename } from 'node:path';
import { BACKBONE_BUILDERS, type BackboneArchitecture, type BackboneSource } from '@cnn/transfer';
import { UsageError, userPath } from '@cnn/cli-kit';

export const DEFAULT_BACKBONE = 'darknet-tiny-imagenet';

/**
 * Default cut layers of loaded models, by weights id. Darknet tiny's last layers are the 1000-class 1x1 conv
 * 'conv2d_16', its pooling and softmax; below them 'leaky_re_lu_15' has only 128 channels (a bottleneck).
 * 'leaky_re_lu_12' (512 channels, 14x14 at 224) transferred best to the sign-language digits in a sweep on
 * their validation split (avg-pooled, standardized: 95.5% vs 92.6% for leaky_re_lu_14, 90.0% for _10).
 */
export const DEFAULT_CUT_LAYERS: Readonly<Record<string, string>> = {
  'darknet-tiny-imagenet': 'leaky_re_lu_12',
};

export interface ResolvedBackbone {
  source: BackboneSource;
  /** undefined: the model's output (builders are built without their top, so that is the last feature map). */
  cutLayer: string | undefined;
  /** For messages: 'mobilenet (alpha 1, weights imagenet)'. */
  description: string;
}

const isBuilder = (name: string): name is BackboneArchitecture => Object.hasOwn(BACKBONE_BUILDERS, name);

export function resolveBackbone(name: string, options: { cut?: string | undefined; weights?: string | undefined; alpha?: number | undefined }): ResolvedBackbone {
  if (name.trim() === '') throw new UsageError('--backbone must not be empty');
  if (isBuilder(name)) {
    if (options.alpha !== undefined && name !== 'mobilenet' && name !== 'mobilenetV2') throw new UsageError(`--alpha applies to mobilenet and mobilenetV2, not ${name}`);
    // 'random' is spelled out on the command line; the builders take null.
    const weights = options.weights === undefined ? 'imagenet' : options.weights === 'random' ? null : options.weights === 'imagenet' ? 'imagenet' : userPathOrId(options.weights);
    return {
      source: { architecture: name, weights, ...(options.alpha !== undefined ? { alpha: options.alpha } : {}) },
      cutLayer: options.cut,
      description: `${name} (${options.alpha !== undefined ? `alpha ${options.alpha}, ` : ''}weights ${weights ?? 'random'})`,
    };
  }
  if (options.weights !== undefined) throw new UsageError(`--weights applies to builder backbones (${Object.keys(BACKBONE_BUILDERS).join(', ')}); '${name}' is a model with its own weights`);
  if (options.alpha !== undefined) throw new UsageError(`--alpha applies to mobilenet and mobilenetV2, not '${name}'`);
  const source = userPathOrId(name);
  // 'weights/darknet-tiny-imagenet/', '.../darknet-tiny-imagenet/model.json' and the bare id all get its default cut.
  const id = basename(name.replace(/[\\/]+$/, '').replace(/[\\/]model\.json$/i, ''));
  return { source, cutLayer: options.cut ?? DEFAULT_CUT_LAYERS[id], description: name };
}

/** A path (anything with a slash or a .json / .h5 ending) relative to the user's folder; a bare id stays an id. */
function userPathOrId(value: string): string {
  return /[\\/]/.test(value) || /\.(json|h5|hdf5|keras)$/i.test(value) ? userPath(value) : value;
}
