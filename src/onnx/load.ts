/**
 * @fileoverview ONNX file → float Graph. Decodes the protobuf, the opset, initializers (every storage form and
 * external data) and attributes; fixes the batch axis of every graph input to 1 (a symbolic or oversized first
 * dimension is the batch axis: the design processes one sample at a time). Interpreting ops is not done here.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { AttrValue, DType, Graph, Node, Tensor, ValueInfo } from '../ir/graph.js';
import { fail } from '../diagnostics.js';
import { decodeTensor, dtypeFromOnnx, toNum, type TensorProtoLike } from './tensor.js';

const { onnx } = onnxProto;

export interface LoadedModel {
  readonly graph: Graph;
  readonly irVersion: number;
  readonly producer: string;
  /** Opset per domain ('' is the default ONNX domain). */
  readonly opsets: ReadonlyMap<string, number>;
  /** Batch dimension as declared by the first graph input ('N', 'batch', a number, or undefined). */
  readonly declaredBatch?: string | number;
}

/** A first dimension above this is taken as a placeholder batch size (PyTorch 0.3 wrote 789444). */
const MAX_CONCRETE_BATCH = 4096;

type ProtoGraph = onnxProto.onnx.IGraphProto;
type ProtoAttr = onnxProto.onnx.IAttributeProto;

export function loadModel(file: string): LoadedModel {
  if (!existsSync(file)) fail('FPGAC001', `model file '${file}' not found`);
  return decodeModel(readFileSync(file), path.dirname(path.resolve(file)), file);
}

export function decodeModel(bytes: Uint8Array, baseDir: string, label = 'model'): LoadedModel {
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
  const opset = opsets.get('') ?? opsets.get('ai.onnx') ?? 1;
  const { graph, declaredBatch } = decodeGraph(m.graph, baseDir, opset, true);
  return { graph, irVersion: toNum(m.irVersion), producer: `${m.producerName ?? ''} ${m.producerVersion ?? ''}`.trim(), opsets, declaredBatch };
}

function decodeValueInfo(v: { name?: string | null; type?: unknown }): { name: string; dtype: DType; dims: (number | string | undefined)[] } {
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
  return { name: v.name ?? '', dtype: dtypeFromOnnx(tt?.elemType ?? 1), dims };
}

/**
 * Decode a (sub)graph. For the main graph, inputs get concrete shapes with batch 1. Subgraph (Loop body)
 * inputs keep their declared dims, unknown ones as -1, because their shapes come from the enclosing node.
 */
export function decodeGraph(g: ProtoGraph, baseDir: string, opset: number, isMain: boolean): { graph: Graph; declaredBatch?: string | number } {
  const constants = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) constants.set(t.name ?? '', decodeTensor(t as TensorProtoLike, baseDir));
  const inputs: ValueInfo[] = [];
  let declaredBatch: string | number | undefined;
  for (const vi of g.input ?? []) {
    if (constants.has(vi.name ?? '')) continue; // IR<4 lists initializers as inputs too
    const d = decodeValueInfo(vi);
    if (isMain && inputs.length === 0 && d.dims.length > 0) declaredBatch = d.dims[0];
    const shape = d.dims.map((x, i) => {
      // Batch axis: a symbolic, unknown or oversized first dimension means one sample per run. A small concrete
      // first dimension is data (ONNX node tests, fixed-size models) and is kept.
      if (isMain && i === 0 && (typeof x !== 'number' || x > MAX_CONCRETE_BATCH)) return 1;
      if (typeof x === 'number') return x;
      if (isMain) fail('FPGAC004', `graph input '${d.name}' has an unknown dimension ${i} ('${x ?? '?'}'); only the batch axis may be symbolic`);
      return -1;
    });
    inputs.push({ name: d.name, dtype: d.dtype, shape });
  }
  const outputs: ValueInfo[] = (g.output ?? []).map((vi) => {
    const d = decodeValueInfo(vi);
    return { name: d.name, dtype: d.dtype, shape: d.dims.map((x) => (typeof x === 'number' ? x : -1)) };
  });
  const nodes: Node[] = [];
  const usedNames = new Set<string>();
  (g.node ?? []).forEach((n, idx) => {
    const op = n.opType ?? '';
    // Unnamed nodes are common (keras2onnx, hand-built graphs); derive a stable unique name for diagnostics.
    let name = n.name || `${op}_${idx}`;
    while (usedNames.has(name)) name = `${name}_${idx}`;
    usedNames.add(name);
    const attrs: Record<string, AttrValue> = {};
    for (const a of n.attribute ?? []) attrs[a.name ?? ''] = decodeAttr(a, baseDir, opset);
    nodes.push({ name, op, domain: n.domain ?? '', inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attrs });
  });
  const graph: Graph = { name: g.name ?? 'graph', opset, inputs, outputs, constants, nodes, values: new Map(inputs.map((i) => [i.name, i])) };
  return { graph, declaredBatch };
}

