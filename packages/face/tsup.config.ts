import { defineConfig } from 'tsup';
import { cnnTsupConfig } from '../../tsup.shared.js';

export default defineConfig(cnnTsupConfig({ index: 'src/index.ts' }));
