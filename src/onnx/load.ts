/**
 * @fileoverview ONNX file → float Graph. Decodes the protobuf, the opset, initializers (every storage form and
 * external data) and attributes; fixes the batch axis of every graph input to 1 (a symbolic or oversized first
 * dimension is the batch axis: the design processes one sample at a time). Interpreting ops is not done here, but
 * the structure is checked — every value has one producer, every graph output has one, every node an op type —
 * and so are the resource limits (src/limits.ts) on nodes, Loop nesting, tensor sizes and constant bytes, before
 * the tensors are decoded; all problems are reported together. The ai.onnx opset (1 to 25, a newer one with a
 * warning: src/onnx/opset.ts) is the graph's, by which every op is read.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { AttrValue, DType, Graph, Node, Tensor, ValueInfo } from '../ir/graph.js';
import { DiagnosticBag, DiagnosticError, fail, type Diagnostic } from '../diagnostics.js';
import { ConstantBudget, checkElements, count, limitError, resolveLimits, type Limits } from '../limits.js';
import { decodeTensor, dtypeFromOnnx, externalLocation, toNum, type TensorProtoLike } from './tensor.js';
import { checkOpset } from './opset.js';

const { onnx } = onnxProto;

export interface LoadedModel {
  readonly graph: Graph;
  readonly irVersion: number;
  readonly producer: string;
  /** Opset per domain ('' is the default ONNX domain). */
  readonly opsets: ReadonlyMap<string, number>;
  /** Batch dimension as declared by the first graph input ('N', 'batch', a number, or undefined). */
  readonly declaredBatch?: string | number;
  /** What the build should tell the user without stopping (an opset newer than fpgac knows). */
  readonly warnings: readonly Diagnostic[];
}

export interface LoadOptions {
  /** Resource limits (src/limits.ts); unset ones take their defaults. */
  readonly limits?: Partial<Limits>;
}

/** A first dimension above this is taken as a placeholder batch size (PyTorch 0.3 wrote 789444). */
const MAX_CONCRETE_BATCH = 4096;

type ProtoGraph = onnxProto.onnx.IGraphProto;
type ProtoAttr = onnxProto.onnx.IAttributeProto;

/** What decoding a model's graphs shares: where external data lives, the limits, and the problems found. */
interface LoadContext {
  readonly baseDir: string;
  readonly opset: number;
  readonly limits: Limits;
  readonly budget: ConstantBudget;
  readonly bag: DiagnosticBag;
}

export function loadModel(file: string, opts: LoadOptions = {}): LoadedModel {
  if (!existsSync(file)) fail('FPGAC001', `model file '${file}' not found`);
  if (!statSync(file).isFile()) fail('FPGAC001', `model file '${file}' is not a regular file`);
  return decodeModel(readFileSync(file), path.dirname(path.resolve(file)), file, opts);
}

export function decodeModel(bytes: Uint8Array, baseDir: string, label = 'model', opts: LoadOptions = {}): LoadedModel {
  const limits = resolveLimits(opts.limits);
  let m: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    fail('FPGAC001', `'${label}' is not a valid ONNX protobuf file (${(e as Error).message})`);
  }
  if (!m.graph) fail('FPGAC001', `'${label}' has no graph`);
  const opsets = new Map<string, number>();
  for (const o of m.opsetImport ?? []) opsets.set(o.domain ?? '', toNum(o.version));
  if (opsets.size === 0) opsets.set('', 1);
  const { opset, errors, warnings } = checkOpset(opsets);
  checkStructureLimits(m.graph, limits);
  const ctx: LoadContext = { baseDir, opset, limits, budget: new ConstantBudget(limits), bag: new DiagnosticBag() };
  errors.forEach((d) => ctx.bag.add(d));
  const { graph, declaredBatch } = decodeGraph(m.graph, ctx, true);
  ctx.bag.throwIfAny();
  return { graph, irVersion: toNum(m.irVersion), producer: `${m.producerName ?? ''} ${m.producerVersion ?? ''}`.trim(), opsets, declaredBatch, warnings };
}

