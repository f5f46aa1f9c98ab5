/**
 * The base of classes that own one pretrained tfjs-layers model and run it (a face detector, a landmarker,
 * an embedder): it checks the model, keeps per-call defaults, disposes the model once, and refuses calls after
 * that with a typed error naming the class.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue } from '@cnn/ops';

export abstract class ModelHolder<Defaults extends object> {
  readonly model: tfl.LayersModel;
  readonly defaults: Defaults;
  #disposed = false;

  /** `expected` names the model in the error for a non-model, e.g. 'a tinyFaceDetector() model'. */
  protected constructor(model: tfl.LayersModel, defaults: Defaults, expected: string) {
    if (model === null || typeof model !== 'object' || typeof (model as { predict?: unknown }).predict !== 'function') {
      throw new InvalidArgumentError('model', expected, describeValue(model));
    }
    this.model = model;
    this.defaults = { ...defaults };
  }

  /** Throws when the model was disposed (call at the start of every method that runs it). */
  protected assertLive(): void {
    if (this.#disposed) throw new InvalidArgumentError('this', `a live ${this.constructor.name}`, 'a disposed one', `Create a new ${this.constructor.name}.`);
  }

  /** Frees the model (once; later calls do nothing). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.model.dispose();
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }
}
