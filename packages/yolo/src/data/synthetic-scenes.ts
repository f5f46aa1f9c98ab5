/**
 * The course's toy detection scenes, drawn in plain JavaScript: suns (a disc with rays), moons (crescents),
 * 5-point stars, squares, triangles and rings, in random sizes, colors and rotations, over a gradient sky,
 * value noise or stripes. Deterministic by seed. Each box is the tight box of the pixels its object shows in
 * the final picture (partly covered pixels included), so boxes stay exact under overlap; overlap is limited
 * so that every object keeps at least (1 - maxOcclusion) of its pixels.
 *
 * Pixel (x, y) covers [x, x + 1) × [y, y + 1): an object showing pixels x0..x1 and y0..y1 has the box
 * [x0, y0, x1 + 1, y1 + 1] in pixel 'xyxy'.
 */
import { InvalidArgumentError, assertOneOf, describeValue } from '@cnn/ops';
import { createRng, mixSeed, type Rng } from './prng.js';

export const SHAPE_CLASSES = ['sun', 'moon', 'star', 'square', 'triangle', 'ring'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];
export const BACKGROUNDS = ['gradient', 'noise', 'stripes', 'solid'] as const;
export type BackgroundKind = (typeof BACKGROUNDS)[number];
type RGB = [number, number, number];

export interface SceneOptions {
  /** Picture size: a side, or [height, width] (integers 16-4096). */
  size: number | readonly [number, number];
  /** Any integer; the same seed and options give the same scene. */
  seed: number;
  /** Shapes to draw, in class-index order (default SHAPE_CLASSES, all six). */
  classes?: readonly ShapeClass[];
  /** Fewest objects (default 1; fewer are drawn only if no room is found). */
  minObjects?: number;
  /** Most objects (default 5). */
  maxObjects?: number;
  /** Smallest object diameter as a fraction of the shorter side (default 0.12, and at least 6 pixels). */
  minObjectSize?: number;
  /** Largest object diameter as a fraction of the shorter side (default 0.4). */
  maxObjectSize?: number;
  /** The most of an object's pixels later objects may cover, in [0, 1) (default 0.3). */
  maxOcclusion?: number;
  /** Background kind, or 'random' among gradient, noise and stripes (default). */
  background?: BackgroundKind | 'random';
  /** Smooth edges by 4x4 supersampling (default true). */
  antialias?: boolean;
}

export interface SceneObject {
  /** Tight box of the object's visible pixels, pixel 'xyxy'. */
  box: [number, number, number, number];
  /** Index into the scene's classNames. */
  class: number;
  name: ShapeClass;
  color: RGB;
  /** Visible pixels / drawn pixels (≥ 1 - maxOcclusion). */
  visibleFraction: number;
}

export interface Scene {
  width: number;
  height: number;
  /**
   * RGB bytes, row-major, [height, width, 3]: pixel (x, y) at (y * width + x) * 3. For a tensor:
   * `tf.tensor3d(scene.image, [scene.height, scene.width, 3], 'int32')`.
   */
  image: Uint8Array;
  objects: SceneObject[];
  /** Per pixel, the index in `objects` of the object shown on top there, or -1 for background. */
  instances: Int16Array;
  classNames: ShapeClass[];
  background: BackgroundKind;
  seed: number;
}

interface Checked {
  height: number;
  width: number;
  seed: number;
  classes: ShapeClass[];
  minObjects: number;
  maxObjects: number;
  minObjectSize: number;
  maxObjectSize: number;
  maxOcclusion: number;
  background: BackgroundKind | 'random';
  antialias: boolean;
}

