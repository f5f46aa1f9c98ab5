/** Test support: seeded random labels for round trips. */
import { mulberry32 } from '../prng.js';
import type { YoloLabel } from '../encode-targets.js';

/** `count` random xyxy pixel boxes with their centres on the image and sizes in [minSize, maxSize] px. */
export function randomLabels(seed: number, count: number, imageSize: [number, number], classes: number, minSize = 8, maxSize = 120): YoloLabel[] {
  const random = mulberry32(seed);
  const [H, W] = imageSize;
  return Array.from({ length: count }, () => {
    const cx = random() * W;
    const cy = random() * H;
    const w = minSize + random() * (maxSize - minSize);
    const h = minSize + random() * (maxSize - minSize);
    return { box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], class: Math.floor(random() * classes) };
  });
}
