/**
 * @fileoverview Control flow: ONNX `Loop` (float reference; a constant trip count and a constant-true condition
 * are what hardware can build) and the canonical `LoopRegion` that the loopRegions pass makes from a Loop or from
 * unrolled weight-tied steps: one body graph run `trips` times on one carried tensor. It lowers to a `loop`
 * layer: one engine whose weights are stored once and whose state alternates between two buffers.
 */
import type { Graph, Node, Tensor, ValueInfo } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { DiagnosticError } from '../diagnostics.js';
import { earlierParams, type EvalEnv, type InputInfo, type OpDef, type ParseEnv } from './types.js';
import { count, limitError } from '../limits.js';

function bad(node: Node, message: string, code: 'FPGAC009' | 'FPGAC003' = 'FPGAC009'): never {
  throw new DiagnosticError([{ code, node: node.name, op: node.op, message }]);
}

export interface LoopParams {
  /** Constant trip count. */
  readonly trips: number;
  /** The body with outer constants merged in, inferred and folded for the carried shapes. */
  readonly body: Graph;
  /** Why the loopRegions pass could not make this Loop a region (reported if it reaches lowering). */
  readonly unsupported?: string;
  /** Where the Loop was bound: the limits and enclosing loops its body is processed under. */
  readonly env: ParseEnv;
}

/** Outer values a body reads without declaring them (ONNX scoping): names not produced inside the body. */
export function outerReads(body: Graph): string[] {
  const local = new Set<string>([...body.inputs.map((i) => i.name), ...body.constants.keys(), ...body.nodes.flatMap((n) => n.outputs), '']);
  return [...new Set(body.nodes.flatMap((n) => n.inputs).filter((i) => !local.has(i)))];
}

function parseLoop(node: Node, ins: readonly (InputInfo | undefined)[], env: ParseEnv): LoopParams {
  const a = node.attrs.body;
  if (!a || a.kind !== 'graph') bad(node, 'Loop has no body graph', 'FPGAC003');
  const raw = a.value;
  if (env.loopDepth + 1 > env.limits.loopDepth) throw limitError('loopDepth', `its body is nested ${env.loopDepth + 1} graphs deep`, env.limits, { node: node.name, op: node.op });
  const m = ins[0];
  if (!node.inputs[0] || !m) bad(node, 'a Loop without a trip count (ended only by its condition) cannot become hardware');
  if (!m.value) bad(node, `the trip count '${node.inputs[0]}' is computed at run time; fpgac needs a constant trip count`);
  if (m.value.data.length !== 1) bad(node, `the trip count must be a scalar, found shape [${m.value.shape}]`);
  const trips = m.value.data[0];
  if (!Number.isSafeInteger(trips) || trips < 0) bad(node, `trip count ${trips} is not a non-negative whole number`);
  if (trips > env.limits.loopTrips) throw limitError('loopTrips', `trip count ${count(trips)}`, env.limits, { node: node.name, op: node.op });
  const total = trips * env.enclosingTrips;
  if (total > env.limits.loopTrips) {
    throw limitError('loopTrips', `trip count ${count(trips)} inside loops running ${count(env.enclosingTrips)} times makes ${count(total)} trips`, env.limits, { node: node.name, op: node.op });
  }
  if (node.inputs[1] && ins[1]?.value && ins[1].value.data.length !== 1) bad(node, `the condition must be a scalar, found shape [${ins[1].value.shape}]`);
  if (node.inputs[1] && ins[1]?.value?.data[0] === 0) bad(node, 'the initial condition is false: the loop never runs');
  if (node.inputs[1] && !ins[1]?.value) bad(node, `the loop condition '${node.inputs[1]}' is computed at run time`);
  const carried = node.inputs.length - 2;
  if (raw.inputs.length !== carried + 2) bad(node, `the body has ${raw.inputs.length} inputs; with ${carried} carried value(s) it needs ${carried + 2} (iteration, condition, carried values)`);
  if (raw.outputs.length < carried + 1) bad(node, `the body has ${raw.outputs.length} outputs; with ${carried} carried value(s) it needs ${carried + 1} (condition, carried values)`);
  if (raw.outputs.length !== carried + 1 || node.outputs.length > carried) bad(node, `scan outputs are not supported (body has ${raw.outputs.length - 1 - carried})`);
  // Bind the body's inputs to the carried shapes.
  const inputs: ValueInfo[] = raw.inputs.map((vi, i) => {
    if (i === 0) return { name: vi.name, dtype: 'int64', shape: [] };
    if (i === 1) return { name: vi.name, dtype: 'bool', shape: [] };
    const c = ins[i];
    if (!c) bad(node, `carried value ${i - 2} is missing`, 'FPGAC003');
    return { name: vi.name, dtype: c.dtype, shape: c.shape };
  });
  return { trips, body: { ...raw, inputs }, env };
}

