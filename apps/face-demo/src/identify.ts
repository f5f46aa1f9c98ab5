/**
 * `cnn-face identify --db <file> <image...>`: every face of each picture, searched in the face database
 * (@cnn/face identify: nearest identity, 'unknown' when even the nearest is farther than the threshold), with
 * the next nearest people and their distances; `--out` draws the boxes and names (@cnn/ops drawBoxes). A
 * picture that cannot be read is reported and the others still run (exit code 1 at the end).
 */
import { join, parse } from 'node:path';
import { identify, type DescribedFace, type DistanceMetric, type IdentifyResult } from '@cnn/face';
import { CnnError, drawBoxes, writeImage, type Box, type RGB } from '@cnn/ops';
import { count, describeFace, openDatabase, openPipeline, people, pictureLabels, withPicture, type Log } from './faces.js';

export interface IdentifySettings {
  db: string;
  images: string[];
  topK: number;
  metric: DistanceMetric;
  threshold: number | undefined;
  /** One picture: the annotated file; several: a folder for them. */
  out: string | undefined;
  faceApiModels: string | undefined;
}

export interface IdentifiedFace {
  box: Box;
  score: number;
  detected: boolean;
  identity: string;
  known: boolean;
  distance: number;
  threshold: number;
  matches: { identity: string; distance: number; verified: boolean }[];
}

export interface IdentifyPictureResult {
  image: string;
  faces?: IdentifiedFace[];
  annotated?: string;
  error?: string;
}

const KNOWN: RGB = [26, 152, 80];
const UNKNOWN: RGB = [220, 40, 40];

export async function identifyPictures(s: IdentifySettings, log: Log) {
  const { db } = await openDatabase(s.db, false);
  try {
    log(`face database ${s.db}: ${people(db)}`);
    const pipeline = await openPipeline({}, s.faceApiModels, log);
    const outFiles = annotatedPaths(s.images, s.out);
    const labels = pictureLabels(s.images);
    const results: IdentifyPictureResult[] = [];
    try {
      for (const [i, image] of s.images.entries()) {
        try {
          const r = await withPicture(image, async (picture) => {
            // Every detected face; a picture where the detector finds none is taken as one face (tight crops).
            let found: DescribedFace[] = await pipeline.describe(picture);
            if (found.length === 0) found = [await pipeline.describeSingle(picture)];
            const faces: IdentifiedFace[] = [];
            for (const f of found) {
              const r: IdentifyResult = await identify(f.descriptor, db, { topK: s.topK, metric: s.metric, ...(s.threshold !== undefined ? { threshold: s.threshold } : {}) });
              faces.push({ box: f.box, score: f.score, detected: f.score > 0, identity: r.identity, known: r.known, distance: r.distance, threshold: r.threshold, matches: r.matches.map((m) => ({ identity: m.identity, distance: m.distance, verified: m.verified })) });
            }
            const out = outFiles[i];
            if (out) {
              const drawn = drawBoxes(picture, faces.map((f) => ({ box: f.box, label: `${f.identity} ${f.distance.toFixed(2)}`, color: f.known ? KNOWN : UNKNOWN })), { showScores: false });
              try {
                await writeImage(out, drawn);
              } finally {
                drawn.dispose();
              }
            }
            return { image, faces, ...(out ? { annotated: out } : {}) };
          });
          results.push(r);
          log(`${labels[i]}: ${count(r.faces.length, 'face')}`);
          for (const f of r.faces) {
            const others = f.matches.filter((m) => m.identity !== f.identity).map((m) => `${m.identity} ${m.distance.toFixed(3)}`);
            const verdict = f.known ? `${f.identity} (distance ${f.distance.toFixed(3)} <= ${f.threshold})` : `unknown (nearest ${f.matches[0]?.identity ?? 'none'} at ${Number.isFinite(f.distance) ? f.distance.toFixed(3) : '-'} > ${f.threshold})`;
            log(`  ${describeFace(f)}: ${verdict}${others.length ? `; next: ${others.join(', ')}` : ''}`);
          }
          if (r.annotated) log(`  wrote ${r.annotated}`);
        } catch (err) {
          if (!(err instanceof CnnError)) throw err;
          results.push({ image, error: err.message });
          console.error(`${image}: error: ${err.message}`);
        }
      }
    } finally {
      pipeline.dispose();
    }
    return { db: s.db, metric: s.metric, results };
  } finally {
    await db.dispose();
  }
}

/** --out for one picture is its file; for several, a folder of '<label>.png' (labels as pictureLabels makes them). */
function annotatedPaths(images: readonly string[], out: string | undefined): (string | undefined)[] {
  if (!out) return images.map(() => undefined);
  if (images.length === 1) return [out];
  return pictureLabels(images).map((label, i) => join(out, `${i + 1}-${parse(label.replace(/[\\/]/g, '-')).name}.png`));
}