function decodeAttr(a: ProtoAttr, baseDir: string, opset: number): AttrValue {
  // Attribute type 0 (UNDEFINED) appears in old files; infer the kind from which field is set.
  switch (a.type) {
    case 1: return { kind: 'float', value: a.f ?? 0 };
    case 2: return { kind: 'int', value: toNum(a.i ?? 0) };
    case 3: return { kind: 'string', value: Buffer.from(a.s ?? new Uint8Array()).toString('utf8') };
    case 4: return { kind: 'tensor', value: decodeTensor(a.t as TensorProtoLike, baseDir) };
    case 5: return { kind: 'graph', value: decodeGraph(a.g as ProtoGraph, baseDir, opset, false).graph };
    case 6: return { kind: 'floats', value: [...(a.floats ?? [])] };
    case 7: return { kind: 'ints', value: (a.ints ?? []).map(toNum) };
    case 8: return { kind: 'strings', value: (a.strings ?? []).map((s) => Buffer.from(s).toString('utf8')) };
    default:
      if (a.ints && a.ints.length) return { kind: 'ints', value: a.ints.map(toNum) };
      if (a.floats && a.floats.length) return { kind: 'floats', value: [...a.floats] };
      if (a.t) return { kind: 'tensor', value: decodeTensor(a.t as TensorProtoLike, baseDir) };
      if (a.s && a.s.length) return { kind: 'string', value: Buffer.from(a.s).toString('utf8') };
      if (a.f) return { kind: 'float', value: a.f };
      if (a.i !== undefined && a.i !== null) return { kind: 'int', value: toNum(a.i) };
      return { kind: 'other', type: String(a.type) };
  }
}

/** Decode a serialized TensorProto (`.pb`, the ONNX backend test data format). */
export function loadTensorPb(file: string): Tensor & { name: string } {
  let t: TensorProtoLike;
  try {
    t = onnx.TensorProto.decode(readFileSync(file)) as TensorProtoLike;
  } catch (e) {
    fail('FPGAC006', `'${file}' is not a valid TensorProto file (${(e as Error).message})`);
  }
  const dec = decodeTensor(t, path.dirname(file));
  return { ...dec, name: t.name ?? '' };
}

/** The external data files a model's initializers (and Constant tensors) refer to, relative to the model. */
export function externalDataFiles(file: string): string[] {
  const m = onnx.ModelProto.decode(readFileSync(file));
  const found = new Set<string>();
  const visit = (g: onnxProto.onnx.IGraphProto | null | undefined) => {
    if (!g) return;
    const tensors = [...(g.initializer ?? []), ...(g.node ?? []).flatMap((n) => (n.attribute ?? []).flatMap((a) => (a.t ? [a.t] : [])))];
    for (const t of tensors) {
      if (t.dataLocation !== 1) continue;
      const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
      if (loc) found.add(loc);
    }
    for (const n of g.node ?? []) for (const a of n.attribute ?? []) visit(a.g);
  };
  visit(m.graph);
  return [...found].sort();
}