/**
 * Merges the outer constants the body reads (loop-invariant weights) into it and infers it; a body that reads a
 * run-time tensor of the enclosing graph is refused.
 */
function bindBody(node: Node, p: LoopParams, scope: ReadonlyMap<string, Tensor>): LoopParams {
  const outer = outerReads(p.body);
  const constants = new Map(p.body.constants);
  for (const name of outer) {
    const t = scope.get(name);
    if (!t) bad(node, `the body reads '${name}', a tensor computed at run time outside the loop; only loop-invariant constants (weights) may be read`);
    constants.set(name, t);
  }
  const body = p.env.inferSubgraph({ ...p.body, constants, values: new Map(p.body.inputs.map((i) => [i.name, i])) }, {
    limits: p.env.limits, loopDepth: p.env.loopDepth + 1, enclosingTrips: p.env.enclosingTrips * Math.max(1, p.trips),
  });
  // The float reference runs the body on its own outputs: each carried value must keep its shape.
  body.outputs.forEach((o, k) => {
    if (!body.values.has(o.name) && !body.constants.has(o.name)) bad(node, `body output '${o.name}' is not computed by the body`);
    if (k === 0) return;
    const before = body.inputs[k + 1].shape;
    if (o.shape.join() !== before.join()) bad(node, `carried value ${k - 1} has shape [${before}] before the body and [${o.shape}] after it; fpgac needs it to keep its shape`);
  });
  return { ...p, body };
}

function runLoop(p: LoopParams, ins: readonly (Tensor | undefined)[], env: EvalEnv): Tensor[] {
  let state = ins.slice(2).map((t) => t!);
  for (let i = 0; i < p.trips; i++) {
    const outs = env.runSubgraph(p.body, [[i], [1], ...state.map((t) => t.data)]);
    if (outs[0] && outs[0].data[0] === 0) break;
    state = outs.slice(1).map((t, k) => tensor(t.shape, t.data, state[k].dtype));
  }
  return state;
}

export const LoopOp: OpDef<LoopParams, 'Loop'> = {
  op: 'Loop',
  family: 'loop',
  unsupported: [{ variant: 'a trip count computed at run time', reason: 'hardware loops need their trip count at build time (a constant, or one constant folding finds)', diagnostic: /trip count .* is computed at run time/ }],
  arity: { inputs: [2, Infinity], outputs: [0, Infinity] },
  // Once bound, the body carries its weights: reuse it (the outer graph drops constants only the body reads).
  parse: (node, ins, _opset, scope, env) => earlierParams(node, LoopOp) ?? bindBody(node, parseLoop(node, ins, env), scope),
  infer: (_n, p, ins) => ins.slice(2).map((i) => ({ shape: i!.shape, dtype: i!.dtype })),
  evaluate: (_n, p, ins, env) => runLoop(p, ins, env),
  // Every trip runs the body: at least the elements its nodes write.
  foldCost: (p) => p.trips * Math.max(1, p.body.nodes.reduce((a, n) => a + n.outputs.reduce((b, o) => b + numel(p.body.values.get(o)?.shape ?? [1]), 0), 0)),
};

export interface RegionParams {
  readonly trips: number;
  /** One input (the state at the start of a step) and one output (the state after it). */
  readonly body: Graph;
  /** Where the region came from: 'Loop' or the unrolled steps' node names per step. */
  readonly origin: string;
}

export const LoopRegionOp: OpDef<RegionParams, 'LoopRegion'> = {
  op: 'LoopRegion',
  family: 'loop',
  domains: ['fpgac'],
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: (node) => earlierParams(node, LoopRegionOp) ?? bad(node, 'LoopRegion is made by fpgac from Loops and unrolled steps; a model cannot use it', 'FPGAC003'),
  infer: (_n, _p, ins) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }],
  evaluate(_n, p, ins, env) {
    let x = ins[0]!;
    for (let i = 0; i < p.trips; i++) {
      const y = env.runSubgraph(p.body, [x.data])[0];
      x = tensor(x.shape, y.data, x.dtype);
    }
    return [x];
  },
  /** One `loop` layer; the carried tensor has one format for every step (calibrated over all steps, if given). */
  lower(node, p, ctx) {
    const x = ctx.input(node.inputs[0]);
    const stateFormat = ctx.opts.regionFormats?.get(node.name) ?? ctx.opts.activation;
    const r = ctx.lowerRegion(p.body, x, stateFormat);
    const out = ctx.output(node.outputs[0], stateFormat);
    ctx.add({
      kind: 'loop', name: ctx.layerName(node), sources: node.sources ?? [node.name], inputs: [x.name], output: out.name,
      trips: p.trips, stateIn: r.stateIn.name, stateOut: r.stateOut.name, body: r.layers,
    });
  },
};
