/**
 * Recognising image formats from their first bytes ("magic numbers"), so decode errors can say what the
 * bytes actually were: an unsupported format, an HTML error page saved as .jpg, or garbage.
 */

/** Formats image-js 1.7 decodes. */
export const DECODABLE_FORMATS = ['PNG', 'JPEG', 'TIFF', 'BMP'] as const;
export type DecodableFormat = (typeof DECODABLE_FORMATS)[number];

/** Everything the sniffer recognises; the ones outside DECODABLE_FORMATS get a clear "not supported". */
export type ImageFormat = DecodableFormat | 'GIF' | 'WebP' | 'AVIF/HEIC' | 'ICO' | 'PDF';

const SIGNATURES: readonly (readonly [ImageFormat, number, readonly number[]])[] = [
  ['PNG', 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['JPEG', 0, [0xff, 0xd8, 0xff]],
  ['TIFF', 0, [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', 0, [0x4d, 0x4d, 0x00, 0x2a]],
  ['BMP', 0, [0x42, 0x4d]],
  ['GIF', 0, [0x47, 0x49, 0x46, 0x38]],
  ['WebP', 8, [0x57, 0x45, 0x42, 0x50]], // "RIFF....WEBP"
  ['AVIF/HEIC', 4, [0x66, 0x74, 0x79, 0x70]], // ISO-BMFF "....ftyp"
  ['ICO', 0, [0x00, 0x00, 0x01, 0x00]],
  ['PDF', 0, [0x25, 0x50, 0x44, 0x46]],
];

/** The image format the first bytes announce, or undefined when they match none we know. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  for (const [name, offset, sig] of SIGNATURES) {
    if (bytes.length >= offset + sig.length && sig.every((b, i) => bytes[offset + i] === b)) return name;
  }
  return undefined;
}

export function isDecodableFormat(format: ImageFormat | undefined): format is DecodableFormat {
  return (DECODABLE_FORMATS as readonly string[]).includes(format as string);
}

/** "123 bytes starting 89 50 4e 47 ..." plus the text when the bytes are printable (HTML pages, JSON errors). */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return '0 bytes (empty)';
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const sample = bytes.subarray(0, 48);
  const printable = sample.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
  const text = printable ? `, which looks like text: ${JSON.stringify(String.fromCharCode(...sample).trim())}` : '';
  return `${bytes.length} bytes starting ${head}${text}`;
}
