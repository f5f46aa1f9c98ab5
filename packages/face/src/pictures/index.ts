export { distanceColor, renderDistanceMatrix, type DistanceMatrixPicture, type RenderDistanceMatrixOptions } from './distance-matrix.js';
