import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { describeEachBackend, expectNoLeaks } from '../testing/index.js';
import { decodeImage } from './decode-image.js';
import { encodeImage, tensorToImage } from './encode-image.js';
import { sniffImageFormat } from './image-format.js';

const W = 6;
const H = 4;
function pixels(): number[] {
  const d: number[] = [];
  for (let i = 0; i < W * H; i++) d.push((i * 37) % 256, (i * 91 + 7) % 256, (255 - i * 11) % 256);
  return d;
}
const values = (t: tf.Tensor) => Array.from(t.dataSync());

describeEachBackend('encodeImage', () => {
  it('round-trips PNG losslessly from int32, 0-1 float and 0-255 float tensors', async () => {
    const t = tf.tensor3d(pixels(), [H, W, 3], 'int32');
    const f01 = tf.tidy(() => tf.div(tf.cast(t, 'float32'), 255)) as tf.Tensor3D;
    const f255 = tf.cast(t, 'float32') as tf.Tensor3D;
    for (const [img, range] of [[t, undefined], [f01, undefined], [f01, '0-1'], [f255, '0-255']] as const) {
      const bytes = encodeImage(img, { range });
      expect(sniffImageFormat(bytes)).toBe('PNG');
      const back = await decodeImage(bytes);
      expect(values(back)).toEqual(pixels());
      back.dispose();
    }
    tf.dispose([t, f01, f255]);
  });

  it('clips and rounds, maps NaN to 0, and honours an explicit range', async () => {
    const g = tf.tensor2d([[-5, 300, 127.5, 0.4], [NaN, 254.6, 1, 2]], [2, 4], 'float32');
    const back = await decodeImage(encodeImage(g), { channels: 1 });
    expect(values(back)).toEqual([0, 255, 128, 0, 0, 255, 1, 2]);
    // the same data read as 0-1: everything ≥ 1 saturates
    const sat = await decodeImage(encodeImage(g, { range: '0-1' }), { channels: 1 });
    expect(values(sat)).toEqual([0, 255, 255, 102, 0, 255, 255, 255]);
    tf.dispose([g, back, sat]);
  });

  it('writes gray [H, W] and [H, W, 1] as 1-channel PNG, and keeps RGBA alpha in PNG', async () => {
    const g2 = tf.tensor2d([[0, 100], [200, 255]], [2, 2], 'int32');
    const g3 = tf.reshape(g2, [2, 2, 1]) as tf.Tensor3D;
    for (const g of [g2, g3]) {
      const back = await decodeImage(encodeImage(g), { channels: 1 });
      expect(values(back)).toEqual([0, 100, 200, 255]);
      back.dispose();
    }
    expect(tensorToImage(g2).colorModel).toBe('GREY');
    const rgba = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4], 'int32');
    const back = await decodeImage(encodeImage(rgba), { channels: 4 });
    expect(values(back)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    tf.dispose([g2, g3, rgba, back]);
  });

  it('encodes JPEG (alpha dropped, quality honoured) and BMP (lossless)', async () => {
    const t = tf.tensor3d(pixels(), [H, W, 3], 'int32');
    const hi = encodeImage(t, { format: 'jpeg', quality: 95 });
    const lo = encodeImage(t, { format: 'jpeg', quality: 5 });
    expect(sniffImageFormat(hi)).toBe('JPEG');
    expect(lo.length).toBeLessThan(hi.length);
    const rgba = tf.concat([t, tf.fill([H, W, 1], 9, 'int32')], 2) as tf.Tensor3D;
    const fromRgba = await decodeImage(encodeImage(rgba, { format: 'jpeg', quality: 95 }));
    const fromRgb = await decodeImage(hi);
    expect(values(fromRgba)).toEqual(values(fromRgb)); // alpha is dropped, not blended in
    const bmp = encodeImage(rgba, { format: 'bmp' });
    expect(sniffImageFormat(bmp)).toBe('BMP');
    const b = await decodeImage(bmp);
    expect(values(b)).toEqual(pixels());
    tf.dispose([t, rgba, fromRgba, fromRgb, b]);
  });

  it('rejects bad tensors and options with InvalidArgumentError naming the argument', () => {
    const ok = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    const cases: [() => unknown, RegExp][] = [
      [() => encodeImage(tf.zeros([2, 2, 2]) as tf.Tensor3D), /'image'.*C = 1, 3 or 4/],
      [() => encodeImage(tf.zeros([1, 2, 2, 3]) as never), /'image'.*rank-2 or 3/],
      [() => encodeImage(tf.zeros([2, 2], 'bool') as never), /'image'.*dtype int32 or float32/],
      [() => encodeImage(tf.zeros([0, 2, 3]) as tf.Tensor3D), /'image'.*at least 1x1/],
      [() => encodeImage([[1]] as never), /'image'/],
      [() => encodeImage(ok, { format: 'gif' as never }), /'options.format'/],
      [() => encodeImage(ok, { format: 'jpeg', quality: 0 }), /'options.quality'/],
      [() => encodeImage(ok, { quality: 50.5 }), /'options.quality'/],
      [() => encodeImage(ok, { range: '0-65535' as never }), /'options.range'/],
    ];
    for (const [fn, msg] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(msg);
    }
    const disposed = tf.zeros([2, 2, 3]);
    disposed.dispose();
    expect(() => encodeImage(disposed as tf.Tensor3D)).toThrow(/disposed/);
    tf.dispose(ok);
  });

  it('does not leak', async () => {
    const t = tf.ones([4, 4, 3]) as tf.Tensor3D;
    await expectNoLeaks(() => {
      encodeImage(t);
      encodeImage(t, { format: 'jpeg' });
      encodeImage(t, { format: 'bmp', range: '0-1' });
      tensorToImage(t);
      try {
        encodeImage(t, { quality: -1 });
      } catch {
        // errors must not leak either
      }
    });
    expect(t.isDisposed).toBe(false);
    t.dispose();
  });
});