function checkOptions(options: unknown): Checked {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { size, seed, ... }', describeValue(options));
  const o = options as SceneOptions;
  const size = typeof o.size === 'number' ? [o.size, o.size] : o.size;
  if (!Array.isArray(size) || size.length !== 2 || size.some((v) => !Number.isInteger(v) || v < 16 || v > 4096)) {
    throw new InvalidArgumentError('options.size', 'an integer side or [height, width], each in [16, 4096]', describeValue(o.size));
  }
  if (!Number.isInteger(o.seed)) throw new InvalidArgumentError('options.seed', 'an integer', describeValue(o.seed));
  const classes = o.classes ?? SHAPE_CLASSES;
  if (!Array.isArray(classes) || classes.length === 0) throw new InvalidArgumentError('options.classes', `a non-empty array of ${SHAPE_CLASSES.join(', ')}`, describeValue(classes));
  classes.forEach((c, i) => assertOneOf(c, `options.classes[${i}]`, SHAPE_CLASSES));
  if (new Set(classes).size !== classes.length) throw new InvalidArgumentError('options.classes', 'class names without repeats', JSON.stringify(classes));
  const int = (v: unknown, name: string, min: number, max: number) => {
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw new InvalidArgumentError(name, `an integer in [${min}, ${max}]`, describeValue(v));
    return v as number;
  };
  const frac = (v: unknown, name: string, min: number, max: number, open = false) => {
    if (typeof v !== 'number' || !(v >= min && (open ? v < max : v <= max))) throw new InvalidArgumentError(name, `a number in [${min}, ${max}${open ? ')' : ']'}`, describeValue(v));
    return v;
  };
  const maxObjects = int(o.maxObjects ?? 5, 'options.maxObjects', 1, 1000);
  const minObjects = int(o.minObjects ?? Math.min(1, maxObjects), 'options.minObjects', 0, maxObjects);
  const shorter = Math.min(size[0]!, size[1]!);
  const minObjectSize = frac(o.minObjectSize ?? Math.max(0.12, 6 / shorter), 'options.minObjectSize', 0.01, 1);
  const maxObjectSize = frac(o.maxObjectSize ?? Math.max(0.4, minObjectSize), 'options.maxObjectSize', minObjectSize, 1);
  if (minObjectSize * shorter < 6) {
    throw new InvalidArgumentError('options.minObjectSize', `at least 6 pixels (${(6 / shorter).toFixed(3)} of ${shorter})`, `${minObjectSize} (${(minObjectSize * shorter).toFixed(1)} px)`);
  }
  const maxOcclusion = frac(o.maxOcclusion ?? 0.3, 'options.maxOcclusion', 0, 1, true);
  const background = o.background ?? 'random';
  assertOneOf(background, 'options.background', [...BACKGROUNDS, 'random'] as const);
  const antialias = o.antialias ?? true;
  if (typeof antialias !== 'boolean') throw new InvalidArgumentError('options.antialias', 'a boolean', describeValue(antialias));
  return { height: size[0]!, width: size[1]!, seed: o.seed, classes: [...classes], minObjects, maxObjects, minObjectSize, maxObjectSize, maxOcclusion, background, antialias };
}

function hsv(h: number, s: number, v: number): RGB {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return Math.round(255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

/** Fills a float RGB buffer with the background. */
function paintBackground(kind: BackgroundKind, w: number, h: number, rng: Rng): Float32Array {
  const buf = new Float32Array(w * h * 3);
  const put = (x: number, y: number, c: readonly number[]) => buf.set(c, (y * w + x) * 3);
  if (kind === 'solid') {
    const c = hsv(rng.next(), rng.range(0, 0.5), rng.range(0.2, 0.9));
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) put(x, y, c);
  } else if (kind === 'gradient') {
    // A sky: deeper blue (or dusk hues) at the top, paler near the horizon.
    const hue = rng.pick([rng.range(0.52, 0.66), rng.range(0.02, 0.12), rng.range(0.7, 0.85)]);
    const top = hsv(hue, rng.range(0.5, 0.9), rng.range(0.35, 0.7));
    const bottom = hsv(hue + rng.range(-0.05, 0.05), rng.range(0.05, 0.35), rng.range(0.8, 1));
    for (let y = 0; y < h; y++) {
      const t = h === 1 ? 0 : y / (h - 1);
      const c = [0, 1, 2].map((k) => top[k]! * (1 - t) + bottom[k]! * t);
      for (let x = 0; x < w; x++) put(x, y, c);
    }
  } else if (kind === 'noise') {
    // Value noise: random colors on a coarse grid, bilinearly interpolated, plus per-pixel grain.
    const cell = Math.max(4, Math.round(Math.min(w, h) / rng.int(4, 10)));
    const gw = Math.ceil(w / cell) + 2;
    const gh = Math.ceil(h / cell) + 2;
    const base = hsv(rng.next(), rng.range(0.1, 0.5), rng.range(0.3, 0.8));
    const grid = Array.from({ length: gw * gh }, () => base.map((c) => c + rng.range(-50, 50)));
    for (let y = 0; y < h; y++) {
      const gy = y / cell;
      const y0 = Math.floor(gy);
      const ty = gy - y0;
      for (let x = 0; x < w; x++) {
        const gx = x / cell;
        const x0 = Math.floor(gx);
        const tx = gx - x0;
        const g = (i: number, j: number) => grid[j * gw + i]!;
        const c = [0, 1, 2].map((k) => {
          const top = g(x0, y0)[k]! * (1 - tx) + g(x0 + 1, y0)[k]! * tx;
          const bot = g(x0, y0 + 1)[k]! * (1 - tx) + g(x0 + 1, y0 + 1)[k]! * tx;
          return top * (1 - ty) + bot * ty + rng.range(-12, 12);
        });
        put(x, y, c);
      }
    }
  } else {
    const a = hsv(rng.next(), rng.range(0.1, 0.6), rng.range(0.3, 0.9));
    const b = a.map((c) => c + (c > 128 ? -1 : 1) * rng.range(30, 70));
    const angle = rng.range(0, Math.PI);
    const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
    const period = rng.range(6, 24);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) put(x, y, Math.floor((x * ca + y * sa) / period) % 2 === 0 ? a : b); // -1 % 2 is -1: also b
  }
  for (let i = 0; i < buf.length; i++) buf[i] = Math.min(255, Math.max(0, buf[i]!));
  return buf;
}

