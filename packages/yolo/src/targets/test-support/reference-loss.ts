/**
 * Test support (not exported): the YOLO loss and target helpers written as plain loops over flat arrays in
 * float64, straight from the formulas in yolo-loss.ts, as an independent reference for the tfjs version.
 */

export interface ReferenceLossOptions {
  lambdaCoord: number;
  lambdaNoobj: number;
  lambdaObj: number;
  lambdaClass: number;
  sizeEncoding: 'image' | 'cell' | 'logAnchor';
  layout: 'course' | 'darknet';
}

export interface ReferenceLoss {
  total: number;
  coord: number;
  objectness: number;
  noObject: number;
  class: number;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** yTrue, yPred: flat [N * rows * cols * B * (5 + C)] arrays; `entries` = 5 + C; mean over `batch`. */
export function referenceYoloLoss(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, entries: number, batch: number, o: ReferenceLossOptions): ReferenceLoss {
  let coord = 0;
  let objectness = 0;
  let noObject = 0;
  let cls = 0;
  const C = entries - 5;
  for (let base = 0; base < yTrue.length; base += entries) {
    const raw = (k: number) => yPred[base + k]!;
    // Raw positions of to, tx, ty, th, tw in each layout.
    const [io, ix, iy, ih, iw] = o.layout === 'course' ? [0, 1, 2, 3, 4] : [4, 0, 1, 3, 2];
    const pc = yTrue[base]!;
    const pObj = sigmoid(raw(io!));
    if (pc === 1) {
      const target = (v: number) => (o.sizeEncoding === 'logAnchor' ? v : Math.sqrt(v));
      coord +=
        (sigmoid(raw(ix!)) - yTrue[base + 1]!) ** 2 +
        (sigmoid(raw(iy!)) - yTrue[base + 2]!) ** 2 +
        (raw(ih!) - target(yTrue[base + 3]!)) ** 2 +
        (raw(iw!) - target(yTrue[base + 4]!)) ** 2;
      objectness += (1 - pObj) ** 2;
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, raw(5 + c));
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(raw(5 + c) - max);
      for (let c = 0; c < C; c++) cls += (Math.exp(raw(5 + c) - max) / sum - yTrue[base + 5 + c]!) ** 2;
    } else {
      noObject += pObj ** 2;
    }
  }
  const out = {
    coord: (o.lambdaCoord * coord) / batch,
    objectness: (o.lambdaObj * objectness) / batch,
    noObject: (o.lambdaNoobj * noObject) / batch,
    class: (o.lambdaClass * cls) / batch,
  };
  return { ...out, total: out.coord + out.objectness + out.noObject + out.class };
}
