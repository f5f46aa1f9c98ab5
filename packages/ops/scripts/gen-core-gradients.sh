#!/usr/bin/env bash
# Regenerates src/core/core-gradients.ts from the installed tfjs-core's register_all_gradients.js.
set -euo pipefail
cd "$(dirname "$0")/.."
C=node_modules/@tensorflow/tfjs-core/dist
OUT=src/core/core-gradients.ts
{
  echo "// Generated from @tensorflow/tfjs-core/dist/register_all_gradients.js. The Node build of"
  echo "// tfjs-core registers no gradients, so @cnn/ops bundles tfjs-core's own gradient configs (like the"
  echo "// @tensorflow/tfjs umbrella does) and registers the ones that are missing. Regenerate with"
  echo "// scripts/gen-core-gradients.sh when tfjs is upgraded."
  echo "import type { GradConfig } from '@tensorflow/tfjs-core';"
  grep "^import { " $C/register_all_gradients.js | grep gradients | sed -E "s#import \{ ?(\w+) ?\} from '\./gradients/(\w+)';#import { \1 } from '@tensorflow/tfjs-core/dist/gradients/\2.js';#"
  echo ""
  echo "export const coreGradConfigs: readonly GradConfig[] = ["
  grep "^import { " $C/register_all_gradients.js | grep gradients | sed -E "s#import \{ ?(\w+) ?\}.*#  \1,#" | sort -u
  echo "];"
} > "$OUT"
echo "wrote $OUT"
