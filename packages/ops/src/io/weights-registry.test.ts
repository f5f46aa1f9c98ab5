import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { normalizeRegistryEntry, registerData, registeredData, registeredWeights, registerWeights } from './weights-registry.js';

const sha = 'a'.repeat(64);

describe('weights registry', () => {
  it('registers a Keras file by its file name, with a bare URL and digest', () => {
    const undo = registerWeights({ id: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5', urls: 'https://example.invalid/vgg19_notop.h5', sha256: sha.toUpperCase() });
    expect(registeredWeights('vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5')).toEqual({
      id: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
      files: ['vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5'],
      urls: { 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5': ['https://example.invalid/vgg19_notop.h5'] },
      sha256: { 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5': sha },
      md5: {},
    });
    undo();
    // Keras publishes md5 `file_hash`es: a bare md5 names the id as the one file too.
    const keras = normalizeRegistryEntry({ id: 'resnet50_weights_tf_dim_ordering_tf_kernels.h5', md5: '2CB95161C43110F7111970584F804107' });
    expect(keras.files).toEqual(['resnet50_weights_tf_dim_ordering_tf_kernels.h5']);
    expect(keras.md5).toEqual({ 'resnet50_weights_tf_dim_ordering_tf_kernels.h5': '2cb95161c43110f7111970584f804107' });
    expect(() => normalizeRegistryEntry({ id: 'x.h5', md5: sha })).toThrow(/entry\.md5/);
    expect(registeredWeights('vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5')).toBeUndefined();
  });

  it('registers a folder with several files, mirrors per file, separately for data', () => {
    const entry = normalizeRegistryEntry({
      id: 'tiny-model',
      files: ['model.json', 'group1-shard1of1.bin'],
      urls: { 'model.json': 'https://a.invalid/model.json', 'group1-shard1of1.bin': ['https://a.invalid/g1.bin', 'https://b.invalid/g1.bin'] },
      sha256: { 'group1-shard1of1.bin': sha },
    });
    expect(entry.urls['group1-shard1of1.bin']).toHaveLength(2);
    expect(normalizeRegistryEntry({ id: 'x', urls: { 'a.bin': 'https://a.invalid/a', 'b.bin': 'https://a.invalid/b' } }).files).toEqual(['a.bin', 'b.bin']);
    expect(normalizeRegistryEntry({ id: 'folder-only' }).files).toEqual([]);
    const undo = registerData({ id: 'raccoon', description: 'Raccoon detection set' });
    expect(registeredData('raccoon')?.description).toBe('Raccoon detection set');
    expect(registeredWeights('raccoon')).toBeUndefined();
    undo();
  });

  it.each([
    [{ id: '../x' }, /entry\.id/],
    [{ id: 'a/b' }, /entry\.id/],
    [{ id: 'C:x' }, /entry\.id/],
    [{ id: 'm', files: ['../../etc/passwd'] }, /entry\.files\[0\]/],
    [{ id: 'm', files: ['a', 'b'], urls: 'https://x.invalid/a' }, /entry\.urls.*2 files/],
    [{ id: 'm', files: ['a'], urls: { b: 'https://x.invalid/b' } }, /entry\.urls/],
    [{ id: 'm.h5', urls: 'ftp://x.invalid/m.h5' }, /http\(s\) URL/],
    [{ id: 'm.h5', sha256: 'xyz' }, /64 hex digits/],
  ])('refuses %j', (entry, message) => {
    expect(() => registerWeights(entry as never)).toThrow(InvalidArgumentError);
    expect(() => registerWeights(entry as never)).toThrow(message);
  });
});
