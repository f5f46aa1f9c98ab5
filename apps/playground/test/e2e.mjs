#!/usr/bin/env node
// End-to-end test of the playground: builds the page with Vite, serves dist/ on 127.0.0.1, drives it in
// headless Chromium (playwright-core, Debian's /usr/bin/chromium or CHROMIUM_PATH) the way a user would
// (clicks, a dropped photo), checks each demo's results against ground truth computed here, saves
// screenshots to $CNN_REPORT_DIR/pictures/playground-*.png (or out/), prints "N passed, N failed" and writes
// a vitest-shaped report (playground-e2e.json) when CNN_REPORT_DIR is set.
/* global window, document, atob, createImageBitmap, File, DataTransfer, DragEvent, MutationObserver */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import { iou } from '@cnn/ops';
import { generateScene } from '@cnn/yolo';
import { chromiumLaunchOptions, reportChecks, requireChromium, serveStatic } from '../../../browser-test.shared.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '..');
const repo = join(app, '..', '..');
const pictures = process.env.CNN_REPORT_DIR ? join(process.env.CNN_REPORT_DIR, 'pictures') : join(app, 'out');
const started = performance.now();
requireChromium();

// The page's defaults (index.html, src/picture.ts): the scene it opens with, drawn here again for the truth.
const SCENE = { size: 128, seed: 4246, minObjects: 2, maxObjects: 5 };
const SCENE_ZOOM = 3; // detection.ts shows 128 px scenes enlarged 3× (nearest neighbour)
// The face photo: @vladmandic/face-api's demo/sample1.jpg (MIT, the author's own photo; the same the tour
// uses). It is read from node_modules and dropped onto the page at test time, never bundled. Its three faces
// (three different women), labelled by hand (the tip of each nose, in the photo's 1920×1280 pixels):
const FACE_PHOTO = 'sample1.jpg';
const NOSES = [
  [471, 507],
  [921, 564],
  [1571, 329],
];
// Face matching gets the photo and a second view of its middle face, made in the page from the same bytes: the
// SIDE × SIDE square around that nose, scaled by SCALE and mirrored, as a PNG. So the one known same-person pair
// is that face and the crop's; the three women are different people.
const CROP = { name: 'sample1-middle-face.png', nose: 1, side: 560, scale: 0.75 };
const faceApiDir = dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json'));
const photoBase64 = readFileSync(join(faceApiDir, 'demo', FACE_PHOTO)).toString('base64');

