/**
 * @fileoverview loopRegions: finds weight-tied repetition and makes it one `LoopRegion` (one hardware engine run
 * `trips` times, weights stored once):
 * - an ONNX `Loop` with a constant trip count, one carried tensor and a body that reads only loop-invariant
 *   constants (what torch.jit.script exports for a Python `for`);
 * - unrolled residual steps x_{k+1} = x_k + g(x_k) (the Euler update x + h·f(x) of neural-ODE blocks), where
 *   consecutive steps are the same subgraph: same ops and attributes, and weights that are the same initializers
 *   or have identical contents (exporters sometimes duplicate them). Steps with different weights are not merged.
 *
 *   x → [Conv(W) → Relu → Conv(V) → Mul(h) → Add(x, ·)] × 4      becomes      x → LoopRegion{trips: 4, body}
 */
import { createHash } from 'node:crypto';
import type { Graph, Node, Tensor, ValueInfo } from '../ir/graph.js';
import { consumers, producers } from '../ir/graph.js';
import type { RegionParams } from '../ops/loop.js';
import { paramsOf } from '../ops/registry.js';
import type { InferOptions } from './infer.js';
import type { PassResult } from './util.js';

/**
 * Runs the whole pass pipeline on a Loop body (a body is canonicalized like the main graph). pipeline.ts hands it
 * in, so this pass, which is in that pipeline, does not import it.
 */
export type BodyPipeline = (body: Graph, opts: InferOptions) => Graph;

interface Step {
  readonly x: string; // state in
  readonly y: string; // state out
  readonly nodes: readonly Node[]; // in graph order, the Add last
  readonly signature: string;
}

function tensorHash(t: Tensor): string {
  return createHash('sha256').update(JSON.stringify([t.dtype, t.shape])).update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).digest('hex');
}

/** Structure of a step with names abstracted: the state is $x, internal values are %i, constants are hashes. */
function signatureOf(g: Graph, x: string, nodes: readonly Node[]): string {
  const local = new Map<string, string>([[x, '$x']]);
  const parts: string[] = [];
  for (const n of nodes) {
    const ins = n.inputs.map((i) => {
      if (!i) return '';
      if (local.has(i)) return local.get(i)!;
      const c = g.constants.get(i);
      return c ? `c:${tensorHash(c)}` : `?${i}`;
    });
    n.outputs.forEach((o, k) => local.set(o, `%${parts.length}.${k}`));
    const attrs = Object.fromEntries(Object.entries(n.attrs).filter(([, v]) => v.kind !== 'graph'));
    parts.push(JSON.stringify([n.op, n.domain, n.params ?? null, attrs, ins]));
  }
  return parts.join('\n');
}

/** The residual step ending at Add node `add` with state input `x`, if its other operand depends only on x. */
function residualStep(g: Graph, add: Node, x: string, prod: Map<string, Node>, cons: Map<string, Node[]>, order: Map<Node, number>): Step | undefined {
  const other = add.inputs[0] === x ? add.inputs[1] : add.inputs[0];
  if (!other || g.constants.has(other) || other === x) return undefined;
  const body = new Set<Node>();
  const stack = [other];
  while (stack.length) {
    const v = stack.pop()!;
    if (v === x || g.constants.has(v)) continue;
    const p = prod.get(v);
    if (!p) return undefined; // reaches a graph input other than x
    if (body.has(p)) continue;
    body.add(p);
    if (body.size > 64) return undefined;
    stack.push(...p.inputs.filter(Boolean));
  }
  // Nothing computed inside the step may be read outside it.
  const inside = new Set([...body, add]);
  for (const n of body) for (const o of n.outputs) {
    if (g.outputs.some((go) => go.name === o)) return undefined;
    if ((cons.get(o) ?? []).some((c) => !inside.has(c))) return undefined;
  }
  const nodes = [...inside].sort((a, b) => order.get(a)! - order.get(b)!);
  return { x, y: add.outputs[0], nodes, signature: signatureOf(g, x, nodes) };
}

function findSteps(g: Graph): Map<string, Step> {
  const prod = producers(g);
  const cons = consumers(g);
  const order = new Map(g.nodes.map((n, i) => [n, i]));
  const byX = new Map<string, Step>();
  for (const n of g.nodes) {
    if (n.op !== 'Add') continue;
    for (const x of n.inputs) {
      if (!x || g.constants.has(x) || byX.has(x)) continue;
      const s = residualStep(g, n, x, prod, cons, order);
      if (s) { byX.set(x, s); break; }
    }
  }
  return byX;
}

/** The body graph of one step: input x, output y, the constants it reads. */
function bodyGraph(g: Graph, s: Step): Graph {
  const constants = new Map<string, Tensor>();
  for (const n of s.nodes) for (const i of n.inputs) { const c = g.constants.get(i); if (c) constants.set(i, c); }
  const values = new Map<string, ValueInfo>();
  for (const n of s.nodes) for (const o of n.outputs) { const v = g.values.get(o); if (v) values.set(o, v); }
  const xi = g.values.get(s.x)!;
  values.set(s.x, xi);
  return { name: `step_${s.x}`, opset: g.opset, inputs: [xi], outputs: [g.values.get(s.y)!], constants, nodes: s.nodes, values };
}

