/**
 * @fileoverview Generated benchmark models (ONNX, built in memory with test/support/onnx-builder.ts), for the
 * benchmarks that need networks larger than the shared test models: a 1024×1024 dense layer and a
 * MobileNetV2-shaped network. Weights are seeded, so every run writes the same bytes.
 *
 * MobileNetV2 (Sandler et al. 2018, width multiplier 1.0): a 3×3 stride-2 stem Conv to 32 channels, then inverted
 * residual blocks (t, c, n, s) = (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1),
 * each a 1×1 expand Conv + ReLU6 (absent when t = 1), a 3×3 depthwise Conv (stride s on a stage's first block) +
 * ReLU6 and a 1×1 linear project Conv, with a residual Add when the block keeps shape; a 1×1 Conv to 1280 + ReLU6,
 * GlobalAveragePool, Flatten and a Gemm to the classes. BatchNorm is left out (it folds into the Convs' biases
 * anyway); ReLU6 is Clip(0, 6).
 */
import { buildModel, type InitSpec, type ModelSpec, type NodeSpec } from '../test/support/onnx-builder.js';
import { mulberry32 } from '../src/util/random.js';

/** Seeded values uniform in [-scale, scale], on the 1/1024 grid (exact in ap_fixed<16,6> and in float32). */
export function seededWeights(n: number, seed: number, scale: number): number[] {
  const next = mulberry32(seed);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = Math.round((next() * 2 - 1) * scale * 1024) / 1024;
  return out;
}

/** A single dense layer `y = x·Wᵀ + b` (Gemm, transB) with `n` inputs and `m` outputs. */
export function denseSpec(n = 1024, m = 1024, seed = 1): ModelSpec {
  const scale = Math.max(1 / 64, Math.sqrt(3 / n));
  return {
    inputs: [{ name: 'x', dims: [1, n] }],
    outputs: [{ name: 'y', dims: [1, m] }],
    initializers: [
      { name: 'w', dims: [m, n], values: seededWeights(m * n, seed, scale) },
      { name: 'b', dims: [m], values: seededWeights(m, seed + 1, 0.25) },
    ],
    nodes: [{ op: 'Gemm', name: 'dense', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { transB: 1 } }],
  };
}

export interface MobileNetV2Options {
  /** Input height and width (default 96). */
  readonly size?: number;
  /** Width multiplier on the channel counts (default 1.0); channels stay multiples of 8. */
  readonly width?: number;
  readonly classes?: number;
  readonly seed?: number;
}

/** The inverted-residual settings of MobileNetV2: expansion t, output channels c, repeats n, first stride s. */
export const MOBILENETV2_BLOCKS: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

/** MobileNetV2's channel rounding: to the nearest multiple of 8, never below 90% of the exact value. */
function divisible(v: number, d = 8): number {
  const r = Math.max(d, Math.floor(v + d / 2) - (Math.floor(v + d / 2) % d));
  return r < 0.9 * v ? r + d : r;
}

/** A MobileNetV2-shaped network (see the file comment) with seeded weights. */
export function mobileNetV2Spec(opts: MobileNetV2Options = {}): ModelSpec {
  const size = opts.size ?? 96;
  const width = opts.width ?? 1.0;
  const classes = opts.classes ?? 1000;
  let seed = opts.seed ?? 7;
  const nodes: NodeSpec[] = [];
  const inits: InitSpec[] = [
    { name: 'relu6_min', dims: [], values: [0] },
    { name: 'relu6_max', dims: [], values: [6] },
  ];
  let k = 0;
  const fresh = (p: string) => `${p}_${k++}`;
  // He-like scale so activations neither vanish nor explode much (what matters here is the C++ compile).
  const weight = (name: string, dims: number[], fanIn: number) => {
    inits.push({ name, dims, values: seededWeights(dims.reduce((a, b) => a * b, 1), seed++, Math.sqrt(3 / fanIn)) });
    return name;
  };
  const bias = (name: string, n: number) => {
    inits.push({ name, dims: [n], values: seededWeights(n, seed++, 0.0625) });
    return name;
  };
  const conv = (x: string, cin: number, cout: number, kernel: number, stride: number, group: number, relu6: boolean): string => {
    const name = fresh('conv');
    const w = weight(`${name}_w`, [cout, cin / group, kernel, kernel], (cin / group) * kernel * kernel);
    const b = bias(`${name}_b`, cout);
    const y = `${name}_out`;
    const pad = (kernel - 1) >> 1;
    nodes.push({ op: 'Conv', name, inputs: [x, w, b], outputs: [y], attrs: { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [pad, pad, pad, pad], group } });
    if (!relu6) return y;
    const r = `${name}_relu6`;
    nodes.push({ op: 'Clip', name: `${name}_clip`, inputs: [y, 'relu6_min', 'relu6_max'], outputs: [r] });
    return r;
  };

  let cin = divisible(32 * width);
  let x = conv('input', 3, cin, 3, 2, 1, true);
  for (const [t, c, n, s] of MOBILENETV2_BLOCKS) {
    const cout = divisible(c * width);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = Math.round(cin * t);
      let h = t === 1 ? x : conv(x, cin, hidden, 1, 1, 1, true);
      h = conv(h, hidden, hidden, 3, stride, hidden, true);
      h = conv(h, hidden, cout, 1, 1, 1, false);
      if (stride === 1 && cin === cout) {
        const sum = fresh('add');
        nodes.push({ op: 'Add', name: sum, inputs: [x, h], outputs: [`${sum}_out`] });
        h = `${sum}_out`;
      }
      x = h;
      cin = cout;
    }
  }
  const last = width > 1 ? divisible(1280 * width) : 1280;
  x = conv(x, cin, last, 1, 1, 1, true);
  nodes.push({ op: 'GlobalAveragePool', name: 'pool', inputs: [x], outputs: ['pooled'] });
  nodes.push({ op: 'Flatten', name: 'flatten', inputs: ['pooled'], outputs: ['features'], attrs: { axis: 1 } });
  const fw = weight('fc_w', [classes, last], last);
  const fb = bias('fc_b', classes);
  nodes.push({ op: 'Gemm', name: 'fc', inputs: ['features', fw, fb], outputs: ['logits'], attrs: { transB: 1 } });
  return {
    inputs: [{ name: 'input', dims: [1, 3, size, size] }],
    outputs: [{ name: 'logits', dims: [1, classes] }],
    initializers: inits,
    nodes,
    opset: 13,
  };
}

/** Number of weight values (initializer elements) of a spec. */
export function paramCount(spec: ModelSpec): number {
  return (spec.initializers ?? []).reduce((n, t) => n + t.values.length, 0);
}

/** Writes a spec as an ONNX file. */
export function writeModel(spec: ModelSpec, file: string): void {
  buildModel(spec, file);
}
