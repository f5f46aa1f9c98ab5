/**
 * Width and height from an image file's header, without decoding it (YOLO labels are normalized, so
 * reading a data set needs every image's size). PNG, JPEG, BMP, GIF and WebP. EXIF orientation is not
 * applied: sizes are as stored.
 */
export interface ImageSize {
  width: number;
  height: number;
}

const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const le16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const be32 = (b: Uint8Array, o: number) => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
const le32s = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/**
 * The size of an encoded image from its first bytes; `undefined` when the format is not one of these or
 * the header lies beyond `bytes` (pass more of the file).
 */
export function imageSizeFromHeader(bytes: Uint8Array): ImageSize | undefined {
  const b = bytes;
  if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') return { width: be32(b, 16), height: be32(b, 20) };
  if (b.length >= 10 && ascii(b, 0, 3) === 'GIF') return { width: le16(b, 6), height: le16(b, 8) };
  if (b.length >= 26 && ascii(b, 0, 2) === 'BM') return { width: Math.abs(le32s(b, 18)), height: Math.abs(le32s(b, 22)) };
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8 ') return { width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') return { width: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), height: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) };
    return undefined;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let o = 2;
    while (o + 9 < b.length) {
      if (b[o] !== 0xff) return undefined; // not at a marker: corrupt
      const marker = b[o + 1]!;
      if (marker === 0xff) {
        o++; // fill byte
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        o += 2; // standalone markers
        continue;
      }
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC): [FF Cn len(2) precision(1) height(2) width(2)]
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: be16(b, o + 7), height: be16(b, o + 5) };
      }
      o += 2 + be16(b, o + 2);
    }
    return undefined;
  }
  return undefined;
}

/** Reads an image file's size from its header (Node); reads the whole file only when the header needs it. */
export async function readImageSize(path: string): Promise<ImageSize | undefined> {
  const { open } = await import('node:fs/promises');
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(65536);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const size = imageSizeFromHeader(head.subarray(0, bytesRead));
    if (size || bytesRead < head.length) return size;
    const { size: total } = await handle.stat();
    const all = new Uint8Array(total);
    await handle.read(all, 0, total, 0);
    return imageSizeFromHeader(all);
  } finally {
    await handle.close();
  }
}
