import { defineConfig } from 'vitest/config';
import { cnnVitestConfig } from '../../vitest.shared.js';

export default defineConfig(cnnVitestConfig('unit', import.meta.dirname));