/** Inside test of a shape in its own frame: (u, v) relative to the center, unrotated, radius 1. */
type Inside = (u: number, v: number) => boolean;

function pointInPolygon(px: number, py: number, poly: readonly number[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 2; i < poly.length; j = i, i += 2) {
    const [xi, yi, xj, yj] = [poly[i]!, poly[i + 1]!, poly[j]!, poly[j + 1]!];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function makeShape(name: ShapeClass, rng: Rng): Inside {
  switch (name) {
    case 'sun': {
      const core = rng.range(0.45, 0.6);
      const gap = core + 0.08;
      const rays = rng.int(7, 12);
      const half = rng.range(0.35, 0.5) * (Math.PI / rays); // half-width of a ray at its base, radians
      return (u, v) => {
        const r = Math.hypot(u, v);
        if (r <= core) return true;
        if (r < gap || r > 1) return false;
        const step = (2 * Math.PI) / rays;
        const phi = Math.atan2(v, u);
        const d = Math.abs(phi - Math.round(phi / step) * step);
        return d <= half * ((1 - r) / (1 - gap)); // rays taper to a point at r = 1
      };
    }
    case 'moon': {
      const cut = rng.range(0.75, 0.9);
      const shift = rng.range(0.35, 0.55);
      return (u, v) => u * u + v * v <= 1 && (u - shift) ** 2 + v * v > cut * cut;
    }
    case 'star': {
      const inner = rng.range(0.38, 0.5);
      const poly: number[] = [];
      for (let k = 0; k < 10; k++) {
        const r = k % 2 === 0 ? 1 : inner;
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        poly.push(r * Math.cos(a), r * Math.sin(a));
      }
      return (u, v) => pointInPolygon(u, v, poly);
    }
    case 'square':
      return (u, v) => Math.abs(u) <= Math.SQRT1_2 && Math.abs(v) <= Math.SQRT1_2;
    case 'triangle': {
      const poly = [0, -1, Math.cos(Math.PI / 6), 0.5, -Math.cos(Math.PI / 6), 0.5];
      return (u, v) => pointInPolygon(u, v, poly);
    }
    case 'ring': {
      const inner = rng.range(0.5, 0.7);
      return (u, v) => {
        const r2 = u * u + v * v;
        return r2 <= 1 && r2 >= inner * inner;
      };
    }
  }
}

interface Placed {
  x0: number;
  y0: number;
  w: number;
  h: number;
  coverage: Float32Array;
}

/** Coverage in [0, 1] of each pixel of the shape's bounding square (s x s supersamples per pixel). */
function rasterize(inside: Inside, cx: number, cy: number, radius: number, angle: number, samples: number, W: number, H: number): Placed {
  const x0 = Math.max(0, Math.floor(cx - radius) - 1);
  const y0 = Math.max(0, Math.floor(cy - radius) - 1);
  const x1 = Math.min(W, Math.ceil(cx + radius) + 2);
  const y1 = Math.min(H, Math.ceil(cy + radius) + 2);
  const w = x1 - x0;
  const h = y1 - y0;
  const coverage = new Float32Array(w * h);
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const dx = (x0 + x + (sx + 0.5) / samples - cx) / radius;
          const dy = (y0 + y + (sy + 0.5) / samples - cy) / radius;
          if (inside(c * dx + s * dy, -s * dx + c * dy)) hits++;
        }
      }
      coverage[y * w + x] = hits / (samples * samples);
    }
  }
  return { x0, y0, w, h, coverage };
}

