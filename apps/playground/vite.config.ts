/**
 * The playground page. Besides the bundle, the page fetches at run time: @cnn/yolo's shipped detector
 * weights (models/...) and tfjs-backend-wasm's .wasm binaries (wasm/). `runtimeFiles` serves them from the
 * installed packages in `vite dev` and copies them into dist/ in `vite build`, so nothing is duplicated in
 * the repository.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const yolo = packageDir('@cnn/yolo');

/** URL folder (under the page) -> the package folder it is served from, and which of its files. */
export const RUNTIME_FILES: Record<string, { dir: string; include: (file: string) => boolean }> = {
  'models/tiny-face-detector/': { dir: join(yolo, 'model', 'tiny-face-detector'), include: (f) => /\.(json|bin|txt)$/.test(f) },
  'models/shapes-detector/': { dir: join(yolo, 'model', 'shapes-detector'), include: (f) => /\.(json|bin)$/.test(f) },
  'wasm/': { dir: join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'), include: (f) => f.endsWith('.wasm') },
};
const MIME: Record<string, string> = { '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream', '.txt': 'text/plain' };

function runtimeFiles(): Plugin {
  const lookup = (urlPath: string): string | undefined => {
    for (const [folder, { dir, include }] of Object.entries(RUNTIME_FILES)) {
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
      for (const [folder, { dir, include }] of Object.entries(RUNTIME_FILES)) {
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