/** Turns maximal runs (≥ 2) of identical consecutive residual steps into LoopRegion nodes. */
export function mergeUnrolledSteps(g: Graph): { graph: Graph; regions: string[] } {
  const steps = findSteps(g);
  const cons = consumers(g);
  const yToStep = new Map([...steps.values()].map((s) => [s.y, s]));
  const regions: string[] = [];
  let nodes = [...g.nodes];
  const used = new Set<Step>();
  for (const first of steps.values()) {
    if (used.has(first) || yToStep.has(first.x) && yToStep.get(first.x)!.signature === first.signature) continue;
    const run = [first];
    for (;;) {
      const last = run[run.length - 1];
      const next = steps.get(last.y);
      // The intermediate state must feed only the next step.
      if (!next || next.signature !== first.signature || g.outputs.some((o) => o.name === last.y)) break;
      if ((cons.get(last.y) ?? []).some((c) => !next.nodes.includes(c))) break;
      run.push(next);
    }
    if (run.length < 2) continue;
    run.forEach((s) => used.add(s));
    const drop = new Set(run.flatMap((s) => s.nodes));
    const name = `region_${first.nodes[0].name}`;
    const params: RegionParams = { trips: run.length, body: bodyGraph(g, first), origin: `${run.length} unrolled steps: ${run.map((s) => s.nodes[s.nodes.length - 1].name).join(', ')}` };
    const region: Node = {
      name, op: 'LoopRegion', domain: 'fpgac', inputs: [first.x], outputs: [run[run.length - 1].y], attrs: {}, params,
      sources: run.flatMap((s) => s.nodes.flatMap((n) => n.sources ?? [n.name])),
    };
    const at = nodes.indexOf(run[0].nodes[0]);
    nodes = nodes.filter((n, i) => i === at || !drop.has(n)).map((n, i) => (i === at ? region : n));
    regions.push(`'${name}' (${run.length} steps)`);
  }
  return { graph: { ...g, nodes }, regions };
}

/** An ONNX Loop → LoopRegion when it has one carried tensor and its body ignores the counter and condition. */
function loopToRegion(n: Node, pipeline: BodyPipeline): { node?: Node; why?: string } {
  const p = paramsOf(n, 'Loop');
  const b = p.body;
  if (b.inputs.length !== 3) return { why: `'${n.name}': ${b.inputs.length - 2} carried tensors (one is supported)` };
  const [iter, cond, state] = b.inputs.map((i) => i.name);
  const reads = new Set(b.nodes.flatMap((m) => m.inputs));
  if (reads.has(iter)) return { why: `'${n.name}': the body uses the iteration counter` };
  // The condition output must be the input condition passed through (Identity chains) or a constant true.
  let condOut = b.outputs[0].name;
  for (let p2 = b.nodes.find((m) => m.outputs[0] === condOut); p2?.op === 'Identity'; p2 = b.nodes.find((m) => m.outputs[0] === condOut)) condOut = p2.inputs[0];
  const condConst = b.constants.get(condOut);
  if (!(condOut === cond || (condConst && condConst.data[0] !== 0))) return { why: `'${n.name}': the body computes its condition` };
  const body: Graph = { ...b, inputs: [b.inputs[2]], outputs: [b.outputs[1]], nodes: b.nodes.filter((m) => !m.inputs.includes(cond)) };
  void state;
  const env = p.env;
  const params: RegionParams = {
    trips: p.trips, origin: 'Loop',
    body: pipeline(body, { limits: env.limits, loopDepth: env.loopDepth + 1, enclosingTrips: env.enclosingTrips * Math.max(1, p.trips) }),
  };
  return { node: { name: n.name, op: 'LoopRegion', domain: 'fpgac', inputs: [n.inputs[2]], outputs: [n.outputs[0]], attrs: {}, params, sources: [n.name] } };
}

export function loopRegions(g: Graph, pipeline: BodyPipeline): PassResult {
  const notes: string[] = [];
  let converted = 0;
  const nodes = g.nodes.map((n) => {
    if (n.op !== 'Loop') return n;
    const r = loopToRegion(n, pipeline);
    if (r.node) { converted++; return r.node; }
    notes.push(r.why!);
    return { ...n, params: { ...paramsOf(n, 'Loop'), unsupported: r.why } };
  });
  const merged = mergeUnrolledSteps({ ...g, nodes });
  const summary = `loopRegions: ${converted} Loop(s) and ${merged.regions.length} unrolled run(s) made regions${merged.regions.length ? ` (${merged.regions.join(', ')})` : ''}${notes.length ? `; kept: ${notes.join('; ')}` : ''}`;
  return { graph: merged.graph, summary };
}
