/**
 * @cnn/transfer — transfer learning on the user's own image folders: reuse a pretrained CNN's features,
 * train a new head, fine-tune the top layers, evaluate and export.
 */
export * from './data/index.js';
export * from './model/index.js';
export * from './metrics/index.js';
