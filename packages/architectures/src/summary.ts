/**
 * A per-layer table (name, type, output shape, parameters): the course's "output volume" exercise done by
 * the model itself. Returned as data; `formatSummary` prints it like Keras' model.summary().
 */
import type * as tfl from '@tensorflow/tfjs-layers';

export interface SummaryRow {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
}

export interface ModelSummary {
  name: string;
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
}

export function summary(model: tfl.LayersModel): ModelSummary {
  const rows = model.layers.map((l) => {
    const shape = l.outputShape;
    return {
      name: l.name,
      type: l.getClassName(),
      outputShape: (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[],
      params: l.countParams(),
    };
  });
  const trainableParams = model.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return { name: model.name, rows, totalParams: model.countParams(), trainableParams };
}

export function formatSummary(s: ModelSummary): string {
  const shape = (r: SummaryRow) => `(${r.outputShape.map((d) => (d === null ? 'None' : d)).join(', ')})`;
  const w1 = Math.max(12, ...s.rows.map((r) => r.name.length + r.type.length + 3));
  const w2 = Math.max(12, ...s.rows.map((r) => shape(r).length));
  const line = '─'.repeat(w1 + w2 + 14);
  const out = [`Model: "${s.name}"`, line, `${'Layer (type)'.padEnd(w1)}  ${'Output Shape'.padEnd(w2)}  ${'Param #'.padStart(10)}`, line];
  for (const r of s.rows) out.push(`${`${r.name} (${r.type})`.padEnd(w1)}  ${shape(r).padEnd(w2)}  ${r.params.toLocaleString('en-US').padStart(10)}`);
  out.push(line, `Total params: ${s.totalParams.toLocaleString('en-US')}`, `Trainable params: ${s.trainableParams.toLocaleString('en-US')}`, `Non-trainable params: ${(s.totalParams - s.trainableParams).toLocaleString('en-US')}`);
  return out.join('\n');
}