/**
 * Counts the nodes of every graph (Loop bodies included) and the nesting depth of subgraphs, before anything is
 * decoded: both are refused above their limits. Iterative, so no nesting depth can overflow the stack.
 */
function checkStructureLimits(root: ProtoGraph, limits: Limits): void {
  let nodes = 0;
  let deepest: { depth: number; node: string; op: string } | undefined;
  const stack: { g: ProtoGraph; depth: number }[] = [{ g: root, depth: 0 }];
  while (stack.length) {
    const { g, depth } = stack.pop()!;
    const list = g.node ?? [];
    nodes += list.length;
    list.forEach((n, idx) => {
      for (const a of n.attribute ?? []) {
        if (!a.g) continue;
        if (depth + 1 > limits.loopDepth && (!deepest || depth + 1 > deepest.depth)) deepest = { depth: depth + 1, node: n.name || `${n.opType ?? ''}_${idx}`, op: n.opType ?? '' };
        stack.push({ g: a.g, depth: depth + 1 });
      }
    });
  }
  const problems: Diagnostic[] = [];
  if (nodes > limits.nodes) problems.push(...limitError('nodes', `the model has ${count(nodes)} nodes (Loop bodies included)`, limits).diagnostics);
  if (deepest) problems.push(...limitError('loopDepth', `its body is nested ${deepest.depth} graphs deep`, limits, { node: deepest.node, op: deepest.op }).diagnostics);
  if (problems.length) throw new DiagnosticError(problems);
}

/** Runs `f`; a DiagnosticError joins the bag (naming `where` unless it names a node itself) and `f` yields undefined. */
function collect<T>(bag: DiagnosticBag, where: { node?: string; op?: string }, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    for (const d of e.diagnostics) bag.add({ ...d, node: d.node ?? where.node, op: d.op ?? where.op });
    return undefined;
  }
}

function decodeValueInfo(v: { name?: string | null; type?: unknown }): { name: string; dtype: DType; dims: (number | string | undefined)[]; typed: boolean; shaped: boolean } {
  const t = (v.type ?? {}) as { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: unknown; dimParam?: string }[] } } };
  const tt = t.tensorType;
  const dims = (tt?.shape?.dim ?? []).map((d) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue !== undefined && d.dimValue !== null) {
      const n = toNum(d.dimValue);
      return n > 0 ? n : undefined;
    }
    return undefined;
  });
  return { name: v.name ?? '', dtype: dtypeFromOnnx(tt?.elemType ?? 1), dims, typed: !!tt, shaped: !!tt?.shape };
}

/**
 * Decode a (sub)graph. For the main graph, inputs get concrete shapes with batch 1. Subgraph (Loop body)
 * inputs keep their declared dims, unknown ones as -1, because their shapes come from the enclosing node.
 * Structural problems (unnamed or duplicate values, a value produced twice, an output nothing produces, nodes
 * without an op type) are collected in the context's bag, all of them.
 */
