import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'onnx/index': 'src/onnx/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^@tensorflow\//, /^@cnn\//, /^node:/],
});
