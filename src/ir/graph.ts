/**
 * @fileoverview The float graph IR: what the loader produces and every pass consumes and returns.
 *
 * Tensors are dense, C-order, and carry their values widened to float64 (integers are exact up to 2^53, which
 * covers every shape, index and quantized value an ONNX exporter writes). Shapes are concrete: the batch axis of
 * each graph input is fixed to 1 at load, because the hardware processes one sample at a time.
 */

export type DType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool' | 'string' | 'other';

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** An ONNX attribute value, decoded from protobuf but not yet interpreted by any op. */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: Tensor }
  | { kind: 'graph'; value: Graph }
  | { kind: 'other'; type: string };

/**
 * A node. `op` is the ONNX op type (or a canonical op the passes create, such as `Dense`), `params` the typed
 * attributes produced by that op's `parse` (see ops/registry.ts); `attrs` keeps the raw attributes for
 * diagnostics and for ops that are only ever constant-folded.
 */
export interface Node {
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly string[]; // '' marks an omitted optional input
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly params?: unknown;
  /** ONNX nodes merged into this one by passes (for reports and traces); absent means just `name`. */
  readonly sources?: readonly string[];
}

export function sourcesOf(n: Node): readonly string[] {
  return n.sources ?? [n.name];
}

export interface Graph {
  readonly name: string;
  readonly opset: number;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Constant tensors: ONNX initializers, Constant nodes and everything constant folding produced. */
  readonly constants: ReadonlyMap<string, Tensor>;
  readonly nodes: readonly Node[];
  /** Shapes and types of every non-constant value, filled by shape inference. */
  readonly values: ReadonlyMap<string, ValueInfo>;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function tensor(shape: readonly number[], data: ArrayLike<number> | Float64Array, dtype: DType = 'float32'): Tensor {
  const d = data instanceof Float64Array ? data : Float64Array.from(data);
  if (d.length !== numel(shape)) throw new Error(`internal error: tensor data length ${d.length} != shape ${shape}`);
  return { dtype, shape: [...shape], data: d };
}

export function shapeOf(g: Graph, name: string): readonly number[] | undefined {
  return g.constants.get(name)?.shape ?? g.values.get(name)?.shape;
}

/** Map from value name to the nodes that read it (graph outputs are not counted). */
export function consumers(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (!i) continue;
      const list = m.get(i);
      if (list) list.push(n);
      else m.set(i, [n]);
    }
  }
  return m;
}

export function producers(g: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) m.set(o, n);
  return m;
}

export function isFloatType(t: DType): boolean {
  return t === 'float32' || t === 'float64' || t === 'float16' || t === 'bfloat16';
}

/**
 * Turns graph inputs into constants with the given values: for models that feed weights, shapes or bounds as
 * inputs (ONNX node tests, some exporters) when the values are known at build time.
 */
export function freezeInputs(g: Graph, values: ReadonlyMap<string, Tensor>): Graph {
  const constants = new Map(g.constants);
  for (const [k, v] of values) constants.set(k, v);
  return { ...g, inputs: g.inputs.filter((i) => !values.has(i.name)), constants };
}
