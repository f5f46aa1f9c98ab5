/**
 * Reading (and writing) transform nets in the ml5 / deeplearn.js "CheckpointLoader" format: a folder with
 * `manifest.json` = { "<name>": { "filename": "<file>", "shape": [...] }, ... } and one raw little-endian
 * float32 file per variable. Names are `Variable` (id 0) and `Variable_<id>`; conv(id) has its kernel at id,
 * the instance-norm shift at id + 1 and scale at id + 2 (see `fastStyleLayout`). Conv-transpose kernels are
 * stored as TF's conv2d_transpose filters [h, w, out, in] — the layout of tfjs' conv2dTranspose and of
 * tfjs-layers' Conv2DTranspose kernel — so every kernel loads as is.
 *
 * The ml5 nets (`mathura`, `matilde_perez`, `matta` in ../shared/weights/fast-style) are used by the tests
 * only and never shipped (see DATA.md for their provenance caveats).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describeValue, fetchJson, folderUrl, InvalidArgumentError, isWeightsUrl, resolveInside, resolveWeights, safeRelativePath, urlInFolder, WeightsMismatchError, WeightsNotFoundError, writeFileAtomic, type ResolveOptions } from '@cnn/ops';
import { fastStyleLayout, fastStyleVariableName, transformNet, transformNetConfig, type TransformNetOptions } from './transform-net.js';

export interface FastStyleManifestEntry {
  filename: string;
  shape: number[];
}
export type FastStyleManifest = Record<string, FastStyleManifestEntry>;

export interface LoadFastStyleOptions {
  /** How a weights id is found (search path, cache, offline ...); passed to resolveWeights. */
  resolve?: ResolveOptions;
  /** The architecture to expect; by default read from the manifest's shapes (filters) and variable count. */
  filters?: TransformNetOptions['filters'];
  residualBlocks?: number;
  /** Instance-norm ε (default 1e-3, what the ml5 nets were trained with). */
  epsilon?: number;
}

async function fsp() {
  return { fs: await import('node:fs/promises'), path: await import('node:path') };
}

/**
 * The folder of a fast-style net: a path (absolute, `./x`, `../x`, `~/x`, or any existing relative path) is
 * used as is; a bare id (`my-net`) is looked up with resolveWeights (CNN_WEIGHTS_PATH, then the cache); a
 * nested id `fast-style/mathura` that is not an existing relative path resolves its first segment
 * (`fast-style`) on the search path and must hold `mathura/manifest.json` there.
 */
export async function resolveFastStyleDir(source: string, options: ResolveOptions = {}): Promise<string> {
  const { fs, path } = await fsp();
  if (typeof source !== 'string' || source.trim() === '') throw new InvalidArgumentError('source', 'a folder path or a weights id such as "fast-style/mathura"', describeValue(source));
  if (/^https?:\/\//i.test(source)) throw new InvalidArgumentError('source', 'a folder path or a weights id (loadFastStyle fetches a URL itself)', JSON.stringify(source));
  const explicit = /^(\.{1,2}([\\/]|$)|~([\\/]|$)|[\\/]|[a-zA-Z]:|file:)/.test(source);
  const nested = !explicit && /[\\/]/.test(source);
  if (!nested) return resolveWeights(source, explicit ? options : { files: ['manifest.json'], ...options });
  if (await fs.stat(path.resolve(source)).catch(() => undefined)) return path.resolve(source);
  const rel = safeRelativePath(source, '.');
  const [head, ...rest] = rel.split('/');
  const inner = rest.join('/');
  const root = await resolveWeights(head!, { files: [`${inner}/manifest.json`], ...options }).catch((err: unknown) => {
    if (err instanceof WeightsNotFoundError) {
      throw new WeightsNotFoundError(source, [path.resolve(source), ...err.searched], `Could not find the fast-style net '${source}': no folder '${path.resolve(source)}', and no '${head}' folder holding ${inner}/manifest.json.\n${err.message}`, { cause: err });
    }
    throw err;
  });
  return path.join(root, ...rest);
}

/** Reads and validates `manifest.json` of a fast-style folder. */
export async function readFastStyleManifest(dir: string): Promise<FastStyleManifest> {
  const { fs, path } = await fsp();
  const file = path.join(dir, 'manifest.json');
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new WeightsNotFoundError(file, [file], `No manifest.json in '${dir}': a fast-style net is a folder with manifest.json and one float32 file per variable.`);
    throw err;
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WeightsMismatchError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return checkFastStyleManifest(json, file);
}

/** A parsed manifest.json checked: { name: { filename, shape } }. */
function checkFastStyleManifest(json: unknown, file: string): FastStyleManifest {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new WeightsMismatchError(`${file} must be an object { name: { filename, shape } }, got ${describeValue(json)}.`);
  const manifest: FastStyleManifest = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    const e = entry as Partial<FastStyleManifestEntry> | null;
    if (!e || typeof e.filename !== 'string' || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new WeightsMismatchError(`${file}: entry '${name}' must be { filename: string, shape: non-negative integers }, got ${JSON.stringify(entry)}.`);
    }
    manifest[name] = { filename: e.filename, shape: [...e.shape] };
  }
  return manifest;
}

