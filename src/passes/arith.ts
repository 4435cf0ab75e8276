/**
 * @fileoverview divToMul: division by a constant is multiplication by its reciprocal (float64, one rounding),
 * which the lowering then turns into a shift (power of two) or a constant multiplier. Exporters write these for
 * normalisation tails (Brevitas/FINN: x / sqrt(var + eps)). Division by a run-time tensor is left alone and
 * reported as unsupported.
 *
 *   Div(x, c)      becomes      Mul(x, 1/c)
 */
import type { Graph, Node } from '../ir/graph.js';
import { tensor } from '../ir/graph.js';
import { freshName, type PassResult } from './util.js';

export function divToMul(g: Graph): PassResult {
  const constants = new Map(g.constants);
  const taken = new Set<string>();
  let rewritten = 0;
  const nodes: Node[] = g.nodes.map((n) => {
    if (n.op !== 'Div') return n;
    const c = constants.get(n.inputs[1]);
    if (!c || constants.has(n.inputs[0]) || c.data.some((v) => v === 0 || !Number.isFinite(v))) return n;
    const name = freshName(g, `${n.inputs[1]}_recip`, taken);
    constants.set(name, tensor(c.shape, c.data.map((v) => 1 / v), c.dtype));
    rewritten++;
    return { ...n, op: 'Mul', inputs: [n.inputs[0], name], params: { act: { kind: 'none' } }, sources: n.sources ?? [n.name] };
  });
  return { graph: { ...g, nodes, constants }, summary: `divToMul: ${rewritten} divisions by a constant` };
}
