/**
 * The one layer dlib's face descriptor net needs that tfjs-layers lacks: zero channels appended to the
 * shortcut of a downsampling residual block (ResNet's "option A" shortcut, He et al. 2015: identity with
 * extra zero feature maps, no parameters). face-api's `residualDown` does it as
 * `tf.concat([avgPool(x), zeros], 3)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue } from '@cnn/ops';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface ChannelZeroPaddingArgs extends LayerArgs {
  /** Zero channels added after the input's channels (an integer >= 0). */
  channels: number;
}

/**
 * [N, H, W, C] -> [N, H, W, C + channels]: the input followed by `channels` all-zero channels.
 * Registered with tf.serialization (see `registerFaceLayers`), so a saved model reloads.
 */
export class ChannelZeroPadding extends tfl.layers.Layer {
  static className = 'ChannelZeroPadding';
  readonly channels: number;

  constructor(args: ChannelZeroPaddingArgs) {
    super(args);
    const channels = args?.channels;
    if (typeof channels !== 'number' || !Number.isInteger(channels) || channels < 0) {
      throw new InvalidArgumentError('channels', 'an integer >= 0 (zero channels to append)', describeValue(channels));
    }
    this.channels = channels;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const c = shape[shape.length - 1];
    return [...shape.slice(0, -1), c == null ? null : c + this.channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (this.channels === 0) return tf.clone(x);
      const paddings = x.shape.map((_, i) => [0, i === x.rank - 1 ? this.channels : 0] as [number, number]);
      return tf.pad(x, paddings);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), channels: this.channels };
  }
}

/** `new ChannelZeroPadding(args)` in the tfjs-layers factory style. */
export function channelZeroPadding(args: ChannelZeroPaddingArgs): ChannelZeroPadding {
  registerFaceLayers();
  return new ChannelZeroPadding(args);
}

let registered = false;

/**
 * Registers ChannelZeroPadding with tf.serialization (idempotent). The builders call it; call it yourself
 * before `tfl.loadLayersModel` of a saved face net in a process that has not built one.
 */
export function registerFaceLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(ChannelZeroPadding);
  registered = true;
}
