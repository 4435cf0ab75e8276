/**
 * @fileoverview Import, shape inference and constant folding in one walk over the nodes in topological order.
 * Every node is checked against the op registry, the opset that introduced its op and its arity; a node in an older
 * opset's form that params cannot express is first rewritten by its op's `upgrade` (legacy broadcasting along an
 * axis, per-activation BatchNormalization) and the result imported in its place. Then it is parsed (typed params) in
 * the form its opset defines; a node whose inputs are all constant is evaluated with its float reference and
 * replaced by its outputs as constants — this is what removes the Shape → Gather → Unsqueeze → Concat → Reshape
 * chains exporters write. Output shapes are inferred and
 * checked against the resource limits before anything is evaluated, so a node claiming a huge output is refused
 * before allocating it. All problems are collected, so the user sees every unsupported op at once.
 */
import type { Graph, Node, Tensor, ValueInfo } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { DiagnosticBag, DiagnosticError, type Diagnostic } from '../diagnostics.js';
import { lookupOp } from '../ops/registry.js';
import type { AnyOpDef, FreshName, InputInfo, OutputInfo, ParseEnv, Upgrade } from '../ops/types.js';
import { FLOAT_ENV } from '../reference.js';
import { ConstantBudget, checkElements, count, limitError, resolveLimits, type Limits } from '../limits.js';

export interface InferResult {
  readonly graph: Graph;
  readonly folded: number;
}

export interface InferOptions {
  /** Evaluate nodes whose inputs are all constant (default true). */
  readonly fold?: boolean;
  /** Resource limits (src/limits.ts); unset ones take their defaults. */
  readonly limits?: Partial<Limits>;
  /** Loop bodies around this graph (0 for the main graph). */
  readonly loopDepth?: number;
  /** Product of the trip counts of the Loops around this graph. */
  readonly enclosingTrips?: number;
}

