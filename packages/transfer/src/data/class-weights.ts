/**
 * Class weights against imbalance, sklearn's `compute_class_weight('balanced')` as Keras tutorials use it:
 *
 *   w_c = n_samples / (n_classes * count_c)
 *
 * so every class contributes the same total weight (w_c * count_c = n_samples / n_classes) to the loss.
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';

export interface ClassWeightsOptions {
  /** 'balanced' (default): n_samples / (n_classes * count_c). */
  mode?: 'balanced';
}

/**
 * Weights per class index for `items` ({ label } objects or plain labels). The array works as tfjs-layers'
 * `classWeight` ({ [classIndex]: weight }) in model.fit. Throws InvalidArgumentError if a label is out of
 * range or a class has no items (its weight would be infinite).
 */
export function classWeights(items: ReadonlyArray<{ label: number } | number>, numClasses: number, options: ClassWeightsOptions = {}): number[] {
  if (!Array.isArray(items) || items.length === 0) throw new InvalidArgumentError('items', 'a non-empty array of { label } items or labels', describeValue(items));
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidArgumentError('numClasses', 'an integer >= 1', describeValue(numClasses));
  }
  const mode = options.mode ?? 'balanced';
  if (mode !== 'balanced') throw new InvalidArgumentError('options.mode', "'balanced'", describeValue(mode));
  const counts = new Array<number>(numClasses).fill(0);
  items.forEach((item, i) => {
    const label = typeof item === 'number' ? item : (item as { label?: unknown } | null)?.label;
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new InvalidArgumentError(`items[${i}]`, `a label in 0..${numClasses - 1}`, describeValue(label));
    }
    counts[label]!++;
  });
  const empty = counts.indexOf(0);
  if (empty >= 0) {
    throw new InvalidArgumentError('items', `at least one item of every class 0..${numClasses - 1}`, `no item of class ${empty}`, 'Check numClasses, or split so that every class is present.');
  }
  return counts.map((count) => items.length / (numClasses * count));
}
