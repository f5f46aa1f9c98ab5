import { CnnError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { parseDarknetCfg } from './cfg.js';
import { DarknetCfgError } from './errors.js';
import { darknetShapes } from './shapes.js';

const CFG = `[net]
# a comment
; another comment
width=64
height = 48
channels=3

[convolutional]
batch_normalize=1
filters=8
size=3
stride=2
pad=1
activation=leaky

[conv]
filters=8
groups = 8
size=5
stride=1
pad=1
activation=mish

[maxpool]
size=3
stride=1

[route]
layers = -1, 0
groups=2
group_id=1

[shortcut]
from=-4
activation=linear

[upsample]
stride=2

[dropout]
probability=.15

[convolutional]
size=1
filters=18
activation=linear

[yolo]
mask = 0,1
anchors = 10,14,  23,27,  37,58
classes=4
num=3
scale_x_y = 1.05
ignore_thresh = .7

[region]
anchors = 1,2, 3,4
classes=4
num=2
softmax=1
`;

function cfgError(fn: () => unknown): DarknetCfgError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DarknetCfgError);
    expect(err).toBeInstanceOf(CnnError);
    return err as DarknetCfgError;
  }
  throw new Error('expected a DarknetCfgError');
}

describe('parseDarknetCfg', () => {
  it('reads [net] and every layer with typed options', () => {
    const { net, layers } = parseDarknetCfg(CFG);
    expect(net).toMatchObject({ type: 'net', width: 64, height: 48, channels: 3, letterbox: false, line: 1 });
    expect(layers.map((l) => l.type)).toEqual(['convolutional', 'convolutional', 'maxpool', 'route', 'shortcut', 'upsample', 'dropout', 'convolutional', 'yolo', 'region']);
    expect(layers[0]).toMatchObject({ filters: 8, size: 3, stride: [2, 2], padding: 1, groups: 1, batchNormalize: true, activation: 'leaky', line: 8 });
    // pad=1 means size / 2 on every side, whatever `padding` says.
    expect(layers[1]).toMatchObject({ filters: 8, groups: 8, size: 5, padding: 2, batchNormalize: false, activation: 'mish' });
    expect(layers[2]).toMatchObject({ type: 'maxpool', size: 3, stride: [1, 1], padding: 2 });
    // Relative and absolute indices become absolute.
    expect(layers[3]).toMatchObject({ type: 'route', layers: [2, 0], groups: 2, groupId: 1 });
    expect(layers[4]).toMatchObject({ type: 'shortcut', from: [0], activation: 'linear' });
    expect(layers[5]).toMatchObject({ type: 'upsample', stride: 2 });
    expect(layers[6]).toMatchObject({ type: 'dropout', probability: 0.15 });
    expect(layers[7]).toMatchObject({ size: 1, padding: 0, activation: 'linear', batchNormalize: false });
    expect(layers[8]).toMatchObject({ type: 'yolo', mask: [0, 1], anchors: [[10, 14], [23, 27], [37, 58]], classes: 4, num: 3, scaleXY: 1.05, newCoords: false });
    expect(layers[8]!.options['ignore_thresh']).toBe('.7');
    expect(layers[9]).toMatchObject({ type: 'region', anchors: [[1, 2], [3, 4]], classes: 4, num: 2, coords: 4, softmax: true });
  });

  it('uses darknet defaults: logistic convolutions, size = stride pools with padding size - 1, 64-bit-free [net]', () => {
    const { net, layers } = parseDarknetCfg('[network]\nletter_box=1\n[convolutional]\nfilters=2\n[maxpool]\nstride=2\n[shortcut]\nfrom=0\n');
    expect(net).toMatchObject({ width: 0, height: 0, channels: 3, letterbox: true });
    expect(layers[0]).toMatchObject({ size: 1, stride: [1, 1], padding: 0, activation: 'logistic', groups: 1 });
    expect(layers[1]).toMatchObject({ size: 2, stride: [2, 2], padding: 1 });
    expect(layers[2]).toMatchObject({ activation: 'linear' });
  });

  it('computes darknet output shapes and the float count the weights need', () => {
    const shapes = darknetShapes(parseDarknetCfg(CFG));
    expect(shapes.input).toEqual([48, 64, 3]);
    expect(shapes.layers).toEqual([
      [24, 32, 8],
      [24, 32, 8],
      [24, 32, 8],
      [24, 32, 8], // 4 + 4 channels: group 1 of each input
      [24, 32, 8],
      [48, 64, 8],
      [48, 64, 8],
      [48, 64, 18],
      [48, 64, 18],
      [48, 64, 18],
    ]);
    expect(shapes.paramCount).toBe(8 * 3 * 9 + 4 * 8 + (8 * 25 + 8) + (18 * 8 + 18));
  });

  it('names the line of an unknown section', () => {
    const err = cfgError(() => parseDarknetCfg('[net]\nwidth=32\n\n[convolutional]\nfilters=2\n[crop]\n'));
    expect(err.line).toBe(6);
    expect(err.message).toMatch(/line 6.*unknown section \[crop\]/);
  });

  it.each([
    ['[net]\n[convolutional]\nfilters=two\n', 3, /'filters' must be an integer/],
    ['[net]\n[convolutional]\nfilters\n', 3, /expected 'key=value'/],
    ['width=3\n[net]\n', 1, /before the first \[section\]/],
    ['[convolutional]\n[net]\n', 1, /first section must be \[net\]/],
    ['[net]\n[convolutional]\nactivation=gelu\n', 3, /unsupported activation 'gelu'/],
    ['[net]\n[convolutional]\nfilters=6\ngroups=4\n', 4, /not divisible by groups/],
    ['[net]\n[convolutional]\ndilation=2\n', 3, /'dilation=2' is not supported/],
    ['[net]\n[convolutional]\n[route]\nlayers=-3\n', 4, /refers to layer -3.*layers 0..0/],
    ['[net]\n[convolutional]\n[shortcut]\nfrom=1\n', 4, /refers to layer 1/],
    ['[net]\n[convolutional]\n[yolo]\nmask=0,3\nanchors=1,2,3,4\nnum=2\n', 4, /mask index 3 has no anchor/],
    ['[net]\n[convolutional]\n[yolo]\nanchors=1,2,3\n', 4, /\[w, h\] pairs/],
    ['[net]\n[upsample]\nstride=-2\n', 3, /negative strides/],
    ['[net]\n[dropout]\nprobability=1.5\n', 3, /\[0, 1\)/],
    ['[net]\n[convolutional]\n[route]\nlayers=0\ngroups=2\ngroup_id=2\n', 6, /group_id=2 must be < groups=2/],
    ['[net]\n[net]\n', 2, /\[net\] must be the first section/],
    ['[net]\nwidth=32\n', 1, /no layers/],
    ['[net]\n[conv\n', 2, /malformed section header/],
  ])('throws a DarknetCfgError with the line for %j', (text, line, message) => {
    const err = cfgError(() => parseDarknetCfg(text));
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it('throws typed errors for shapes that do not fit together, naming the layer', () => {
    const route = parseDarknetCfg('[net]\nwidth=30\nheight=30\n[convolutional]\nfilters=2\nsize=3\nstride=2\npad=1\n[convolutional]\nfilters=2\n[route]\nlayers=-1,-2\n');
    // 30 -> 15, then a 2/2 pool to 8 cannot be concatenated with 15 x 15:
    const bad = parseDarknetCfg('[net]\nwidth=30\nheight=30\n[convolutional]\nfilters=2\nsize=3\nstride=2\npad=1\n[route]\nlayers=-1,0\n[maxpool]\nsize=2\nstride=2\n[route]\nlayers=-1,0\n');
    expect(darknetShapes(route).layers[2]).toEqual([15, 15, 4]);
    const err = cfgError(() => darknetShapes(bad));
    expect(err.message).toMatch(/layer 3: cannot concatenate layer 2 \(8x8\) and layer 0 \(15x15\)/);
    expect(err.line).toBe(14);
    const head = parseDarknetCfg('[net]\nwidth=32\nheight=32\n[convolutional]\nfilters=20\n[yolo]\nmask=0,1\nanchors=1,1,2,2\nclasses=80\nnum=2\n');
    expect(() => darknetShapes(head)).toThrow(/2 anchors x \(5 \+ 80 classes\) = 170 input channels, got 20/);
    const shortcut = parseDarknetCfg('[net]\nwidth=8\nheight=8\n[convolutional]\nfilters=2\n[convolutional]\nfilters=3\n[shortcut]\nfrom=-2\n');
    expect(() => darknetShapes(shortcut)).toThrow(DarknetCfgError);
    expect(() => darknetShapes(parseDarknetCfg('[net]\n[convolutional]\n'))).toThrow(/input size is 0x0/);
  });

  it('rejects what is not text with InvalidArgumentError', () => {
    expect(() => parseDarknetCfg(42 as unknown as string)).toThrow(/Invalid argument 'text'/);
  });
});
