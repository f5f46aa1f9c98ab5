/**
 * `cnn-transfer predict <bundle> <image...>`: loads an exported classifier and prints its top-k classes for
 * each picture. A picture that cannot be read is reported and the others still run.
 */
import { CnnError } from '@cnn/ops';
import { loadClassifier, type ClassPrediction } from '@cnn/transfer';
import { percent } from '@cnn/cli-kit';

export interface PredictResult {
  image: string;
  predictions?: ClassPrediction[];
  error?: string;
}

export async function predict(bundle: string, images: readonly string[], top: number, log: (line: string) => void): Promise<{ labels: string[]; results: PredictResult[] }> {
  const classifier = await loadClassifier(bundle);
  try {
    const topK = Math.min(top, classifier.classes);
    log(`classifier: ${classifier.labels.length} classes (${classifier.labels.join(', ')}), backbone ${classifier.backbone.source} cut at ${classifier.backbone.cutLayer ?? 'its output'}`);
    const results: PredictResult[] = [];
    for (const image of images) {
      try {
        const predictions = await classifier.classify(image, { topK });
        results.push({ image, predictions });
        log(`${image}: ${predictions.map((p) => `${p.label} ${percent(p.probability)}`).join(', ')}`);
      } catch (err) {
        if (!(err instanceof CnnError)) throw err;
        results.push({ image, error: err.message });
        console.error(`${image}: error: ${err.message}`);
      }
    }
    return { labels: [...classifier.labels], results };
  } finally {
    classifier.dispose();
  }
}
