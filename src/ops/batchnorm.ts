/**
 * @fileoverview BatchNormalization (inference form). Never lowered itself: the foldBatchNorm pass folds it into
 * the preceding Conv/Dense or rewrites it as a per-channel Mul and Add (scale and shift).
 */
import type { Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { attrFloat, attrInt } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import type { OpDef } from './types.js';

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

export const BatchNormalizationOp: OpDef<BatchNormParams> = {
  op: 'BatchNormalization',
  family: 'batchnorm',
  arity: { inputs: [5, 5], outputs: [1, 5] },
  parse(node: Node, ins) {
    if (attrInt(node, 'training_mode', 0) === 1 || node.outputs.filter(Boolean).length > 1) {
      throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message: 'training-mode BatchNormalization is not supported' }]);
    }
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
