/**
 * @fileoverview The float reference: runs a (folded) Graph on one sample with every op's float64 `evaluate`.
 * This is `fpgac sim --float` and the baseline the fixed-point design is measured against.
 */
import type { Graph, Tensor } from './ir/graph.js';
import { numel, tensor } from './ir/graph.js';
import { lookupOp } from './ops/registry.js';
import type { EvalEnv } from './ops/types.js';

export interface FloatRun {
  readonly outputs: Tensor[];
  /** Every computed value when tracing. */
  readonly values?: Map<string, Tensor>;
}

export function runFloat(g: Graph, inputs: readonly ArrayLike<number>[], opts: { trace?: boolean } = {}): FloatRun {
  const env = new Map<string, Tensor>(g.constants);
  g.inputs.forEach((vi, i) => {
    const d = inputs[i];
    if (!d || d.length !== numel(vi.shape)) throw new Error(`input ${i} ('${vi.name}') has ${d?.length ?? 0} values, ${numel(vi.shape)} expected`);
    env.set(vi.name, tensor(vi.shape, Float64Array.from(d), vi.dtype));
  });
  for (const node of g.nodes) {
    const def = lookupOp(node.op, node.domain);
    if (!def) throw new Error(`internal error: no op ${node.op}`);
    const ins = node.inputs.map((i) => (i ? env.get(i) : undefined));
    const outs = def.evaluate(node, node.params, ins, FLOAT_ENV);
    node.outputs.forEach((o, k) => { if (o) env.set(o, outs[k]); });
  }
  const outputs = g.outputs.map((o) => env.get(o.name)!);
  return opts.trace ? { outputs, values: env } : { outputs };
}

/** Subgraphs (Loop bodies, regions) run on this same float reference. */
export const FLOAT_ENV: EvalEnv = { runSubgraph: (g, inputs) => runFloat(g, inputs).outputs };
