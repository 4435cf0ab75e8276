/**
 * @fileoverview A ResNet18-shaped ONNX model for the simulator benchmark (bench/sim.ts), generated in memory with
 * test/support/onnx-builder.ts: no ResNet18 file ships with the project and model hubs are out of reach.
 *
 * Shape (He et al. 2016, torchvision's resnet18 with BatchNorm folded into each Conv's bias): conv1 7×7 stride 2
 * pad 3 to 64 channels + Relu, MaxPool 3×3 stride 2 pad 1; four stages of two BasicBlocks with 64, 128, 256, 512
 * channels (conv 3×3 (stride 2 on the first block of stages 2–4) + Relu, conv 3×3, the shortcut — identity, or a
 * 1×1 stride-2 Conv where the shape changes — Add, Relu); GlobalAveragePool, Flatten, Gemm to 1000 classes.
 * 11.7 M parameters, 1.82 GMAC at 224×224.
 *
 * Weights are seeded uniform on the 1/1024 grid (exact in ap_fixed<16,6>), scaled by √(3/fan-in) so a layer keeps
 * its input's variance, the second conv of a block and the shortcut conv by half that, so the residual sums stay
 * well inside ap_fixed<16,6>'s ±32 range; biases small. The same seed gives the same bytes on every run.
 */
import { seededWeights } from './models.js';
import { buildModel, type InitSpec, type ModelSpec, type NodeSpec } from '../test/support/onnx-builder.js';

export interface ResNetOptions {
  /** Input height and width (default 224). */
  readonly size?: number;
  readonly classes?: number;
  readonly seed?: number;
}

/** The ResNet18 graph (see the file comment). */
export function resnet18Spec(opts: ResNetOptions = {}): ModelSpec {
  const size = opts.size ?? 224;
  const classes = opts.classes ?? 1000;
  let seed = opts.seed ?? 18;
  const nodes: NodeSpec[] = [];
  const inits: InitSpec[] = [];
  let n = 0;
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, gain: number): string => {
    const id = n++;
    const fanIn = cin * k * k;
    inits.push({ name: `w${id}`, dims: [cout, cin, k, k], values: seededWeights(cout * fanIn, seed++, gain * Math.sqrt(3 / fanIn)) });
    inits.push({ name: `b${id}`, dims: [cout], values: seededWeights(cout, seed++, 1 / 16) });
    const p = (k - 1) >> 1;
    nodes.push({
      op: 'Conv', name: `conv${id}`, inputs: [x, `w${id}`, `b${id}`], outputs: [`c${id}`],
      attrs: { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p] },
    });
    return `c${id}`;
  };
  const relu = (x: string): string => {
    nodes.push({ op: 'Relu', name: `relu_${x}`, inputs: [x], outputs: [`r_${x}`] });
    return `r_${x}`;
  };
  let x = relu(conv('x', 3, 64, 7, 2, 1));
  nodes.push({ op: 'MaxPool', name: 'maxpool', inputs: [x], outputs: ['pool'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } });
  x = 'pool';
  let cin = 64;
  for (const [stage, cout] of [64, 128, 256, 512].entries()) {
    for (let blk = 0; blk < 2; blk++) {
      const stride = stage > 0 && blk === 0 ? 2 : 1;
      const y = conv(relu(conv(x, cin, cout, 3, stride, 1)), cout, cout, 3, 1, 0.5);
      const shortcut = stride !== 1 || cin !== cout ? conv(x, cin, cout, 1, stride, 0.5) : x;
      const sum = `add${stage}_${blk}`;
      nodes.push({ op: 'Add', name: sum, inputs: [y, shortcut], outputs: [sum] });
      x = relu(sum);
      cin = cout;
    }
  }
  nodes.push({ op: 'GlobalAveragePool', name: 'gap', inputs: [x], outputs: ['gap'] });
  nodes.push({ op: 'Flatten', name: 'flatten', inputs: ['gap'], outputs: ['flat'] });
  inits.push({ name: 'fc_w', dims: [classes, 512], values: seededWeights(classes * 512, seed++, Math.sqrt(3 / 512)) });
  inits.push({ name: 'fc_b', dims: [classes], values: seededWeights(classes, seed++, 1 / 16) });
  nodes.push({ op: 'Gemm', name: 'fc', inputs: ['flat', 'fc_w', 'fc_b'], outputs: ['y'], attrs: { transB: 1 } });
  return { inputs: [{ name: 'x', dims: [1, 3, size, size] }], outputs: [{ name: 'y', dims: [1, classes] }], nodes, initializers: inits, opset: 13 };
}

/** Writes the model to `file` (ONNX protobuf). */
export function writeResNet18(file: string, opts: ResNetOptions = {}): void {
  buildModel(resnet18Spec(opts), file);
}
