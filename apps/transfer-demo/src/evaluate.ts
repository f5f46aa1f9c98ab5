/**
 * `cnn-transfer eval <bundle> <folder>`: scores an exported classifier on a labelled image folder (one
 * subfolder per class, named as the classifier's labels; a folder may hold a subset of the classes).
 */
import { join } from 'node:path';
import { createBatches, ImageFolderError, loadClassifier, readImageFolder, renderConfusionMatrix } from '@cnn/transfer';
import { percent, writePicture } from '@cnn/cli-kit';
import { testReport } from './train.js';

export async function evaluate(bundle: string, folderPath: string, options: { out: string; batchSize: number; size?: number | undefined }, log: (line: string) => void) {
  const classifier = await loadClassifier(bundle);
  try {
    const labels = classifier.labels;
    const folder = await readImageFolder(folderPath);
    // Folder classes to the classifier's label indices, by name.
    const index = folder.classNames.map((name) => labels.indexOf(name));
    const unknown = folder.classNames.filter((_, i) => index[i] === -1);
    if (unknown.length > 0) {
      throw new ImageFolderError(folderPath, `The class folder(s) ${unknown.map((u) => `'${u}'`).join(', ')} of '${folderPath}' are not classes of the classifier in '${bundle}' (${labels.join(', ')}).`);
    }
    const items = folder.items.map((it) => ({ path: it.path, label: index[it.label]! }));
    const [h, w] = classifier.backbone.inputShape;
    const size = options.size ?? 224;
    const imageSize: [number, number] = [h ?? size, w ?? size];
    log(`classifier: ${labels.length} classes, backbone ${classifier.backbone.source} cut at ${classifier.backbone.cutLayer ?? 'its output'}; ${items.length} images of ${folder.classNames.length} classes at ${imageSize.join('x')}`);
    const batches = createBatches(items, { batchSize: options.batchSize, imageSize, numClasses: labels.length, shuffle: false });
    try {
      const e = await testReport(classifier, batches, labels, log, 'folder');
      const picture = join(options.out, 'confusion-matrix.png');
      await writePicture(picture, renderConfusionMatrix(e.confusion, labels, { title: `${percent(e.accuracy)} of ${items.length}` }));
      const misclassified = e.paths.flatMap((path, i) => (e.yTrue[i] === e.yPred[i] ? [] : [{ path, true: labels[e.yTrue[i]!]!, predicted: labels[e.yPred[i]!]! }]));
      log(`wrote ${picture}`);
      return { bundle, folder: folderPath, images: items.length, accuracy: e.accuracy, report: e.report, confusion: e.confusion, misclassified, files: { confusionMatrix: picture } };
    } finally {
      batches.dispose();
    }
  } finally {
    classifier.dispose();
  }
}
