import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'reference/index': 'src/reference/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  splitting: true,
  // tfjs-core's gradient configs and chained ops are bundled (its Node build lacks them); the package
  // root stays external so there is one engine. Registries are global, as in the @tensorflow/tfjs umbrella.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  external: [/^@tensorflow\/tfjs-(?:node|node-gpu|backend-\w+|layers|converter)$/, 'vitest', 'image-js', /^node:/],
});
