/** The Darknet tiny ImageNet classifier (CNN_WEIGHTS_PATH) on darknet's sample photos (CNN_DATA_PATH). */
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, ready, resolveData, resolveWeights } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePredictions, loadLayersModel, readLabels } from './classify.js';

const hasWeights = Boolean(process.env['CNN_WEIGHTS_PATH'] && process.env['CNN_DATA_PATH']);

describe.runIf(hasWeights)('darknet-tiny ImageNet classifier', () => {
  beforeAll(async () => {
    await ready();
  });

  it('classifies eagle.jpg as bald eagle and dog.jpg as dog breeds (top 5)', async () => {
    const dir = await resolveWeights('darknet-tiny-imagenet', { offline: true });
    const model = await loadLayersModel(dir);
    expect(model.countParams()).toBe(1_046_488);
    const labels = await readLabels(`${dir}/imagenet.shortnames.1k.txt`);
    expect(labels).toHaveLength(1000);
    const samples = await resolveData('darknet-samples', { offline: true });
    const classify = async (file: string) => {
      const img = await decodeImage(`${samples}/${file}`);
      // ml5's preprocessing: RGB / 255, bilinear resize to 224 with alignCorners; the model outputs logits.
      const x = tf.tidy(() => tf.image.resizeBilinear(tf.expandDims(tf.div(tf.cast(img, 'float32'), 255), 0) as tf.Tensor4D, [224, 224], true));
      const logits = model.predict(x) as tf.Tensor;
      const [top] = await decodePredictions(logits, labels, { topK: 5, fromLogits: true });
      tf.dispose([img, x, logits]);
      return top!;
    };
    const eagle = await classify('eagle.jpg');
    expect(eagle[0]!.label).toBe('bald eagle');
    const dog = await classify('dog.jpg');
    // ImageNet's dog breeds are the synsets n02085620 (Chihuahua) .. n02113978 (Mexican hairless).
    const wnids = await readLabels(`${dir}/imagenet.wnids.1k.txt`);
    const isDog = (p: { classIndex: number }) => wnids[p.classIndex]! >= 'n02085620' && wnids[p.classIndex]! <= 'n02113978';
    const dogHits = dog.filter(isDog).length;
    console.log(`eagle.jpg: ${eagle.map((p) => `${p.label} ${p.probability.toFixed(2)}`).join(', ')}\ndog.jpg: ${dog.map((p) => `${p.label} ${p.probability.toFixed(2)}`).join(', ')}`);
    expect(dogHits, dog.map((p) => p.label).join(', ')).toBe(5);
    expect(eagle[0]!.probability).toBeCloseTo(0.36, 2); // DATA.md's recorded top-1
    model.dispose();
  });
});

describe.skipIf(hasWeights)('darknet-tiny ImageNet classifier', () => {
  it('needs CNN_WEIGHTS_PATH and CNN_DATA_PATH (CI sets them to ../shared)', () => {
    expect(hasWeights).toBe(false);
  });
});