/** A binary min-heap of node indices: the ready node that comes first in the original order is taken first. */
class IndexHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1] < a[l] ? l + 1 : l;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * Orders nodes so every input is produced before use (ONNX requires it; some exporters don't comply). Kahn's
 * algorithm; among ready nodes the original order is kept, so a sorted graph comes back unchanged. Nodes that never
 * become ready (a cycle, or an input nothing produces) follow in their original order; inference reports them.
 */
export function topoSort(g: Graph): Node[] {
  const available = new Set<string>([...g.constants.keys(), ...g.inputs.map((i) => i.name), '']);
  const nodes = g.nodes;
  const waiting = new Map<string, number[]>(); // value → nodes still waiting for it
  const missing = new Int32Array(nodes.length); // distinct inputs not yet available, per node
  const ready = new IndexHeap();
  nodes.forEach((n, k) => {
    const need = new Set(n.inputs.filter((i) => !available.has(i)));
    missing[k] = need.size;
    for (const i of need) {
      const list = waiting.get(i);
      if (list) list.push(k);
      else waiting.set(i, [k]);
    }
    if (need.size === 0) ready.push(k);
  });
  const out: Node[] = [];
  const done = new Uint8Array(nodes.length);
  while (ready.size) {
    const k = ready.pop();
    done[k] = 1;
    out.push(nodes[k]);
    for (const o of nodes[k].outputs) {
      if (available.has(o)) continue;
      available.add(o);
      for (const r of waiting.get(o) ?? []) if (--missing[r] === 0) ready.push(r);
      waiting.delete(o);
    }
  }
  if (out.length < nodes.length) nodes.forEach((n, k) => { if (!done[k]) out.push(n); });
  return out;
}

function asTensorInfo(name: string, t: Tensor): InputInfo {
  return { name, shape: t.shape, dtype: t.dtype, value: t };
}

/** The op's arity (ops/types.ts) against the node; a mismatch is FPGAC001 (the file breaks the op's definition). */
function checkArity(node: Node, def: AnyOpDef): void {
  const { inputs: [inMin, inMax], outputs: [outMin, outMax] } = def.arity;
  const range = (min: number, max: number, what: string) =>
    min === max ? `${min} ${what}${min === 1 ? '' : 's'}` : max === Infinity ? `at least ${min} ${what}s` : `${min} to ${max} ${what}s`;
  const problem = (message: string) => new DiagnosticError([{ code: 'FPGAC001', node: node.name, op: node.op, message }]);
  if (node.inputs.length < inMin || node.inputs.length > inMax) throw problem(`expects ${range(inMin, inMax, 'input')}, found ${node.inputs.length}`);
  const absent = node.inputs.findIndex((i, k) => k < inMin && !i);
  if (absent >= 0) throw problem(`required input ${absent} is empty`);
  if (node.outputs.length < outMin || node.outputs.length > outMax) throw problem(`expects ${range(outMin, outMax, 'output')}, found ${node.outputs.length}`);
  if (outMin > 0 && !node.outputs[0]) throw problem('the first output has no name');
}

/** An op newer than the model's opset is not the op the model means (ONNX resolves ops by the imported opset). */
function checkSince(node: Node, def: AnyOpDef, opset: number): void {
  if (!def.since || opset >= def.since || !(node.domain === '' || node.domain === 'ai.onnx')) return;
  throw new DiagnosticError([{ code: 'FPGAC002', node: node.name, op: node.op, message: `${node.op} exists from opset ${def.since}; the model imports opset ${opset}` }]);
}

/** The work folding the node would do, refused above the fold-ops limit before evaluate runs. */
function checkFoldCost(def: AnyOpDef, params: unknown, ins: readonly (InputInfo | undefined)[], outs: readonly OutputInfo[], limits: Limits, node: Node): void {
  const linear = ins.reduce((a, i) => a + (i ? numel(i.shape) : 0), 0) + outs.reduce((a, o) => a + numel(o.shape), 0);
  const ops = def.foldCost ? def.foldCost(params, ins, outs) : linear;
  if (!(ops <= limits.foldOps)) throw limitError('foldOps', `folding it costs about ${count(ops)} operations`, limits, { node: node.name, op: node.op });
}

/** Output shapes must be whole, non-negative and within the elements limit; checked before anything is allocated. */
function checkShapes(node: Node, shapes: readonly (readonly number[])[], limits: Limits): void {
  for (const s of shapes) {
    const n = numel(s);
    if (s.some((d) => !Number.isSafeInteger(d) || d < 0) || !Number.isSafeInteger(n)) {
      throw new DiagnosticError([{ code: 'FPGAC004', node: node.name, op: node.op, message: `output shape [${s.join(', ')}] is invalid` }]);
    }
    checkElements(n, `output [${s.join(', ')}]`, limits, { node: node.name, op: node.op });
  }
}

export function inferAndFold(g: Graph, opts: InferOptions = {}): InferResult {
  const fold = opts.fold ?? true;
  const limits = resolveLimits(opts.limits);
  const env: ParseEnv = { limits, loopDepth: opts.loopDepth ?? 0, enclosingTrips: opts.enclosingTrips ?? 1, inferSubgraph: (body, o) => inferAndFold(body, { ...o, fold: true }).graph };
  const bag = new DiagnosticBag();
  const constants = new Map(g.constants);
  // Constants held plus everything folding adds, as float64: refused above the limit before evaluating.
  const budget = new ConstantBudget(limits);
  for (const c of constants.values()) budget.used += c.data.length * 8;
  const values = new Map<string, ValueInfo>(g.inputs.map((i) => [i.name, i]));
  const poisoned = new Set<string>();
  const producer = new Map<string, string>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n.name);
  const nodes: Node[] = [];
  let folded = 0;
  // Names an op's upgrade may not reuse: every value, constant and node name of the graph.
  const names = new Set<string>([...constants.keys(), ...values.keys(), ...producer.keys(), ...g.nodes.map((n) => n.name)]);
  const fresh: FreshName = (base) => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  const order = topoSort(g);
  const upgraded: Node[] = []; // nodes an op's upgrade made, imported next (a stack: pushed in reverse)
  const adopt = (from: Node, up: Upgrade) => {
    for (const [k, t] of up.constants ?? []) {
      budget.charge(t.data.length, k, { node: from.name, op: from.op });
      constants.set(k, t);
    }
    for (const n of up.nodes) for (const o of n.outputs) if (o) producer.set(o, n.name);
    for (let k = up.nodes.length - 1; k >= 0; k--) upgraded.push(up.nodes[k]);
  };
  for (let next = 0; upgraded.length > 0 || next < order.length;) {
    const node = upgraded.pop() ?? order[next++];
    const def = lookupOp(node.op, node.domain);
    if (!def) {
      bag.add({ code: 'FPGAC002', node: node.name, op: node.domain ? `${node.domain}:${node.op}` : node.op, message: 'unsupported op' });
      node.outputs.forEach((o) => poisoned.add(o));
      continue;
    }
    // Readers of a failed node's outputs cannot be inferred; their problems would only repeat the first one.
    if (node.inputs.some((i) => poisoned.has(i))) {
      node.outputs.forEach((o) => poisoned.add(o));
      continue;
    }
    try {
      checkSince(node, def, g.opset);
      checkArity(node, def);
      const infos: (InputInfo | undefined)[] = [];
      for (const i of node.inputs) {
        if (!i) { infos.push(undefined); continue; }
        const c = constants.get(i);
        const v = values.get(i);
        if (c) infos.push(asTensorInfo(i, c));
        else if (v) infos.push({ name: i, shape: v.shape, dtype: v.dtype });
        else {
          const from = producer.get(i);
          const why = from === undefined ? 'is not produced by any node' : from === node.name ? 'is produced by this node itself (a cycle)' : `comes from node '${from}', which depends on this node's output (a cycle) or on an input nothing produces`;
          throw new DiagnosticError([{ code: 'FPGAC004', node: node.name, op: node.op, message: `input '${i}' ${why}` }]);
        }
      }
      const up = def.upgrade?.(node, infos, g.opset, fresh);
      if (up) {
        adopt(node, up);
        continue;
      }
      const params = def.parse(node, infos, g.opset, constants, env);
      const parsed: Node = { ...node, params };
      const outInfos = def.infer(parsed, params, infos);
      checkShapes(node, outInfos.map((o) => o.shape), limits);
      const allConst = node.inputs.every((i, k) => !i || infos[k]?.value);
      if (fold && (allConst || node.op === 'Shape')) {
        node.outputs.forEach((o, k) => { if (o && outInfos[k]) budget.charge(numel(outInfos[k].shape), o, { node: node.name, op: node.op }); });
        checkFoldCost(def, params, infos, outInfos, limits, node);
        const ins = infos.map((info) => info && (info.value ?? { dtype: info.dtype, shape: info.shape, data: new Float64Array(0) }));
        const outs = def.evaluate(parsed, params, ins, FLOAT_ENV);
        node.outputs.forEach((o, k) => { if (o && outs[k]) constants.set(o, outs[k]); });
        folded++;
        continue;
      }
      node.outputs.forEach((o, k) => { if (o && outInfos[k]) values.set(o, { name: o, ...outInfos[k] }); });
      nodes.push(parsed);
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      e.diagnostics.forEach((d: Diagnostic) => bag.add({ ...d, node: d.node ?? node.name, op: d.op ?? node.op }));
      node.outputs.forEach((o) => poisoned.add(o));
    }
  }
  bag.throwIfAny();
  const outputs = g.outputs.map((o) => {
    const v = values.get(o.name) ?? (constants.has(o.name) ? { name: o.name, ...constants.get(o.name)! } : undefined);
    return v ? { name: o.name, dtype: v.dtype, shape: v.shape } : o;
  });
  // Drop constants nothing reads any more (folded intermediates, replaced weights).
  const used = new Set<string>(outputs.map((o) => o.name));
  for (const n of nodes) for (const i of n.inputs) used.add(i);
  const kept = new Map([...constants].filter(([k]) => used.has(k)));
  return { graph: { ...g, nodes, constants: kept, values, outputs }, folded };
}
