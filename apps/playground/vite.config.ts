/**
 * The playground page. Besides the bundle, the page fetches at run time: @cnn/yolo's shipped detector
 * weights (models/...), face-api's face recognition and 68-point landmark weights (models/face-api/, from the
 * installed @vladmandic/face-api, with their MIT notices) and tfjs-backend-wasm's .wasm binaries (wasm/).
 * `runtimeFiles` serves them from the installed packages in `vite dev` and copies them into dist/ in
 * `vite build`, so nothing is duplicated in the repository.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const yolo = packageDir('@cnn/yolo');
/** face-api's weights for @cnn/face's nets (the detector's come with @cnn/yolo). */
const FACE_API_MODELS = /^(face_recognition_model|face_landmark_68_model)(-weights_manifest\.json|\.bin)$/;

/** What the page fetches: URL folder (under the page) <- the folder it is served from, and which of its files. */
export const RUNTIME_FILES: readonly { folder: string; dir: string; include: (file: string) => boolean }[] = [
  { folder: 'models/tiny-face-detector/', dir: join(yolo, 'model', 'tiny-face-detector'), include: (f) => /\.(json|bin|txt)$/.test(f) },
  { folder: 'models/shapes-detector/', dir: join(yolo, 'model', 'shapes-detector'), include: (f) => /\.(json|bin)$/.test(f) },
  { folder: 'models/face-api/', dir: join(packageDir('@vladmandic/face-api'), 'model'), include: (f) => FACE_API_MODELS.test(f) },
  { folder: 'models/face-api/', dir: join(import.meta.dirname, 'licences'), include: (f) => f === 'LICENSE-face-api.txt' },
  { folder: 'wasm/', dir: join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'), include: (f) => f.endsWith('.wasm') },
];
const MIME: Record<string, string> = { '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream', '.txt': 'text/plain' };

function runtimeFiles(): Plugin {
  const lookup = (urlPath: string): string | undefined => {
    for (const { folder, dir, include } of RUNTIME_FILES) {
      if (!urlPath.startsWith(`/${folder}`)) continue;
      const name = decodeURIComponent(urlPath.slice(folder.length + 1));
      if (!name.includes('/') && !name.includes('\\') && include(name) && existsSync(join(dir, name))) return join(dir, name);
    }
    return undefined;
  };
  return {
    name: 'cnn-runtime-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = lookup((req.url ?? '/').split('?')[0]!);
        if (!file) return next();
        res.setHeader('content-type', MIME[extname(file)] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const { folder, dir, include } of RUNTIME_FILES) {
        for (const name of readdirSync(dir).filter(include)) this.emitFile({ type: 'asset', fileName: `${folder}${name}`, source: readFileSync(join(dir, name)) });
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  // Relative URLs: dist/ works from any folder of any static host.
  base: './',
  logLevel: 'warn',
  plugins: [runtimeFiles()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8000 },
});
