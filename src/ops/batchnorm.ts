/**
 * @fileoverview BatchNormalization (inference form). Never lowered itself: the foldBatchNorm pass folds it into
 * the preceding Conv/Dense or rewrites it as a per-channel Mul and Add (scale and shift).
 *
 * Older forms: before opset 7 `is_test` must be set (0, the default, normalizes with the batch's own statistics);
 * before opset 9 `spatial` 0 gives statistics per activation ([C, D1, ...]), which import rewrites into a Mul and
 * an Add by constants of that shape. `momentum` and `consumed_inputs` only matter in training.
 */
import { CHANNELS_LAST_DOMAINS, channelsLastUpgrade } from './channels-last.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { attrFloat, attrInt } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import type { FreshName, InputInfo, OpDef, Upgrade } from './types.js';

export interface BatchNormParams {
  readonly epsilon: number;
}

/** Per-channel scale s = γ/√(σ²+ε) and shift t = β − μ·s, so y = s·x + t. */
export function batchNormAffine(p: BatchNormParams, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor): { scale: Float64Array; shift: Float64Array } {
  const c = gamma.data.length;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = gamma.data[i] / Math.sqrt(variance.data[i] + p.epsilon);
    shift[i] = beta.data[i] - mean.data[i] * scale[i];
  }
  return { scale, shift };
}

function bad(node: Node, message: string, code: 'FPGAC003' | 'FPGAC004' = 'FPGAC003'): never {
  throw new DiagnosticError([{ code, node: node.name, op: node.op, message }]);
}

/** Training mode (batch statistics, running-statistics outputs) in any opset's spelling is refused. */
function checkInferenceMode(node: Node, opset: number): void {
  if (attrInt(node, 'training_mode', 0) === 1 || node.outputs.filter(Boolean).length > 1) bad(node, 'training-mode BatchNormalization is not supported');
  if (opset < 7 && attrInt(node, 'is_test', 0) === 0) {
    bad(node, `before opset 7 (the model imports ${opset}) a BatchNormalization without is_test = 1 normalizes with the batch's own statistics (training mode), which is not supported`);
  }
}

/**
 * Per-activation statistics (`spatial` 0, before opset 9) as y = x·s + t with s and t of shape [C, D1, ...]
 * (NumPy broadcasting over the batch axis). Statistics with C values mean the same as spatial 1: left to `parse`.
 */
function upgradePerActivation(node: Node, ins: readonly (InputInfo | undefined)[], opset: number, fresh: FreshName): Upgrade | undefined {
  if (opset >= 9 || attrInt(node, 'spatial', 1) !== 0) return undefined;
  const x = ins[0];
  if (!x || x.shape.length < 2 || ins.slice(1, 5).every((t) => t && numel(t.shape) === x.shape[1])) return undefined;
  checkInferenceMode(node, opset);
  const perShape = x.shape.slice(1);
  const stats = ins.slice(1, 5).map((t, i) => {
    if (!t?.value) bad(node, `statistic ${i + 1} must be constant`);
    if (numel(t.shape) !== numel(perShape)) bad(node, `with spatial = 0 statistic ${i + 1} has ${numel(t.shape)} values for activations [${perShape}]`, 'FPGAC004');
    return t.value;
  });
  const { scale, shift } = batchNormAffine({ epsilon: attrFloat(node, 'epsilon', 1e-5) }, stats[0], stats[1], stats[2], stats[3]);
  const [s, t, mid] = [fresh(`${node.name}_scale`), fresh(`${node.name}_shift`), fresh(`${node.name}_scaled`)];
  const mul: Node = { name: fresh(`${node.name}_mul`), op: 'Mul', domain: '', inputs: [node.inputs[0], s], outputs: [mid], attrs: {}, sources: [node.name] };
  const add: Node = { name: node.name, op: 'Add', domain: '', inputs: [mid, t], outputs: [node.outputs[0]], attrs: {}, sources: [node.name] };
  return { nodes: [mul, add], constants: new Map([[s, tensor(perShape, scale, x.dtype)], [t, tensor(perShape, shift, x.dtype)]]) };
}

const channelsLast = channelsLastUpgrade([0]);

export const BatchNormalizationOp: OpDef<BatchNormParams, 'BatchNormalization'> = {
  op: 'BatchNormalization',
  family: 'batchnorm',
  unsupported: [{ variant: 'training mode (training_mode = 1, or is_test = 0 before opset 7)', reason: 'inference hardware: batch statistics and running-mean updates have no place in it', diagnostic: /training-mode BatchNormalization is not supported|is_test/ }],
  arity: { inputs: [5, 5], outputs: [1, 5] },
  // QONNX's channels-last BatchNormalization: the standard one between Transposes (src/ops/channels-last.ts).
  domains: CHANNELS_LAST_DOMAINS,
  upgrade: (node, ins, opset, fresh) => channelsLast(node, ins, opset, fresh) ?? upgradePerActivation(node, ins, opset, fresh),
  parse(node: Node, ins, opset) {
    checkInferenceMode(node, opset);
    const c = ins[0]?.shape[1];
    for (let i = 1; i <= 4; i++) {
      if (ins[i]?.shape && numel(ins[i]!.shape) !== c) {
        throw new DiagnosticError([{ code: 'FPGAC004', node: node.name, op: node.op, message: `parameter ${i} has ${numel(ins[i]!.shape)} values for ${c} channels` }]);
      }
    }
    return { epsilon: attrFloat(node, 'epsilon', 1e-5) };
  },
  infer: (_n, _p, ins) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }],
  evaluate(_n, p, ins) {
    const [x, g, b, m, v] = ins as Tensor[];
    const { scale, shift } = batchNormAffine(p, g, b, m, v);
    const c = x.shape[1];
    const inner = numel(x.shape.slice(2));
    const out = x.data.map((val, i) => {
      const ch = Math.floor(i / inner) % c;
      return val * scale[ch] + shift[ch];
    });
    return [tensor(x.shape, out, x.dtype)];
  },
  constantInputs: [1, 2, 3, 4],
};