function decodeGraph(g: ProtoGraph, ctx: LoadContext, isMain: boolean): { graph: Graph; declaredBatch?: string | number } {
  const { bag } = ctx;
  const malformed = (message: string, where: { node?: string; op?: string } = {}) => bag.add({ code: 'FPGAC001', message, ...where });
  const constants = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (!name) { malformed('an initializer has no name'); continue; }
    if (constants.has(name)) { malformed(`initializer '${name}' is defined twice`); continue; }
    const v = collect(bag, {}, () => decodeTensor(t as TensorProtoLike, ctx.baseDir, { limits: ctx.limits, budget: ctx.budget }));
    if (v) constants.set(name, v);
  }
  const inputs: ValueInfo[] = [];
  const inputNames = new Set<string>();
  let declaredBatch: string | number | undefined;
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (constants.has(name)) continue; // IR<4 lists initializers as inputs too
    if (!name) { malformed(`graph input ${inputs.length} has no name`); continue; }
    if (inputNames.has(name)) { malformed(`graph input '${name}' is declared twice`); continue; }
    const d = collect(bag, {}, () => decodeValueInfo(vi));
    if (!d) continue;
    inputNames.add(name);
    if (isMain && !d.typed) { malformed(`graph input '${name}' has no tensor type`); continue; }
    if (isMain && !d.shaped) { bag.add({ code: 'FPGAC004', message: `graph input '${name}' has no shape; fpgac needs every dimension but the batch axis` }); continue; }
    if (isMain && inputs.length === 0 && d.dims.length > 0) declaredBatch = d.dims[0];
    let ok = true;
    const shape = d.dims.map((x, i) => {
      // Batch axis: a symbolic, unknown or oversized first dimension means one sample per run. A small concrete
      // first dimension is data (ONNX node tests, fixed-size models) and is kept; so is the only dimension of a
      // rank-1 input (a signal of 10000 values), where there is no batch axis to guess.
      if (isMain && i === 0 && (typeof x !== 'number' || (x > MAX_CONCRETE_BATCH && d.dims.length >= 2))) return 1;
      if (typeof x === 'number') return x;
      if (isMain) {
        bag.add({ code: 'FPGAC004', message: `graph input '${name}' has an unknown dimension ${i} ('${x ?? '?'}'); only the batch axis may be symbolic` });
        ok = false;
      }
      return -1;
    });
    if (isMain && ok) {
      const n = shape.reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(n)) { bag.add({ code: 'FPGAC004', message: `graph input '${name}' has an invalid shape [${shape.join(', ')}]` }); continue; }
      if (!collect(bag, {}, () => { checkElements(n, `graph input '${name}' [${shape.join(', ')}]`, ctx.limits); return true; })) continue;
    }
    inputs.push({ name, dtype: d.dtype, shape });
  }
  const outputs: ValueInfo[] = [];
  for (const vi of g.output ?? []) {
    const d = collect(bag, {}, () => decodeValueInfo(vi));
    if (!d) continue;
    if (!d.name) { malformed(`graph output ${outputs.length} has no name`); continue; }
    outputs.push({ name: d.name, dtype: d.dtype, shape: d.dims.map((x) => (typeof x === 'number' ? x : -1)) });
  }
  const nodes: Node[] = [];
  const usedNames = new Set<string>();
  const producedBy = new Map<string, string>();
  (g.node ?? []).forEach((n, idx) => {
    const op = n.opType ?? '';
    // Unnamed nodes are common (keras2onnx, hand-built graphs); derive a stable unique name for diagnostics.
    let name = n.name || `${op}_${idx}`;
    while (usedNames.has(name)) name = `${name}_${idx}`;
    usedNames.add(name);
    const where = { node: name, op };
    if (!op) malformed('the node has no op type', where);
    const domain = n.domain ?? '';
    if (domain === 'fpgac') bag.add({ code: 'FPGAC002', ...where, op: `fpgac:${op}`, message: "the 'fpgac' domain holds fpgac's internal ops; a model cannot use it" });
    const outs = [...(n.output ?? [])];
    for (const o of outs) {
      if (!o) continue;
      const prev = producedBy.get(o);
      if (prev !== undefined) malformed(`output '${o}' is also produced by node '${prev}'; every value must have one producer`, where);
      else if (inputNames.has(o)) malformed(`output '${o}' is a graph input; every value must have one producer`, where);
      else if (constants.has(o)) malformed(`output '${o}' is also an initializer; every value must have one producer`, where);
      else producedBy.set(o, name);
    }
    const attrs: Record<string, AttrValue> = {};
    for (const a of n.attribute ?? []) {
      const v = collect(bag, where, () => decodeAttr(a, ctx));
      if (v) attrs[a.name ?? ''] = v;
    }
    nodes.push({ name, op, domain, inputs: [...(n.input ?? [])], outputs: outs, attrs });
  });
  if (isMain) {
    for (const o of outputs) {
      if (!producedBy.has(o.name) && !inputNames.has(o.name) && !constants.has(o.name)) malformed(`graph output '${o.name}' is not produced by any node`);
    }
  }
  const graph: Graph = { name: g.name ?? 'graph', opset: ctx.opset, inputs, outputs, constants, nodes, values: new Map(inputs.map((i) => [i.name, i])) };
  return { graph, declaredBatch };
}

