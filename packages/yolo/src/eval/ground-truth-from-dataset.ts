import { InvalidArgumentError, describeValue } from '@cnn/ops';
import type { DetectionDataset } from '../data/types.js';
import type { EvalGroundTruth } from './types.js';

/** The ground truth of a DetectionDataset for evaluation: imageId = image.id, boxes in pixel 'xyxy'. */
export function groundTruthFromDataset(dataset: DetectionDataset): EvalGroundTruth[] {
  if (dataset === null || typeof dataset !== 'object' || !Array.isArray(dataset.images)) {
    throw new InvalidArgumentError('dataset', 'a DetectionDataset { classNames, images }', describeValue(dataset));
  }
  return dataset.images.flatMap((img) =>
    img.boxes.map((b) => ({
      imageId: img.id,
      class: b.class,
      box: b.box,
      ...(b.difficult ? { difficult: true } : {}),
      ...(b.crowd ? { crowd: true } : {}),
    })),
  );
}
