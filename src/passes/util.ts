/**
 * @fileoverview Helpers for writing passes as pure Graph → Graph functions.
 */
import type { Graph, Node, Tensor } from '../ir/graph.js';
import { consumers } from '../ir/graph.js';

export interface PassResult {
  readonly graph: Graph;
  /** One line for the build log, e.g. "foldBatchNorm: 7 folded, 1 kept as scale+shift ('bn3': 2 consumers)". */
  readonly summary: string;
}

export type Pass = (g: Graph) => PassResult;

/** The single consumer of a value, when it has exactly one and is not a graph output. */
export function soleConsumer(g: Graph, value: string, cons = consumers(g)): Node | undefined {
  const list = cons.get(value);
  if (!list || list.length !== 1) return undefined;
  if (g.outputs.some((o) => o.name === value)) return undefined;
  return list[0];
}

/** Replaces every read of `from` by `to` in the nodes (and in the graph outputs when `outputs` is true). */
export function renameInput(nodes: readonly Node[], from: string, to: string): Node[] {
  return nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) } : n));
}

export function withConstants(g: Graph, add: ReadonlyMap<string, Tensor>, drop: readonly string[] = []): Map<string, Tensor> {
  const m = new Map(g.constants);
  for (const d of drop) m.delete(d);
  for (const [k, v] of add) m.set(k, v);
  return m;
}

/** A constant name not yet used in the graph. */
export function freshName(g: Graph, base: string, taken: Set<string> = new Set()): string {
  let name = base;
  let i = 1;
  while (g.constants.has(name) || g.values.has(name) || taken.has(name)) name = `${base}_${i++}`;
  taken.add(name);
  return name;
}

export function mergedSources(...nodes: Node[]): string[] {
  return nodes.flatMap((n) => n.sources ?? [n.name]);
}