function decodeAttr(a: ProtoAttr, ctx: LoadContext): AttrValue {
  const tensorOf = (t: onnxProto.onnx.ITensorProto): AttrValue => ({ kind: 'tensor', value: decodeTensor(t as TensorProtoLike, ctx.baseDir, { limits: ctx.limits, budget: ctx.budget }) });
  // Attribute type 0 (UNDEFINED) appears in old files; infer the kind from which field is set.
  switch (a.type) {
    case 1: return { kind: 'float', value: a.f ?? 0 };
    case 2: return { kind: 'int', value: toNum(a.i ?? 0) };
    case 3: return { kind: 'string', value: Buffer.from(a.s ?? new Uint8Array()).toString('utf8') };
    case 4: return a.t ? tensorOf(a.t) : { kind: 'other', type: 'TENSOR without a value' };
    case 5: return a.g ? { kind: 'graph', value: decodeGraph(a.g, ctx, false).graph } : { kind: 'other', type: 'GRAPH without a value' };
    case 6: return { kind: 'floats', value: [...(a.floats ?? [])] };
    case 7: return { kind: 'ints', value: (a.ints ?? []).map(toNum) };
    case 8: return { kind: 'strings', value: (a.strings ?? []).map((s) => Buffer.from(s).toString('utf8')) };
    default:
      if (a.ints && a.ints.length) return { kind: 'ints', value: a.ints.map(toNum) };
      if (a.floats && a.floats.length) return { kind: 'floats', value: [...a.floats] };
      if (a.t) return tensorOf(a.t);
      if (a.s && a.s.length) return { kind: 'string', value: Buffer.from(a.s).toString('utf8') };
      if (a.f) return { kind: 'float', value: a.f };
      if (a.i !== undefined && a.i !== null) return { kind: 'int', value: toNum(a.i) };
      return { kind: 'other', type: String(a.type) };
  }
}

export { loadTensorPb } from './tensor-pb.js';

/**
 * The external data files a model's initializers (and Constant tensors) refer to, relative to the model's folder:
 * every location validated as the loader does (inside the folder, symbolic links resolved, a regular file),
 * normalized with '/' separators, so a build can copy them under its own folder without leaving it.
 */
export function externalDataFiles(file: string): string[] {
  let m: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    m = onnx.ModelProto.decode(readFileSync(file));
  } catch (e) {
    fail('FPGAC001', `'${file}' is not a valid ONNX protobuf file (${(e as Error).message})`);
  }
  const baseDir = path.dirname(path.resolve(file));
  const found = new Set<string>();
  const stack: (ProtoGraph | null | undefined)[] = [m.graph];
  while (stack.length) {
    const g = stack.pop();
    if (!g) continue;
    const tensors = [...(g.initializer ?? []), ...(g.node ?? []).flatMap((n) => (n.attribute ?? []).flatMap((a) => (a.t ? [a.t] : [])))];
    for (const t of tensors) {
      if (t.dataLocation !== 1) continue;
      const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
      if (loc) found.add(externalLocation(baseDir, loc, t.name ?? '').relative);
    }
    for (const n of g.node ?? []) for (const a of n.attribute ?? []) stack.push(a.g);
  }
  return [...found].sort();
}