const checks = [];
const check = (name, ok, detail = '') => {
  checks.push({ name, ok: Boolean(ok), detail });
  if (!ok) console.log(`  ✗ ${name}${detail ? ` (${detail})` : ''}`);
};
const phase = async (name, fn) => {
  console.log(`… ${name} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  try {
    await fn();
  } catch (err) {
    check(`${name}: no error`, false, String(err?.stack ?? err).split('\n').slice(0, 3).join(' | '));
  }
};
const shown = (path) => (relative(repo, path).startsWith('..') ? path : relative(repo, path));
const shot = async (locator, name) => {
  const path = join(pictures, `playground-${name}.png`);
  await locator.screenshot({ path });
  console.log(`  saved ${shown(path)}`);
};

mkdirSync(pictures, { recursive: true });
console.log('… vite build');
await build({ configFile: join(app, 'vite.config.ts'), logLevel: 'error' });
const server = await serveStatic(join(app, 'dist'));
// Two browsers: one without WebGL (this machine has no GPU), where ready() falls back to wasm and every demo
// runs; one with SwiftShader WebGL (drawn by the CPU, ~10x slower than wasm), which ready() skips on its own and
// the page uses when asked with ?backend=webgl, for the webgl checks.
const browser = await chromium.launch(chromiumLaunchOptions({ webgl: false }));
const webglBrowser = await chromium.launch(chromiumLaunchOptions({ webgl: true }));
const pageErrors = [];
const wasmMessages = [];
const open = async (query = '', on = browser) => {
  const page = await on.newPage({ viewport: { width: 1200, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // tfjs-wasm says so when the .wasm files come with the wrong MIME type or not at all.
    if ((m.type() === 'error' || m.type() === 'warning') && /\.wasm|streaming compile|MIME/i.test(m.text())) wasmMessages.push(m.text());
  });
  await page.goto(`${server.url}${query}`);
  await page.waitForSelector('body[data-ready="true"], #backend[data-state="error"]', { timeout: 60_000 });
  return page;
};
/** The detections table as plain rows. */
const rows = (page) => page.$$eval('#detections tbody tr', (trs) => trs.map((tr) => ({ label: tr.dataset.label, score: Number(tr.dataset.score), box: tr.dataset.box.split(',').map(Number) })));
const detect = async (page, button) => {
  await page.click(button);
  await page.waitForSelector('#detection[data-state="done"], #detection[data-state="error"]', { timeout: 60_000 });
  const state = await page.getAttribute('#detection', 'data-state');
  return { state, status: await page.textContent('#detect-status'), found: await rows(page) };
};
/** Each true object is found by one detection of its class at IoU >= 0.5; the rest are false detections. */
const matchScene = (truth, found) => {
  const used = new Set();
  const ious = [];
  for (const o of truth.objects) {
    const k = found.findIndex((d, j) => !used.has(j) && d.label === o.name && iou(d.box, o.box) >= 0.5);
    if (k >= 0) {
      used.add(k);
      ious.push(iou(found[k].box, o.box));
    }
  }
  return { matched: used.size, falses: found.length - used.size, minIou: Math.min(...ious) };
};
const shapesChecks = async (page, where) => {
  const truth = generateScene(SCENE);
  const { state, status, found } = await detect(page, '#detect-shapes');
  const m = matchScene(truth, found);
  check(`${where}: the shapes detector runs on the generated scene`, state === 'done', status);
  check(
    `${where}: it finds the scene's ${truth.objects.length} objects (${truth.objects.map((o) => o.name).join(', ')}), each with its class at IoU >= 0.5, and nothing else`,
    found.length === truth.objects.length && m.matched === truth.objects.length && m.falses === 0,
    `${found.length} found: ${found.map((d) => `${d.label} ${d.score.toFixed(2)}`).join(', ')}; ${m.matched} matched, min IoU ${m.minIou.toFixed(2)}`,
  );
  return truth;
};

