/**
 * Shared tsup settings for the packages that build on @cnn/ops: ESM + .d.ts for es2022, platform neutral
 * (Node and browsers), tfjs, the other @cnn packages and node: modules left external.
 */
import type { Options } from 'tsup';

export function cnnTsupConfig(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    external: [/^@tensorflow\//, /^@cnn\//, /^node:/],
  };
}
