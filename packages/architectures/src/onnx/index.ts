/**
 * @cnn/architectures/onnx — export our tfjs-layers models to ONNX (opset 13), e.g. to run them in onnxruntime.
 */
export { exportOnnx, ONNX_SUPPORTED_LAYERS, type ExportOnnxOptions } from './export-onnx.js';