try {
  const page = await open();

  await phase('backend', async () => {
    const backend = await page.getAttribute('#backend', 'data-backend');
    const attempts = await page.$$eval('#backend-attempts li', (lis) => lis.map((li) => ({ backend: li.dataset.backend, ok: li.dataset.ok === 'true', text: li.textContent })));
    check('the page starts a backend with ready() and shows it', ['webgpu', 'webgl', 'wasm'].includes(backend), `${backend}: ${await page.textContent('#backend-reason')}`);
    const order = ['webgpu', 'webgl', 'wasm', 'cpu'];
    check(
      'the attempts are shown in ready() order (webgpu, webgl, wasm, cpu), the failed ones with their reason, ending with the chosen one',
      attempts.length >= 1 && attempts.every((a, i) => a.backend === order[i] && a.ok === (i === attempts.length - 1)) && attempts.at(-1).backend === backend,
      attempts.map((a) => a.text).join('; '),
    );
    if (backend === 'wasm') check('wasm starts from the .wasm files the built page serves', true, await page.textContent('#backend-name'));
    await shot(page.locator('header'), 'backend');
  });

  await phase('face matching, before use', async () => {
    const text = await page.textContent('#face-matching');
    check(
      'face matching waits for photos: idle, "use the current picture" enabled, Cancel disabled, the 0.6 threshold shown, no placeholder left',
      (await page.getAttribute('#face-matching', 'data-state')) === 'idle' && (await page.isEnabled('#face-use-picture')) && (await page.isDisabled('#face-cancel')) && (await page.textContent('#face-threshold')) === '0.6' && !/arrives with/i.test(text),
      await page.textContent('#face-threshold'),
    );
  });

  await phase('shapes detection', async () => {
    const truth = generateScene(SCENE);
    // The canvas shows the generated scene itself: its pixels are the ones the truth was drawn with.
    const shown = await page.$eval(
      '#detect-canvas',
      (c, { size, zoom }) => {
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const out = [];
        for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let k = 0; k < 3; k++) out.push(data[((y * zoom + 1) * c.width + x * zoom + 1) * 4 + k]);
        return out;
      },
      { size: SCENE.size, zoom: SCENE_ZOOM },
    );
    const differing = shown.filter((v, i) => v !== truth.image[i]).length;
    check(`the page opens with the generated shapes scene (seed ${SCENE.seed}) drawn pixel for pixel`, differing === 0, `${differing} of ${shown.length} values differ`);
    await shapesChecks(page, 'default backend');
    await shot(page.locator('#detection'), 'shapes');
  });

  await phase('a file that is not an image', async () => {
    await page.setInputFiles('#file-input', join(repo, 'README.md'));
    await page.waitForSelector('#picture-info.error', { timeout: 10_000 });
    check('choosing a file that is not an image says so', (await page.textContent('#picture-info')).includes('Cannot read README.md as an image'), await page.textContent('#picture-info'));
  });

  await phase('face detection on a dropped photo', async () => {
    const b64 = photoBase64;
    await page.evaluate(
      ({ b64, name }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
        document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { b64, name: FACE_PHOTO },
    );
    await page.waitForFunction((name) => document.getElementById('picture-info').textContent.startsWith(name), FACE_PHOTO, { timeout: 20_000 });
    check('a photo dropped on the drop zone becomes the picture', (await page.textContent('#picture-info')).includes('1920×1280'), await page.textContent('#picture-info'));
    const { state, status, found } = await detect(page, '#detect-faces');
    check('the tiny face detector runs on the dropped photo', state === 'done', status);
    const inside = (b, [x, y]) => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];
    const perNose = NOSES.map((n) => found.filter((d) => inside(d.box, n)).length);
    const sizes = found.map((d) => d.box[2] - d.box[0]);
    check(
      `it finds the ${NOSES.length} hand-labelled faces of ${FACE_PHOTO}: one box around each nose, no other box, face-sized boxes`,
      found.length === NOSES.length && perNose.every((k) => k === 1) && sizes.every((w) => w > 150 && w < 450),
      `${found.length} faces: ${found.map((d) => `[${d.box.map((v) => v.toFixed(0)).join(', ')}] ${d.score.toFixed(2)}`).join('; ')}`,
    );
    await shot(page.locator('#detection'), 'faces');
  });

  let afterMatching = 0;
  await phase('face matching', async () => {
    // The photo and the crop of its middle face, dropped together on the face matching drop zone.
    await page.evaluate(
      async ({ b64, name, crop, nose }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const photo = new File([bytes], name, { type: 'image/jpeg' });
        const bitmap = await createImageBitmap(photo);
        const out = Math.round(crop.side * crop.scale);
        const canvas = document.createElement('canvas');
        canvas.width = out;
        canvas.height = out;
        const g = canvas.getContext('2d');
        g.translate(out, 0);
        g.scale(-1, 1); // mirrored
        g.drawImage(bitmap, nose[0] - crop.side / 2, nose[1] - crop.side / 2, crop.side, crop.side, 0, 0, out, out);
        bitmap.close();
        const png = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
        const dt = new DataTransfer();
        dt.items.add(photo);
        dt.items.add(new File([png], crop.name, { type: 'image/png' }));
        document.getElementById('face-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { b64: photoBase64, name: FACE_PHOTO, crop: CROP, nose: NOSES[CROP.nose] },
    );
    await page.waitForSelector('#face-matching[data-state="running"], #face-matching[data-state="done"], #face-matching[data-state="error"]', { timeout: 10_000 });
    await page.waitForSelector('#face-matching:not([data-state="running"])', { timeout: 150_000 });
    const d = await page.$eval('#face-matching', (s) => ({ ...s.dataset }));
    const status = await page.textContent('#face-status');
    check('face matching runs on the two dropped photos, the progress counting every face', d.state === 'done' && d.photos === '2' && d.facesDone === d.faces, `${status}; ${d.facesDone} of ${d.faces} faces described`);
    const faces = await page.$$eval('#face-matches tbody tr', (trs) =>
      trs.map((tr) => ({ face: Number(tr.dataset.face), photo: Number(tr.dataset.photo), box: tr.dataset.box.split(',').map(Number), nearest: Number(tr.dataset.nearest), distance: Number(tr.dataset.distance), same: tr.dataset.same, verdict: tr.lastElementChild.textContent })),
    );
    const distances = JSON.parse((await page.getAttribute('#face-matrix', 'data-distances')) ?? '[]');
    // Which face is which: one box around each nose of the photo; the crop's box, mapped back (unmirrored,
    // unscaled), around the middle nose.
    const inside = (b, [x, y]) => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];
    const fromCrop = (b) => {
      const [cx, cy] = [NOSES[CROP.nose][0] - CROP.side / 2, NOSES[CROP.nose][1] - CROP.side / 2];
      const out = Math.round(CROP.side * CROP.scale);
      return [cx + (out - b[2]) / CROP.scale, cy + b[1] / CROP.scale, cx + (out - b[0]) / CROP.scale, cy + b[3] / CROP.scale];
    };
    const inPhoto = faces.filter((f) => f.photo === 0);
    const inCrop = faces.filter((f) => f.photo === 1);
    const who = NOSES.map((n) => inPhoto.filter((f) => inside(f.box, n)));
    check(
      `it finds the ${NOSES.length} faces of ${FACE_PHOTO} (one box around each nose) and the one face of the crop (around the same nose, mapped back)`,
      faces.length === 4 && inPhoto.length === 3 && who.every((w) => w.length === 1) && inCrop.length === 1 && inside(fromCrop(inCrop[0].box), NOSES[CROP.nose]),
      faces.map((f) => `face ${f.face} in photo ${f.photo} [${f.box.map((v) => v.toFixed(0)).join(', ')}]`).join('; '),
    );
    if (faces.length !== 4 || inCrop.length !== 1 || who.some((w) => w.length !== 1)) return;
    const pair = [who[CROP.nose][0].face - 1, inCrop[0].face - 1];
    const isPair = (i, j) => (i === pair[0] && j === pair[1]) || (i === pair[1] && j === pair[0]);
    const others = [];
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) if (!isPair(i, j)) others.push({ i, j, d: distances[i]?.[j] });
    const pairD = distances[pair[0]]?.[pair[1]];
    const shape = distances.length === 4 && distances.every((r, i) => r.length === 4 && r[i] === 0 && r.every((v, j) => Math.abs(v - distances[j][i]) < 1e-6));
    const list = (ps) => ps.map(({ i, j, d }) => `${i + 1}-${j + 1} ${d?.toFixed(3)}`).join(', ');
    check('the distance matrix is 4 × 4, symmetric, zero on the diagonal', shape, JSON.stringify(distances.map((r) => r.map((v) => Number(v.toFixed(3))))));
    check(`the matrix puts the middle woman and her mirrored crop (faces ${pair[0] + 1} and ${pair[1] + 1}) below 0.6`, pairD < 0.6, `distance ${pairD?.toFixed(3)}`);
    check('and every pair of different women above 0.6: nothing else matches', others.length === 5 && others.every((o) => o.d > 0.6), list(others));
    const rowOf = (i) => faces.find((f) => f.face === i + 1);
    const pairRows = pair.map(rowOf);
    const otherRows = faces.filter((f) => !pair.includes(f.face - 1));
    check(
      'the table: the two views of the middle woman are each other\'s nearest face, "same person"; the other two women "different"',
      pairRows.every((r, k) => r.nearest === pair[1 - k] + 1 && r.same === 'true' && r.verdict === 'same person') && otherRows.every((r) => r.same === 'false' && r.verdict === 'different' && r.distance > 0.6),
      faces.map((f) => `${f.face} → ${f.nearest} ${f.distance.toFixed(3)} ${f.verdict}`).join('; '),
    );
    const matrixSize = await page.$eval('#face-matrix', (c) => ({ hidden: c.hidden, w: c.width, h: c.height }));
    check('the distance matrix picture is drawn (face thumbnails, 4 × 4 cells)', !matrixSize.hidden && matrixSize.w > 4 * 64 && matrixSize.h > 4 * 64, `${matrixSize.w}×${matrixSize.h}`);
    check('the summary names the one same-person pair', (await page.getAttribute('#face-matching', 'data-pairs')) === '1', await page.textContent('#face-summary'));
    afterMatching = await page.evaluate(() => window.__playground.numTensors());
    await shot(page.locator('#face-matching'), 'face-matching');
  });

  await phase('face matching cancel', async () => {
    // Four copies of the photo (12 faces); Cancel is clicked (a click event on the button, from the page) the
    // moment the second face is described.
    await page.evaluate(
      ({ b64, name }) => {
        const section = document.getElementById('face-matching');
        const observer = new MutationObserver(() => {
          if (section.dataset.facesDone !== '2') return;
          observer.disconnect();
          document.getElementById('face-cancel').click();
        });
        observer.observe(section, { attributes: true, attributeFilter: ['data-faces-done'] });
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        for (let k = 1; k <= 4; k++) dt.items.add(new File([bytes], `${k}-${name}`, { type: 'image/jpeg' }));
        document.getElementById('face-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { b64: photoBase64, name: FACE_PHOTO },
    );
    await page.waitForSelector('#face-matching:not([data-state="running"])', { timeout: 30_000 });
    const d = await page.$eval('#face-matching', (s) => ({ ...s.dataset }));
    const tensors = await page.evaluate(() => window.__playground.numTensors());
    check(
      'Cancel stops a 12-face matching run before the next face (clicked after face 2, stopped with 2 described), and "use the current picture" is enabled again',
      d.state === 'cancelled' && d.faces === '12' && d.cancelledAt === '2' && d.facesDone === '2' && (await page.isEnabled('#face-use-picture')) && (await page.isDisabled('#face-cancel')),
      `${await page.textContent('#face-status')}; Cancel clicked after ${d.cancelledAt} faces`,
    );
    check('a cancelled face matching run leaves no tensors behind (the models stay loaded)', tensors === afterMatching, `${tensors} live tensors, ${afterMatching} after the complete run`);
  });

  let afterRun = 0;
  await phase('style transfer', async () => {
    await page.click('#new-scene'); // back to the generated scene as the content
    await page.selectOption('#style-size', '128');
    await page.fill('#style-iterations', '40');
    await page.click('#style-run');
    await page.waitForSelector('#style-transfer[data-state="done"], #style-transfer[data-state="error"]', { timeout: 120_000 });
    const d = await page.$eval('#style-transfer', (s) => ({ ...s.dataset }));
    const status = await page.textContent('#style-status');
    check('style transfer runs 40 Adam steps at 128 px with the default features, the progress bar reaching the end', d.state === 'done' && d.step === '40' && (await page.$eval('#style-progress', (p) => p.value === p.max)), status);
    const first = Number(d.firstLoss);
    const last = Number(d.lastLoss);
    check('its total cost decreased (to less than half)', last < first / 2, `${first.toExponential(3)} → ${last.toExponential(3)}`);
    const diff = await page.evaluate(() => {
      const read = (id) => {
        const c = document.getElementById(id);
        return { w: c.width, h: c.height, data: c.getContext('2d').getImageData(0, 0, c.width, c.height).data };
      };
      const a = read('style-content');
      const b = read('style-result');
      if (a.w !== b.w || a.h !== b.h) return { size: `${a.w}×${a.h} vs ${b.w}×${b.h}` };
      let sum = 0;
      for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) sum += Math.abs(a.data[i] - b.data[i]);
      return { size: `${a.w}×${a.h}`, mean: sum / ((a.data.length / 4) * 3) };
    });
    check('the result differs from the content (mean absolute difference > 10 of 255)', diff.mean > 10, `${diff.size}, mean |result - content| ${diff.mean?.toFixed(1)}`);
    check('the loss curve is drawn', (await page.$eval('#style-loss', (c) => c.width)) === 480);
    afterRun = await page.evaluate(() => window.__playground.numTensors());
    await shot(page.locator('#style-transfer'), 'style');
  });

  await phase('cancel', async () => {
    await page.fill('#style-iterations', '5000');
    await page.click('#style-run');
    await page.waitForFunction(() => Number(document.getElementById('style-transfer').dataset.step) >= 3, undefined, { timeout: 60_000 });
    const t0 = performance.now();
    await page.click('#style-cancel');
    await page.waitForSelector('#style-transfer[data-state="cancelled"]', { timeout: 15_000 });
    const ms = performance.now() - t0;
    const step = Number(await page.getAttribute('#style-transfer', 'data-step'));
    const clickedAt = Number(await page.getAttribute('#style-transfer', 'data-cancelled-at-step'));
    await page.waitForTimeout(1000);
    const later = Number(await page.getAttribute('#style-transfer', 'data-step'));
    // The page acts on the click before the next step; Playwright's click itself waits for turns of a busy page.
    check(
      'Cancel stops a 5,000-step run before the next step and it stays stopped',
      step < 5000 && step - clickedAt <= 1 && later === step,
      `${await page.textContent('#style-status')}; the click arrived at step ${clickedAt}, ${ms.toFixed(0)} ms from click() to the cancelled state; step ${later} one second later`,
    );
    check('after cancelling, Stylize is enabled again and Cancel disabled', (await page.isEnabled('#style-run')) && (await page.isDisabled('#style-cancel')));
    const tensors = await page.evaluate(() => window.__playground.numTensors());
    check('a cancelled run leaves no tensors behind', tensors === afterRun, `${tensors} live tensors, ${afterRun} after the completed run`);
    await shot(page.locator('#style-transfer'), 'cancel');
    await page.screenshot({ path: join(pictures, 'playground-page.png'), fullPage: true });
  });
  await page.close();

  await phase('?backend= override', async () => {
    const forced = await open('?backend=cpu');
    const backend = await forced.getAttribute('#backend', 'data-backend');
    check('?backend=cpu in the address makes ready() use cpu, and the page says so', backend === 'cpu', await forced.textContent('#backend-reason'));
    await forced.close();
  });

  await phase('webgl (SwiftShader) backend', async () => {
    const auto = await open('', webglBrowser);
    const chosen = await auto.getAttribute('#backend', 'data-backend');
    const skipped = await auto.$eval('#backend-attempts li[data-backend="webgl"]', (li) => li.textContent).catch(() => '');
    check('with only SwiftShader WebGL, ready() skips it for wasm and the attempts say why', chosen === 'wasm' && /skipped: .*SwiftShader/.test(skipped), `${chosen}; ${skipped}`);
    await auto.close();
    const gl = await open('?backend=webgl', webglBrowser);
    const backend = await gl.getAttribute('#backend', 'data-backend');
    check('?backend=webgl starts webgl there', backend === 'webgl', await gl.textContent('#backend-reason'));
    const hint = (await gl.$('#backend-hint')) ? await gl.textContent('#backend-hint') : '';
    check('the page says that SwiftShader WebGL runs on the CPU and links to ?backend=wasm', /SwiftShader/i.test(hint) && (await gl.getAttribute('#backend-hint a', 'href')) === '?backend=wasm', hint);
    if (backend !== 'webgl') return;
    await shapesChecks(gl, 'webgl');
    // SwiftShader runs WebGL on the CPU (~10 s per 128 px step): a short run shows the training path works.
    await gl.selectOption('#style-size', '64');
    await gl.fill('#style-iterations', '3');
    await gl.click('#style-run');
    await gl.waitForSelector('#style-transfer[data-state="done"], #style-transfer[data-state="error"]', { timeout: 90_000 });
    const d = await gl.$eval('#style-transfer', (s) => ({ ...s.dataset }));
    check('webgl: style transfer runs (3 steps at 64 px) and its cost decreases', d.state === 'done' && Number(d.lastLoss) < Number(d.firstLoss), await gl.textContent('#style-status'));
    await shot(gl.locator('body'), 'webgl');
    await gl.close();
  });

  check('no uncaught errors in the page', pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
  check('no console errors or warnings about loading the .wasm files', wasmMessages.length === 0, wasmMessages.slice(0, 2).join(' | '));
} catch (err) {
  check('the test ran to the end', false, String(err?.stack ?? err));
} finally {
  await browser.close();
  await webglBrowser.close();
  await server.close();
}
console.log(`took ${((performance.now() - started) / 1000).toFixed(0)} s; screenshots in ${shown(pictures)}/`);
const failed = reportChecks('playground-e2e', 'apps/playground/test/e2e.mjs', checks);
process.exit(failed ? 1 : 0);
