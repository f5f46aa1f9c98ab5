/**
 * Darknet `.weights` files: a header (int32 major, minor, revision, then `seen` = images seen in training,
 * 64-bit when major * 10 + minor >= 2, else 32-bit), then float32 little-endian parameters of every
 * [convolutional] layer in cfg order (darknet's load_convolutional_weights):
 *   with batch_normalize=1: biases[n], scales[n], rolling_mean[n], rolling_variance[n], weights[n][c/groups][k][k]
 *   without:                biases[n], weights[n][c/groups][k][k]
 */
import { InvalidArgumentError, WeightsMismatchError, describeValue } from '@cnn/ops';

export interface DarknetWeightsHeader {
  major: number;
  minor: number;
  revision: number;
  /** Images seen in training (a uint64 in newer files; exact up to 2^53). */
  seen: number;
  /** Bytes taken by the header: 20 (64-bit seen) or 16 (32-bit seen). */
  byteLength: number;
}

export interface DarknetWeights {
  header: DarknetWeightsHeader;
  /** Number of float32 values after the header. */
  floatCount: number;
  /** Floats not read yet. */
  readonly remaining: number;
  /** The next `count` floats (a copy), advancing the reader. Throws WeightsMismatchError past the end. */
  read(count: number): Float32Array;
}

function toBytes(buffer: unknown): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new InvalidArgumentError('buffer', 'the bytes of a Darknet .weights file (ArrayBuffer, Uint8Array or Buffer)', describeValue(buffer));
}

/**
 * Reads the header of a Darknet `.weights` file and returns a sequential float32 reader over the rest.
 * The bytes are not copied until read.
 *
 *     const w = readDarknetWeights(await readFile('yolo-fastest-1.1.weights'));
 *     w.header; // { major: 0, minor: 2, revision: 5, seen: 32013312, byteLength: 20 }
 */
export function readDarknetWeights(buffer: ArrayBuffer | ArrayBufferView): DarknetWeights {
  const bytes = toBytes(buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 16) {
    throw new WeightsMismatchError(`A Darknet .weights file starts with a header of at least 16 bytes, but this one has ${bytes.byteLength} bytes.`);
  }
  const major = view.getInt32(0, true);
  const minor = view.getInt32(4, true);
  const revision = view.getInt32(8, true);
  if (major < 0 || minor < 0 || major >= 1000 || minor >= 1000) {
    // Darknet reads major/minor > 1000 as "transposed" weights of very old files; anything else is not a weights file.
    throw new WeightsMismatchError(`Not a supported Darknet .weights file: header version ${major}.${minor}.${revision} (expected e.g. 0.2.0).`);
  }
  const wide = major * 10 + minor >= 2;
  const byteLength = wide ? 20 : 16;
  if (bytes.byteLength < byteLength) {
    throw new WeightsMismatchError(`A Darknet ${major}.${minor} .weights file has a ${byteLength}-byte header, but this one has only ${bytes.byteLength} bytes.`);
  }
  const seen = wide ? Number(view.getBigUint64(12, true)) : view.getUint32(12, true);
  const dataBytes = bytes.byteLength - byteLength;
  if (dataBytes % 4 !== 0) {
    throw new WeightsMismatchError(`The Darknet .weights file has ${dataBytes} bytes after its ${byteLength}-byte header, not a whole number of float32 values: the file is truncated or not a weights file.`);
  }
  const floatCount = dataBytes / 4;
  let position = 0;
  return {
    header: { major, minor, revision, seen, byteLength },
    floatCount,
    get remaining() {
      return floatCount - position;
    },
    read(count: number): Float32Array {
      if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError('count', 'an integer >= 0', describeValue(count));
      if (position + count > floatCount) {
        throw new WeightsMismatchError(`The Darknet .weights file ends after ${floatCount} floats, but ${position + count} are needed so far.`);
      }
      const out = new Float32Array(count);
      const start = byteLength + position * 4;
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + i * 4, true);
      position += count;
      return out;
    },
  };
}
