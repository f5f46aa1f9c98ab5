import { Image, encode } from 'image-js';
import { describe, expect, it } from 'vitest';
import { describeBytes, isDecodableFormat, sniffImageFormat } from './image-format.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('sniffImageFormat', () => {
  it('recognises what image-js writes', () => {
    const img = new Image(3, 2, { colorModel: 'RGB' });
    expect(sniffImageFormat(encode(img, { format: 'png' }))).toBe('PNG');
    expect(sniffImageFormat(encode(img, { format: 'jpeg' }))).toBe('JPEG');
    expect(sniffImageFormat(encode(img, { format: 'bmp' }))).toBe('BMP');
  });

  it('recognises formats image-js cannot decode, so errors can name them', () => {
    expect(sniffImageFormat(ascii('GIF89a....'))).toBe('GIF');
    expect(sniffImageFormat(ascii('RIFF\0\0\0\0WEBPVP8 '))).toBe('WebP');
    expect(sniffImageFormat(ascii('\0\0\0\x1cftypavif'))).toBe('AVIF/HEIC');
    expect(sniffImageFormat(Uint8Array.of(0x49, 0x49, 0x2a, 0x00, 8))).toBe('TIFF');
    expect(isDecodableFormat('TIFF')).toBe(true);
    expect(isDecodableFormat('GIF')).toBe(false);
  });

  it('returns undefined for unknown, short or empty data', () => {
    expect(sniffImageFormat(new Uint8Array(0))).toBeUndefined();
    expect(sniffImageFormat(Uint8Array.of(0x89, 0x50))).toBeUndefined(); // a PNG cut after 2 bytes
    expect(sniffImageFormat(Uint8Array.of(1, 2, 3, 4, 5))).toBeUndefined();
  });
});

describe('describeBytes', () => {
  it('shows the length, the first bytes in hex, and the text when the data is text', () => {
    expect(describeBytes(Uint8Array.of(1, 2, 0xab))).toBe('3 bytes starting 01 02 ab');
    expect(describeBytes(ascii('<!DOCTYPE html><p>Not Found</p>'))).toMatch(/^31 bytes starting 3c 21 44 4f 43 54 59 50, which looks like text: "<!DOCTYPE html><p>Not Found<\/p>"$/);
    expect(describeBytes(new Uint8Array(0))).toBe('0 bytes (empty)');
  });
});
