#!/usr/bin/env node
// Face database benchmark: 10,000 enrolled 128-number embeddings (seeded, face-api-like norms), identify time
// per query (median and p95 over 300 queries) for each metric and aggregate, and save / load time for the
// 10,000 (binary and JSON). Prints a table and writes bench-results/identify-bench.json.
// Build first: `npx tsup` in packages/face. Run: `node bench/identify-bench.mjs`.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gaussian, mulberry32 } from '@cnn/ops';
import { FaceDatabase, FlatVectorStore, rawDistance } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const N = 10_000;
const DIM = 128;
const QUERIES = 300;
const WARMUP = 30;

const next = mulberry32(42);
const normal = gaussian(next);
// Numbers of standard deviation 1.45/√128, so norms are ≈ 1.45 like face-api descriptors.
const scale = 1.45 / Math.sqrt(DIM);
const embedding = () => Float32Array.from({ length: DIM }, () => normal() * scale);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => quantile(xs, 0.5);
const ms = (x) => Number(x.toFixed(3));

const enrolled = Array.from({ length: N }, embedding);
// Half the queries are noisy copies of enrolled faces (someone to find), half are strangers.
const queries = Array.from({ length: QUERIES + WARMUP }, (_, i) =>
  i % 2 === 0 ? enrolled[Math.floor(next() * N)].map((x) => x + normal() * scale * 0.3) : embedding(),
);

const db = new FaceDatabase(); // 'dlib-resnet34-face-api', 128 numbers
let t = performance.now();
for (let i = 0; i < N; i++) await db.enroll(`person ${i}`, enrolled[i], { index: i });
const enrollMs = performance.now() - t;

const results = { enroll: { embeddings: N, totalMs: ms(enrollMs), perEmbeddingMs: ms(enrollMs / N) }, identify: [], store: [], files: [] };

// identify per query (a FaceDatabase call: queue, checks, store search, ranking, threshold).
const configs = [
  { metric: 'euclidean', aggregate: 'min' },
  { metric: 'cosine', aggregate: 'min' },
  { metric: 'euclidean-l2', aggregate: 'min' },
  { metric: 'euclidean', aggregate: 'mean' },
  { metric: 'euclidean', aggregate: 'centroid' },
];
let agree = 0;
for (const { metric, aggregate } of configs) {
  const times = [];
  let known = 0;
  for (const [i, q] of queries.entries()) {
    const t0 = performance.now();
    const r = await db.identify(q, { metric, aggregate, topK: 5 });
    const dt = performance.now() - t0;
    if (i >= WARMUP) {
      times.push(dt);
      if (r.known) known++;
    }
    // Spot check against a brute-force loop (outside the timing).
    if (aggregate === 'min' && i % 50 === 0) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < N; j++) {
        const d = rawDistance(q, enrolled[j], metric);
        if (d < bestD) [best, bestD] = [j, d];
      }
      if (r.matches[0].identity === `person ${best}` && r.matches[0].distance === bestD) agree++;
      else throw new Error(`identify disagrees with brute force (${metric}, query ${i})`);
    }
  }
  results.identify.push({ metric, aggregate, queries: times.length, medianMs: ms(median(times)), p95Ms: ms(quantile(times, 0.95)), knownFraction: known / times.length });
}

// The bare store search (k = 5), to show what the database layer adds.
const store = new FlatVectorStore(DIM, { capacity: N });
store.add(enrolled.map((vector, id) => ({ id, vector })));
for (const metric of ['euclidean', 'cosine', 'euclidean-l2']) {
  const times = [];
  for (const [i, q] of queries.entries()) {
    const t0 = performance.now();
    store.search(q, { k: 5, metric });
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  results.store.push({ metric, k: 5, medianMs: ms(median(times)), p95Ms: ms(quantile(times, 0.95)) });
}

// save / load of the 10,000 (5 runs each, median).
const dir = mkdtempSync(join(tmpdir(), 'cnn-face-bench-'));
try {
  for (const format of ['binary', 'json']) {
    const path = join(dir, `faces.${format}`);
    const save = [];
    const load = [];
    for (let r = 0; r < 5; r++) {
      let t0 = performance.now();
      await db.save(path, { format });
      save.push(performance.now() - t0);
      t0 = performance.now();
      const back = await FaceDatabase.load(path);
      load.push(performance.now() - t0);
      if (back.size !== N) throw new Error('load lost embeddings');
      await back.dispose();
    }
    results.files.push({ format, bytes: statSync(path).size, saveMedianMs: ms(median(save)), loadMedianMs: ms(median(load)) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
await db.dispose();

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage1m: Number(loadavg()[0].toFixed(2)) };
console.log(`face database: ${N.toLocaleString('en')} enrolled × ${DIM} numbers, ${QUERIES} timed queries (${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage1m})`);
console.log(`enroll: ${results.enroll.totalMs.toFixed(0)} ms in all (${(results.enroll.perEmbeddingMs * 1000).toFixed(1)} µs each)`);
console.log('');
console.log('identify (topK 5)        median ms   p95 ms   known');
for (const r of results.identify) console.log(`${`${r.metric} / ${r.aggregate}`.padEnd(24)} ${r.medianMs.toFixed(3).padStart(9)} ${r.p95Ms.toFixed(3).padStart(8)}   ${(r.knownFraction * 100).toFixed(0)} %`);
for (const r of results.store) console.log(`${`store.search ${r.metric}`.padEnd(24)} ${r.medianMs.toFixed(3).padStart(9)} ${r.p95Ms.toFixed(3).padStart(8)}`);
console.log('');
console.log('file      size MB   save ms   load ms');
for (const f of results.files) console.log(`${f.format.padEnd(8)} ${(f.bytes / 1e6).toFixed(2).padStart(8)} ${f.saveMedianMs.toFixed(1).padStart(9)} ${f.loadMedianMs.toFixed(1).padStart(9)}`);
console.log(`\nbrute-force spot checks agreeing: ${agree}`);

const out = join(here, '..', 'bench-results', 'identify-bench.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, enrolled: N, dimension: DIM, timedQueries: QUERIES, ...results, bruteForceSpotChecks: agree }, null, 2)}\n`);
console.log(`wrote ${out}`);
