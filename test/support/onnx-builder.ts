/**
 * Test support: build small ONNX models in memory with onnx-proto, so loader, pass and CLI tests use real
 * protobuf files with exactly the features under test (storage forms, Constant nodes, symbolic batch, ...).
 */
import onnxProto from 'onnx-proto';
import { writeFileSync } from 'node:fs';

const { onnx } = onnxProto;

export type Storage = 'raw' | 'float_data' | 'double_data' | 'int64_data' | 'int32_data' | 'external';

export interface InitSpec {
  name: string;
  dims: number[];
  values: number[];
  /** ONNX data type number (1 float, 7 int64, 11 double, 6 int32, 3 int8, 10 float16 ...). */
  type?: number;
  storage?: Storage;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, number | number[] | string | { floats: number[] } | { float: number } | { tensor: InitSpec } | { graph: GraphSpec }>;
}

/** A subgraph (Loop body): like a model's graph, without opset. */
export interface GraphSpec {
  inputs: { name: string; dims?: (number | string)[]; type?: number }[];
  outputs: { name: string; dims?: (number | string)[]; type?: number }[];
  nodes: NodeSpec[];
  initializers?: InitSpec[];
}

export interface ModelSpec {
  inputs: { name: string; dims: (number | string)[]; type?: number }[];
  outputs: { name: string; dims?: (number | string)[]; type?: number }[];
  nodes: NodeSpec[];
  initializers?: InitSpec[];
  opset?: number;
  irVersion?: number;
}

function rawBytes(values: number[], type: number): Uint8Array {
  const size = { 1: 4, 11: 8, 7: 8, 6: 4, 3: 1, 2: 1, 9: 1, 10: 2 }[type as 1] ?? 4;
  const buf = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => {
    if (type === 1) buf.setFloat32(i * size, v, true);
    else if (type === 11) buf.setFloat64(i * size, v, true);
    else if (type === 7) buf.setBigInt64(i * size, BigInt(v), true);
    else if (type === 6) buf.setInt32(i * size, v, true);
    else if (type === 3) buf.setInt8(i * size, v);
    else if (type === 2 || type === 9) buf.setUint8(i * size, v);
    else throw new Error(`rawBytes: type ${type}`);
  });
  return new Uint8Array(buf.buffer);
}

/** External data is written to `externalFile` (path relative to the model) by the caller via `externalChunks`. */
export function tensorProto(t: InitSpec, external?: { file: string; chunks: Uint8Array[]; offset: number }): onnxProto.onnx.ITensorProto {
  const type = t.type ?? 1;
  const p: onnxProto.onnx.ITensorProto = { name: t.name, dims: t.dims, dataType: type };
  switch (t.storage ?? 'raw') {
    case 'raw': p.rawData = rawBytes(t.values, type); break;
    case 'float_data': p.floatData = t.values; break;
    case 'double_data': p.doubleData = t.values; break;
    case 'int64_data': p.int64Data = t.values; break;
    case 'int32_data': p.int32Data = t.values; break;
    case 'external': {
      if (!external) throw new Error('external storage needs a file');
      const bytes = rawBytes(t.values, type);
      p.dataLocation = 1;
      p.externalData = [{ key: 'location', value: external.file }, { key: 'offset', value: String(external.offset) }, { key: 'length', value: String(bytes.length) }];
      external.chunks.push(bytes);
      external.offset += bytes.length;
      break;
    }
  }
  return p;
}

function valueInfo(v: { name: string; dims?: (number | string)[]; type?: number }): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: { tensorType: { elemType: v.type ?? 1, shape: v.dims ? { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined } },
  };
}

function attribute(name: string, v: NonNullable<NodeSpec['attrs']>[string]): onnxProto.onnx.IAttributeProto {
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: 2, i: v } : { name, type: 1, f: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('floats' in v) return { name, type: 6, floats: v.floats };
  if ('float' in v) return { name, type: 1, f: v.float };
  if ('graph' in v) return { name, type: 5, g: graphProto(v.graph, 'body') };
  return { name, type: 4, t: tensorProto(v.tensor) };
}

function graphProto(g: GraphSpec, name: string, ext?: { file: string; chunks: Uint8Array[]; offset: number }): onnxProto.onnx.IGraphProto {
  return {
    name,
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
    initializer: (g.initializers ?? []).map((t) => tensorProto(t, ext)),
    node: g.nodes.map((n, i) => ({
      name: n.name ?? `${n.op}_${i}`, opType: n.op, domain: n.domain ?? '', input: n.inputs, output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    })),
  };
}

/** Encodes the model; when an initializer uses external storage, also writes `<file>.data` next to `file`. */
export function buildModel(spec: ModelSpec, file?: string): Uint8Array {
  const dataName = file ? `${file.split('/').pop()}.data` : 'model.data';
  const ext = { file: dataName, chunks: [] as Uint8Array[], offset: 0 };
  const model: onnxProto.onnx.IModelProto = {
    irVersion: spec.irVersion ?? 8,
    producerName: 'fpgac-test',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: graphProto(spec, 'test', ext),
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  if (file) {
    writeFileSync(file, bytes);
    if (ext.chunks.length) writeFileSync(`${file.slice(0, file.lastIndexOf('/') + 1)}${dataName}`, Buffer.concat(ext.chunks));
  }
  return bytes;
}

/** Seeded values for weights. */
export function values(n: number, seed = 1, scale = 0.5): number[] {
  let a = seed >>> 0;
  return Array.from({ length: n }, () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return Math.round(((a / 2 ** 32) * 2 - 1) * scale * 1024) / 1024;
  });
}
