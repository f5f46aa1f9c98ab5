/**
 * `cnn-stylize stylize --content photo.jpg --style painting.jpg`: neural style transfer from the command line
 * with a progress bar; writes the result, a side-by-side picture (content | style | result) and the loss
 * curve. Thin on purpose: the work is @cnn/style's `stylize` / `stylizeTiled`, pictures from @cnn/ops.
 */
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { CnnError, decodeImage, describeBackend, ready, renderLinePlot, resizeImage, writeImage } from '@cnn/ops';
import { luminanceTransfer, matchColors, stylize, stylizeTiled, vggFeatures, type StepLosses } from '@cnn/style';

const HELP = `Usage: cnn-stylize stylize --content <image> --style <image> [options]

Neural style transfer (Gatys et al., the course's version): optimizes the pixels of a generated image so its
VGG-19 content matches the photo and its Gram-matrix style matches the painting.

Options:
  --content <file>        the photo (required)
  --style <file>          the painting (required)
  --out <dir>             output folder (default ./stylized)
  --size <px>             long side of the result (default 256; above --tile, tiles are used)
  --iterations <n>        optimization steps (default 300)
  --optimizer <name>      adam (default) or lbfgs
  --preserve-colors       keep the photo's colors (luminance-only transfer)
  --match-colors          recolor the painting to the photo's palette before transfer
  --weights <id|path>     VGG-19 weights: auto (default: ImageNet if found, else random multi-scale filters with a notice),
                          imagenet, random, or a path/id such as vgg19-imagenet-block1-3
  --content-layer <name>  VGG-19 content layer (default block4_conv2)
  --style-layers <list>   comma-separated style layers, equal weights (default block1..5_conv1)
  --tile <px>             tile size for large images (default 512)
  --json                  print the result as JSON
  -h, --help              this help

Examples:
  cnn-stylize stylize --content tubingen.jpg --style starry_night.jpg --size 256 --iterations 300
  CNN_WEIGHTS_PATH=../shared/weights cnn-stylize stylize --content a.jpg --style b.jpg --weights vgg19-imagenet-block1-3 \
      --content-layer block3_conv2 --style-layers block1_conv1,block2_conv1,block3_conv1`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    content: { type: 'string' },
    style: { type: 'string' },
    out: { type: 'string', default: 'stylized' },
    size: { type: 'string', default: '256' },
    iterations: { type: 'string', default: '300' },
    optimizer: { type: 'string', default: 'adam' },
    'preserve-colors': { type: 'boolean', default: false },
    'match-colors': { type: 'boolean', default: false },
    weights: { type: 'string', default: 'auto' },
    tile: { type: 'string', default: '512' },
    'content-layer': { type: 'string' },
    'style-layers': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string, code = 2): never {
  console.error(`error: ${message}\n\n${HELP}`);
  process.exit(code);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (positionals[0] !== 'stylize') fail(positionals[0] ? `unknown command '${positionals[0]}'` : 'missing command (stylize)');
if (!values.content || !values.style) fail('--content and --style are required');
const size = Number(values.size);
const iterations = Number(values.iterations);
const tile = Number(values.tile);
if (!Number.isInteger(size) || size < 32) fail(`--size must be an integer >= 32, got '${values.size}'`);
if (!Number.isInteger(iterations) || iterations < 1) fail(`--iterations must be a positive integer, got '${values.iterations}'`);
if (values.optimizer !== 'adam' && values.optimizer !== 'lbfgs') fail(`--optimizer must be adam or lbfgs, got '${values.optimizer}'`);
const log = (s: string) => {
  if (!values.json) console.log(s);
};

/** One self-rewriting progress line on a terminal, a line every 10% otherwise. */
function progress(total: number) {
  const t0 = performance.now();
  let lastPct = -1;
  return (l: StepLosses) => {
    if (values.json) return;
    const frac = l.step / total;
    const secs = (performance.now() - t0) / 1000;
    const eta = frac > 0 ? secs / frac - secs : 0;
    const line = `  [${'#'.repeat(Math.round(frac * 24)).padEnd(24)}] ${l.step}/${total}  J ${l.total.toExponential(3)}  content ${l.content.toExponential(2)}  style ${l.style.toExponential(2)}  ${secs.toFixed(0)} s, ETA ${eta.toFixed(0)} s`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
    else if (Math.floor(frac * 10) !== lastPct) {
      lastPct = Math.floor(frac * 10);
      console.log(line);
    }
  };
}

try {
  const info = await ready();
  log(describeBackend(info));
  const load = async (file: string) => {
    const img = await decodeImage(file);
    const [h, w] = img.shape;
    const f = size / Math.max(h, w);
    const out = tf.tidy(() => tf.cast(resizeImage(img, [Math.max(16, Math.round(h * f)), Math.max(16, Math.round(w * f))]), 'float32') as tf.Tensor3D);
    img.dispose();
    return out;
  };
  const content = await load(values.content);
  let style = await load(values.style);
  if (values['match-colors']) {
    const recolored = await matchColors(style, content);
    style.dispose();
    style = recolored;
  }
  const styleLayers = values['style-layers']?.split(',').map((l) => l.trim()).filter(Boolean);
  const features = await vggFeatures({
    weights: values.weights,
    onNotice: (m) => console.error(`notice: ${m}`),
    ...(values['content-layer'] ? { contentLayer: values['content-layer'] } : {}),
    ...(styleLayers?.length ? { styleLayers: styleLayers.map((l) => [l, 1 / styleLayers.length] as const) } : {}),
  });
  log(`features: ${features.model.name} (${features.weights}), content ${features.contentLayer}, style ${features.styleLayers.map((s) => s[0]).join(', ')}`);
  log(`stylizing ${basename(values.content)} (${content.shape[1]}x${content.shape[0]}) with ${basename(values.style)}: ${iterations} ${values.optimizer} steps`);
  const tiled = Math.max(content.shape[0], content.shape[1]) > tile;
  const bar = progress(iterations);
  const r = tiled
    ? await stylizeTiled(content, style, features, { iterations, tileSize: tile, optimizer: values.optimizer as 'adam', onTile: ({ tile: n, tiles }) => log(`  tile ${n}/${tiles}`) })
    : await stylize(content, style, features, { iterations, optimizer: values.optimizer as 'adam', onStep: (_img, l) => bar(l) });
  if (process.stdout.isTTY && !values.json) process.stdout.write('\n');
  let result = r.image;
  if (values['preserve-colors']) {
    const kept = luminanceTransfer(result, content);
    result.dispose();
    result = kept;
  }
  const stem = basename(values.content, extname(values.content));
  const files = { result: join(values.out, `${stem}-stylized.png`), sideBySide: join(values.out, `${stem}-side-by-side.png`), lossCurve: join(values.out, `${stem}-loss.png`) };
  await writeImage(files.result, tf.tidy(() => tf.cast(tf.round(result), 'int32')) as tf.Tensor3D);
  const side = tf.tidy(() => {
    const h = content.shape[0];
    const s = resizeImage(style, [h, Math.max(16, Math.round((style.shape[1] * h) / style.shape[0]))]);
    return tf.cast(tf.round(tf.concat([content, s, result], 1)), 'int32') as tf.Tensor3D;
  });
  await writeImage(files.sideBySide, side);
  const plot = renderLinePlot(
    [
      { x: r.losses.map((l) => l.step), y: r.losses.map((l) => l.total), label: 'total J', color: [30, 60, 200] },
      { x: r.losses.map((l) => l.step), y: r.losses.map((l) => l.content), label: 'content', color: [20, 150, 40] },
      { x: r.losses.map((l) => l.step), y: r.losses.map((l) => l.style), label: 'style', color: [210, 40, 30] },
    ],
    { title: `${values.optimizer} on ${info.backend}`, yScale: 'log', xLabel: 'step' },
  );
  await writeImage(files.lossCurve, tf.tensor3d(plot.pixels, [plot.height, plot.width, 3], 'int32'));
  const first = r.losses[0]!;
  const last = r.losses.at(-1)!;
  const summary = { backend: info.backend, weights: features.weights, size: [content.shape[1], content.shape[0]], iterations, optimizer: values.optimizer, seconds: r.seconds, styleFall: first.style / last.style, contentCost: last.content, files };
  if (values.json) console.log(JSON.stringify(summary));
  else log(`style cost ÷${summary.styleFall.toFixed(1)}, content cost ${last.content.toExponential(3)}, ${r.seconds.toFixed(0)} s\nwrote ${files.result}\n      ${files.sideBySide}\n      ${files.lossCurve}`);
  tf.dispose([content, style, result, side]);
  features.dispose();
} catch (err) {
  if (err instanceof CnnError) fail(err.message, 1);
  throw err;
}
