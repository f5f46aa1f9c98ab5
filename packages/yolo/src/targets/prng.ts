/** mulberry32 (from @cnn/ops): seeded floats in [0, 1), so seeded k-means++ gives the same anchors everywhere. */
export { mulberry32 } from '@cnn/ops';