/** One scene: picture, boxes and the per-pixel instance map. */
export function generateScene(options: SceneOptions): Scene {
  const o = checkOptions(options);
  const { width: W, height: H } = o;
  const rng = createRng(o.seed);
  const background: BackgroundKind = o.background === 'random' ? rng.pick(['gradient', 'noise', 'stripes'] as const) : o.background;
  const buf = paintBackground(background, W, H, rng);
  const instances = new Int16Array(W * H).fill(-1);
  const drawn: { name: ShapeClass; color: RGB; area: number; visible: number }[] = [];
  const target = rng.int(o.minObjects, o.maxObjects);
  const shorter = Math.min(W, H);
  const samples = o.antialias ? 4 : 1;
  for (let attempt = 0; attempt < target * 30 && drawn.length < target; attempt++) {
    const name = rng.pick(o.classes);
    const diameter = rng.range(o.minObjectSize, o.maxObjectSize) * shorter;
    const radius = diameter / 2;
    const cx = rng.range(radius, W - radius);
    const cy = rng.range(radius, H - radius);
    const angle = rng.range(0, 2 * Math.PI);
    const inside = makeShape(name, rng);
    // A color that stands out from the background under the shape's center.
    const bgAt = [0, 1, 2].map((k) => buf[(Math.floor(cy) * W + Math.floor(cx)) * 3 + k]!);
    let color = hsv(rng.next(), rng.range(0.55, 1), rng.range(0.6, 1));
    for (let k = 0; k < 10 && Math.hypot(color[0] - bgAt[0]!, color[1] - bgAt[1]!, color[2] - bgAt[2]!) < 120; k++) color = hsv(rng.next(), rng.range(0.55, 1), rng.range(0.4, 1));
    const p = rasterize(inside, cx, cy, radius, angle, samples, W, H);
    // Occlusion check: how many visible pixels of each earlier object would this one take?
    let area = 0;
    const taken = new Map<number, number>();
    for (let y = 0; y < p.h; y++) {
      for (let x = 0; x < p.w; x++) {
        if (p.coverage[y * p.w + x]! === 0) continue;
        area++;
        const owner = instances[(p.y0 + y) * W + p.x0 + x]!;
        if (owner >= 0) taken.set(owner, (taken.get(owner) ?? 0) + 1);
      }
    }
    if (area < 16) continue;
    let fits = true;
    for (const [j, t] of taken) if (drawn[j]!.visible - t < (1 - o.maxOcclusion) * drawn[j]!.area) fits = false;
    if (!fits) continue;
    for (const [j, t] of taken) drawn[j]!.visible -= t;
    const id = drawn.length;
    drawn.push({ name, color, area, visible: area });
    for (let y = 0; y < p.h; y++) {
      for (let x = 0; x < p.w; x++) {
        const a = p.coverage[y * p.w + x]!;
        if (a === 0) continue;
        const i = (p.y0 + y) * W + p.x0 + x;
        for (let k = 0; k < 3; k++) buf[i * 3 + k] = buf[i * 3 + k]! * (1 - a) + color[k]! * a;
        instances[i] = id;
      }
    }
  }
  const boxes = drawn.map(() => [Infinity, Infinity, -Infinity, -Infinity]);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const id = instances[y * W + x]!;
      if (id < 0) continue;
      const b = boxes[id]!;
      if (x < b[0]!) b[0] = x;
      if (y < b[1]!) b[1] = y;
      if (x + 1 > b[2]!) b[2] = x + 1;
      if (y + 1 > b[3]!) b[3] = y + 1;
    }
  }
  const image = new Uint8Array(W * H * 3);
  for (let i = 0; i < image.length; i++) image[i] = Math.round(buf[i]!);
  return {
    width: W,
    height: H,
    image,
    objects: drawn.map((d, k) => ({
      box: boxes[k] as [number, number, number, number],
      class: o.classes.indexOf(d.name),
      name: d.name,
      color: d.color,
      visibleFraction: d.visible / d.area,
    })),
    instances,
    classNames: o.classes,
    background,
    seed: o.seed,
  };
}

/** `n` scenes; scene i uses a seed mixed from (options.seed, i), so scenes differ but repeat by seed. */
export function generateDataset(n: number, options: SceneOptions): Scene[] {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('n', 'an integer >= 0', describeValue(n));
  checkOptions(options);
  return Array.from({ length: n }, (_, i) => generateScene({ ...options, seed: mixSeed(options.seed, i + 1) | 0 }));
}
