/**
 * @fileoverview foldBatchNorm: y = s·x + t per channel. When BN's input comes from a Conv, ConvTranspose or Dense
 * whose output nothing else reads, scale that layer's weights per output channel and fold t into its bias (exact in
 * float; the quantizer then sees the folded weights). Otherwise rewrite BN as Mul(s) then Add(t) with [C,1,...]
 * constants.
 *
 *   Conv(W, b) → BN(γ, β, μ, σ²)      becomes      Conv(W·s, b·s + t)
 *
 * Conv and Dense weights hold each output channel's weights contiguously ([C_out, ...]); ConvTranspose's are
 * [C_in, C_out/group, k...], so output channel g·(C_out/group) + j owns slice j of every input channel of group g.
 */
import type { Graph, Node, Tensor } from '../ir/graph.js';
import { consumers, producers, tensor } from '../ir/graph.js';
import { batchNormAffine } from '../ops/batchnorm.js';
import { isOp } from '../ops/registry.js';
import { freshName, mergedSources, NodeEdits, type PassResult } from './util.js';

export function foldBatchNorm(g: Graph): PassResult {
  const cons = consumers(g);
  const prod = producers(g);
  const constants = new Map(g.constants);
  const values = new Map(g.values);
  const taken = new Set<string>();
  const edits = new NodeEdits();
  let folded = 0;
  const kept: string[] = [];
  for (const bn of g.nodes) {
    if (!isOp(bn, 'BatchNormalization')) continue;
    const [g_, b_, m_, v_] = bn.inputs.slice(1).map((n) => constants.get(n));
    if (!g_ || !b_ || !m_ || !v_) { kept.push(`'${bn.name}': non-constant statistics`); continue; }
    const { scale, shift } = batchNormAffine(bn.params, g_, b_, m_, v_);
    const src = prod.get(bn.inputs[0]);
    const current = src && edits.current(src);
    const foldable = current && isOp(current, 'Conv', 'Dense', 'ConvTranspose') && (cons.get(bn.inputs[0])?.length ?? 0) === 1
      && !g.outputs.some((o) => o.name === bn.inputs[0]) && constants.has(current.inputs[1]) && current.params.act.kind === 'none';
    if (foldable && current) {
      const w = constants.get(current.inputs[1])!;
      const wNew = w.data.map((v, i) => v * scale[outputChannelOf(current, w.shape, i)]);
      const b = current.inputs[2] ? constants.get(current.inputs[2]) : undefined;
      const bNew = Float64Array.from(scale, (s, o) => (b ? b.data[o] * s : 0) + shift[o]);
      const wName = freshName(g, `${current.inputs[1]}_bn`, taken);
      const bName = freshName(g, `${bn.name}_bias`, taken);
      constants.set(wName, tensor(w.shape, wNew, w.dtype));
      constants.set(bName, tensor([scale.length], bNew, 'float32'));
      const fused: Node = { ...current, inputs: [current.inputs[0], wName, bName], outputs: [bn.outputs[0]], sources: mergedSources(current, bn) };
      edits.remove(bn);
      edits.replace(src, fused);
      folded++;
      continue;
    }
    const rank = g.values.get(bn.inputs[0])?.shape.length ?? 4;
    const shape = [scale.length, ...new Array(Math.max(0, rank - 2)).fill(1)];
    const sName = freshName(g, `${bn.name}_scale`, taken);
    const tName = freshName(g, `${bn.name}_shift`, taken);
    const mid = freshName(g, `${bn.name}_scaled`, taken);
    constants.set(sName, tensor(shape, scale, 'float32'));
    constants.set(tName, tensor(shape, shift, 'float32'));
    const mul: Node = { name: `${bn.name}_mul`, op: 'Mul', domain: '', inputs: [bn.inputs[0], sName], outputs: [mid], attrs: {}, params: { act: { kind: 'none' } }, sources: [bn.name] };
    const add: Node = { name: `${bn.name}_add`, op: 'Add', domain: '', inputs: [mid, tName], outputs: [bn.outputs[0]], attrs: {}, params: { act: { kind: 'none' } }, sources: [bn.name] };
    edits.replace(bn, mul, add);
    const vi = values.get(bn.outputs[0]);
    if (vi) values.set(mid, { ...vi, name: mid });
    kept.push(`'${bn.name}': ${src ? `input from ${src.op} '${src.name}' is not foldable` : 'input is a graph input'}`);
  }
  const summary = `foldBatchNorm: ${folded} folded${kept.length ? `, ${kept.length} kept as scale+shift (${kept.join('; ')})` : ''}`;
  return { graph: { ...g, nodes: edits.apply(g.nodes), constants, values }, summary };
}

/** The output channel weight element i belongs to (see the file comment). */
function outputChannelOf(node: Node, shape: readonly number[], i: number): number {
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  if (!isOp(node, 'ConvTranspose')) return Math.floor(i / per);
  const taps = shape.slice(2).reduce((a, b) => a * b, 1);
  const opg = shape[1];
  const ci = Math.floor(i / per);
  const j = Math.floor(i / taps) % opg;
  return Math.floor(ci / (shape[0] / node.params.group)) * opg + j;
}

export type { Tensor };
