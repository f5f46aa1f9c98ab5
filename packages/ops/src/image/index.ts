export * from './decode-image.js';
export * from './encode-image.js';
export * from './letterbox.js';
export * from './draw-boxes.js';
export { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './bitmap-font.js';
