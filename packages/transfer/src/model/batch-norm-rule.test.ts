/**
 * The Keras frozen-BN rule is @cnn/architectures' (tested there: packages/architectures/src/batch-norm-rule.test.ts);
 * @cnn/transfer re-exports it unchanged. Its use by classifiers is tested in classifier.test.ts (Frozen-BN test).
 */
import * as architectures from '@cnn/architectures';
import { describe, expect, it } from 'vitest';
import * as rule from './batch-norm-rule.js';

describe('the Keras batch-norm rule re-exported by @cnn/transfer', () => {
  it('is @cnn/architectures’ own functions, not a copy', () => {
    for (const name of ['allLayers', 'applyKerasBatchNormRule', 'hasKerasBatchNormRule', 'isBatchNormalization', 'isFrozen'] as const) {
      expect(rule[name], name).toBe(architectures[name]);
    }
  });
});
