import { describe, expect, it } from 'vitest';
import { parseCsvAnnotations } from '../data/csv.js';
import { generateDataset } from '../data/synthetic-scenes.js';
import { meanAveragePrecision } from './average-precision.js';
import { cocoMeanAveragePrecision } from './coco-map.js';
import { groundTruthFromDataset } from './ground-truth-from-dataset.js';

describe('groundTruthFromDataset', () => {
  it('turns a DetectionDataset into evaluation ground truth', () => {
    const ds = parseCsvAnnotations('filename,width,height,class,xmin,ymin,xmax,ymax\na.jpg,10,10,cat,1,2,3,4\nb.jpg,10,10,dog,5,5,9,9\n');
    ds.images[1]!.boxes[0]!.difficult = true;
    expect(groundTruthFromDataset(ds)).toEqual([
      { imageId: 'a.jpg', class: 0, box: [1, 2, 3, 4] },
      { imageId: 'b.jpg', class: 1, box: [5, 5, 9, 9], difficult: true },
    ]);
    expect(() => groundTruthFromDataset({} as never)).toThrow(/'dataset'/);
  });

  it('scores perfect detections on synthetic scenes as mAP 1, and shifted ones lower', () => {
    const scenes = generateDataset(4, { size: 64, seed: 3, maxObjects: 4 });
    const gts = scenes.flatMap((s, i) => s.objects.map((o) => ({ imageId: i, class: o.class, box: o.box })));
    const perfect = gts.map((g, k) => ({ ...g, score: 1 - k / 1000 }));
    for (const method of ['voc-all-point', 'voc11', 'coco-101'] as const) expect(meanAveragePrecision(perfect, gts, { method }).map).toBe(1);
    expect(cocoMeanAveragePrecision(perfect, gts).map).toBe(1);
    // Every box moved right by a quarter of its width: IoU = 0.75 / 1.25 = 0.6 -> TP at 0.5..0.6, FP above.
    const shifted = perfect.map((d) => {
      const w = d.box[2] - d.box[0];
      return { ...d, box: [d.box[0] + w / 4, d.box[1], d.box[2] + w / 4, d.box[3]] };
    });
    expect(meanAveragePrecision(shifted, gts, { iouThreshold: 0.5 }).map).toBe(1);
    expect(meanAveragePrecision(shifted, gts, { iouThreshold: 0.65 }).map).toBe(0);
    expect(cocoMeanAveragePrecision(shifted, gts).map).toBeCloseTo(3 / 10, 12); // thresholds 0.50, 0.55, 0.60 pass
  });
});
