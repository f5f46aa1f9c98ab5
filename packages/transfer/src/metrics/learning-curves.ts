/**
 * Learning curves (the course's diagnosis of bias and variance): training and validation loss on top, accuracy
 * below, per epoch, drawn with @cnn/ops' renderLinePlot. Takes a TrainHistory, Keras' History ({ history }),
 * or its plain { loss, acc, val_loss, val_acc } record.
 */
import { InvalidArgumentError, describeValue, renderLinePlot, type LinePlot, type PlotSeries } from '@cnn/ops';

export interface LearningCurveData {
  loss: readonly number[];
  acc?: readonly number[];
  val_loss?: readonly number[];
  val_acc?: readonly number[];
}

export interface LearningCurvesOptions {
  /** Width of the picture (default 640); each panel is height / 2 tall (default height 640). */
  width?: number;
  height?: number;
  title?: string;
  /** Epoch number of the first value (default 1; after a resume the history still starts at 1). */
  firstEpoch?: number;
}

function curves(history: unknown): LearningCurveData {
  const h = history as { history?: LearningCurveData } & LearningCurveData;
  const data = h && typeof h === 'object' && h.history && typeof h.history === 'object' && Array.isArray(h.history.loss) ? h.history : h;
  if (!data || !Array.isArray(data.loss) || data.loss.length === 0) throw new InvalidArgumentError('history', 'a training history with per-epoch loss (TrainHistory, or { loss, acc?, val_loss?, val_acc? })', describeValue(history));
  return data;
}

/** Loss (top) and accuracy (bottom) panels stacked in one RGB picture. */
export function learningCurves(history: unknown, options: LearningCurvesOptions = {}): LinePlot {
  const data = curves(history);
  const width = options.width ?? 640;
  const height = options.height ?? 640;
  const first = options.firstEpoch ?? 1;
  const epochs = (v: readonly number[]) => v.map((_, i) => first + i);
  const series = (a: readonly number[] | undefined, b: readonly number[] | undefined, name: string): PlotSeries[] => [
    ...(a?.length ? [{ x: epochs(a), y: [...a], label: `train ${name}`, color: [31, 119, 180] as [number, number, number] }] : []),
    ...(b?.length ? [{ x: epochs(b), y: [...b], label: `val ${name}`, color: [255, 127, 14] as [number, number, number] }] : []),
  ];
  const panelH = Math.floor(height / 2);
  const top = renderLinePlot(series(data.loss, data.val_loss, 'loss'), { width, height: panelH, title: options.title ?? 'loss', xLabel: 'epoch' });
  const accSeries = series(data.acc, data.val_acc, 'acc');
  const bottom = accSeries.length ? renderLinePlot(accSeries, { width, height: height - panelH, title: 'accuracy', xLabel: 'epoch' }) : undefined;
  if (!bottom) return top;
  const pixels = new Uint8Array(width * height * 3);
  pixels.set(top.pixels, 0);
  pixels.set(bottom.pixels, top.pixels.length);
  return { width, height, pixels };
}
