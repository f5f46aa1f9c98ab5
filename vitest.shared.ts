/**
 * Shared vitest settings for every package: unit (`*.test.ts`) and integration (`*.integration.test.ts`)
 * suites, tfjs-core's ESM internals inlined (their imports are extensionless), and a JSON report per run
 * when CNN_REPORT_DIR is set (CI sums them into its closing "N passed, N failed" line).
 */
import { basename } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';

export function cnnVitestConfig(kind: 'unit' | 'integration', packageDir: string): ViteUserConfig {
  const reportDir = process.env['CNN_REPORT_DIR'];
  const name = basename(packageDir);
  return {
    test: {
      include: kind === 'unit' ? ['src/**/*.test.ts'] : ['src/**/*.integration.test.ts', 'test/**/*.integration.test.ts'],
      exclude: kind === 'unit' ? ['src/**/*.integration.test.ts', 'node_modules/**'] : ['node_modules/**'],
      testTimeout: kind === 'unit' ? 120_000 : 900_000,
      hookTimeout: kind === 'unit' ? 120_000 : 900_000,
      server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\/(?!tf-core)/] } },
      pool: 'forks',
      passWithNoTests: kind === 'integration',
      reporters: reportDir ? ['default', 'json'] : ['default'],
      ...(reportDir ? { outputFile: { json: `${reportDir}/${name}-${kind}.json` } } : {}),
    },
  };
}
