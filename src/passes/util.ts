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

/**
 * Rewrites of a graph's nodes recorded by original node and applied once at the end, so a pass that rewrites many
 * nodes stays linear in the graph size (no copy of the node list per rewrite). A node may be replaced by several
 * (in order) or removed; `renames` redirect reads of one value to another (chains resolved).
 */
export class NodeEdits {
  private readonly repl = new Map<Node, readonly Node[]>();
  private readonly alias = new Map<string, string>();

  /** The current form of original node `n`: itself, its single replacement, or undefined if removed or split. */
  current(n: Node): Node | undefined {
    const r = this.repl.get(n);
    if (!r) return n;
    return r.length === 1 ? r[0] : undefined;
  }
  removed(n: Node): boolean {
    return this.repl.get(n)?.length === 0;
  }
  replace(n: Node, ...by: Node[]): void {
    this.repl.set(n, by);
  }
  remove(n: Node): void {
    this.repl.set(n, []);
  }
  /** Readers of `from` read `to` instead. */
  rename(from: string, to: string): void {
    this.alias.set(from, to);
  }
  private resolve(v: string): string {
    let r = v;
    for (let guard = 0; this.alias.has(r) && guard <= this.alias.size; guard++) r = this.alias.get(r)!;
    return r;
  }
  /** The edited node list, in the original order. */
  apply(nodes: readonly Node[]): Node[] {
    const out = nodes.flatMap((n) => this.repl.get(n) ?? [n]);
    if (!this.alias.size) return out;
    return out.map((n) => (n.inputs.some((i) => this.alias.has(i)) ? { ...n, inputs: n.inputs.map((i) => this.resolve(i)) } : n));
  }
}
