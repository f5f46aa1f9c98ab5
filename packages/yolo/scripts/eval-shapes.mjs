#!/usr/bin/env node
/**
 * Measures a shapes detector (default: the shipped model/shapes-detector) on freshly generated held-out
 * scenes: mAP@0.5 (VOC all-point) and per-class AP. Held-out seeds: generateDataset(n, { seed: 9000 }) —
 * training used seed 1000, validation 2000, anchors 3000, the unit test 7000.
 *
 *   cd packages/yolo && node scripts/eval-shapes.mjs [--dir DIR] [--count 200] [--seed 9000] [--json out.json]
 */
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ready, describeBackend } from '@cnn/ops';
import { loadYolo } from './load-yolo.mjs';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: fileURLToPath(new URL('../model/shapes-detector/', import.meta.url)) },
    count: { type: 'string', default: '200' },
    seed: { type: 'string', default: '9000' },
    json: { type: 'string' },
  },
});
const y = await loadYolo();
const info = await ready({ backend: 'wasm' });
const detector = await y.loadDetector(args.dir);
const count = Number(args.count);
const scenes = y.generateDataset(count, { size: detector.inputSize[0], maxObjects: 5, seed: Number(args.seed) }).map(y.sceneToSample);
const r = await y.evaluateDetector(detector, scenes);
const perClass = Object.fromEntries(r.classes.map((c) => [c.name, +c.ap.toFixed(4)]));
const out = { dir: args.dir, scenes: count, seed: Number(args.seed), objects: r.groundTruth.length, map50: +r.map.toFixed(4), perClass, seconds: +r.seconds.toFixed(1), backend: describeBackend(info) };
console.log(JSON.stringify(out, null, 1));
console.log(`mAP@0.5 on ${count} held-out scenes (seed ${args.seed}): ${r.map.toFixed(4)}`);
if (args.json) await writeFile(args.json, `${JSON.stringify(out, null, 2)}\n`);
detector.dispose();