/** Reads raw little-endian float32 values (independent of the host's byte order). */
function float32LE(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** The architecture a manifest describes: filters from the first three kernels, r = (variables − 18) / 6. */
function inferArchitecture(manifest: FastStyleManifest): { filters?: [number, number, number]; residualBlocks?: number } {
  const out = (name: string) => manifest[name]?.shape[3];
  const [a, b, c] = [out('Variable'), out('Variable_3'), out('Variable_6')];
  const r = (Object.keys(manifest).length - 18) / 6;
  return {
    ...(a && b && c ? { filters: [a, b, c] as [number, number, number] } : {}),
    ...(Number.isInteger(r) && r >= 0 ? { residualBlocks: r } : {}),
  };
}

/** A fast-style folder's manifest and variable files: on disk, or fetched from a URL (a browser's way). */
async function fastStyleFiles(source: string, options: LoadFastStyleOptions): Promise<{ where: string; manifest: FastStyleManifest; read(file: string): Promise<Uint8Array | undefined> }> {
  if (isWeightsUrl(source)) {
    const base = folderUrl(source);
    const manifestUrl = new URL('manifest.json', base).href;
    const manifest = checkFastStyleManifest(await fetchJson(manifestUrl, { what: 'fast-style manifest' }), manifestUrl);
    return {
      where: base.href,
      manifest,
      read: async (file) => {
        const res = await fetch(urlInFolder(base, file).href).catch(() => undefined);
        return res?.ok ? new Uint8Array(await res.arrayBuffer()) : undefined;
      },
    };
  }
  const { fs } = await fsp();
  const dir = await resolveFastStyleDir(source, options.resolve);
  const manifest = await readFastStyleManifest(dir);
  return {
    where: dir,
    manifest,
    read: async (file) => {
      const path = await resolveInside(dir, file);
      return fs.readFile(path).then(
        (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
        () => undefined,
      );
    },
  };
}

/**
 * Loads a transform net from an ml5-format folder (`source`: a path or an id, see `resolveFastStyleDir`; or the
 * folder's http(s) URL — in a browser any path, relative to the page — as ml5's `styleTransfer(url)`):
 * builds `transformNet` for the architecture the manifest describes, checks every variable — present, the
 * shape the layer needs, a file of prod(shape)·4 bytes, no extra ones — and throws one WeightsMismatchError
 * listing all mismatches, before any weight is set. The caller disposes the returned model.
 */
export async function loadFastStyle(source: string, options: LoadFastStyleOptions = {}): Promise<tfl.LayersModel> {
  const files = await fastStyleFiles(source, options);
  const dir = files.where;
  const manifest = files.manifest;
  const inferred = inferArchitecture(manifest);
  const residualBlocks = options.residualBlocks ?? inferred.residualBlocks ?? 5;
  const filters = options.filters ?? inferred.filters;
  const net = transformNet({ ...(filters ? { filters } : {}), residualBlocks, ...(options.epsilon !== undefined ? { epsilon: options.epsilon } : {}) });
  try {
    // Expected variables: conv(id) kernel, shift (beta) at id + 1, scale (gamma) at id + 2.
    const expected = new Map<string, { shape: number[]; layer: string; weight: 'kernel' | 'beta' | 'gamma' }>();
    for (const slot of fastStyleLayout(residualBlocks)) {
      const kernel = net.getLayer(slot.conv).getWeights()[0]!.shape;
      const channels = net.getLayer(slot.norm).getWeights()[0]!.shape;
      expected.set(fastStyleVariableName(slot.id), { shape: kernel, layer: slot.conv, weight: 'kernel' });
      expected.set(fastStyleVariableName(slot.id + 1), { shape: channels, layer: slot.norm, weight: 'beta' });
      expected.set(fastStyleVariableName(slot.id + 2), { shape: channels, layer: slot.norm, weight: 'gamma' });
    }
    const problems: string[] = [];
    const contents = new Map<string, Uint8Array>();
    for (const [name, want] of expected) {
      const entry = manifest[name];
      if (!entry) {
        problems.push(`${name} (${want.layer} ${want.weight} [${want.shape}]): missing from manifest.json`);
        continue;
      }
      if (entry.shape.join() !== want.shape.join()) problems.push(`${name} (${want.layer} ${want.weight}): shape [${entry.shape}] in the manifest, the layer needs [${want.shape}]`);
      const data = await files.read(entry.filename);
      const bytes = entry.shape.reduce((p, d) => p * d, 1) * 4;
      if (!data) problems.push(`${name}: file '${entry.filename}' not found`);
      else if (data.byteLength !== bytes) problems.push(`${name}: file '${entry.filename}' has ${data.byteLength} bytes, shape [${entry.shape}] needs ${bytes}`);
      else contents.set(name, data);
    }
    for (const name of Object.keys(manifest)) if (!expected.has(name)) problems.push(`${name}: not a variable of a transform net with ${residualBlocks} residual blocks`);
    if (problems.length > 0) {
      throw new WeightsMismatchError(`The fast-style net in '${dir}' does not fit the transform network (filters [${transformNetConfig(net).filters}], ${residualBlocks} residual blocks); ${problems.length} mismatch${problems.length === 1 ? '' : 'es'}:\n  ${problems.join('\n  ')}`);
    }
    const values = new Map<string, tf.Tensor>();
    try {
      for (const [name, want] of expected) values.set(name, tf.tensor(float32LE(contents.get(name)!), want.shape, 'float32'));
      for (const slot of fastStyleLayout(residualBlocks)) {
        net.getLayer(slot.conv).setWeights([values.get(fastStyleVariableName(slot.id))!]);
        // InstanceNormalization's weights are [gamma (scale, id + 2), beta (shift, id + 1)].
        net.getLayer(slot.norm).setWeights([values.get(fastStyleVariableName(slot.id + 2))!, values.get(fastStyleVariableName(slot.id + 1))!]);
      }
    } finally {
      tf.dispose([...values.values()]);
    }
  } catch (err) {
    net.dispose();
    throw err;
  }
  return net;
}

/**
 * Writes a transform net (built by `transformNet`, e.g. after `trainFastStyle`) in the same ml5 format —
 * `manifest.json` + one little-endian float32 file per variable — so ml5's `styleTransfer` and
 * `loadFastStyle` read it. Each file is written atomically.
 */
export async function writeFastStyle(net: tfl.LayersModel, dir: string): Promise<void> {
  const { path } = await fsp();
  const { residualBlocks } = transformNetConfig(net);
  const manifest: FastStyleManifest = {};
  const put = async (id: number, t: tf.Tensor) => {
    const name = fastStyleVariableName(id);
    const values = (await t.data()) as Float32Array;
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    await writeFileAtomic(path.join(dir, name), bytes);
    manifest[name] = { filename: name, shape: [...t.shape] };
  };
  for (const slot of fastStyleLayout(residualBlocks)) {
    await put(slot.id, net.getLayer(slot.conv).getWeights()[0]!);
    const [gamma, beta] = net.getLayer(slot.norm).getWeights();
    await put(slot.id + 1, beta!);
    await put(slot.id + 2, gamma!);
  }
  await writeFileAtomic(path.join(dir, 'manifest.json'), new TextEncoder().encode(JSON.stringify(manifest, null, 2)));
}
