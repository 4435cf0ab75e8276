/**
 * Test support: a structure-aware mutator of ONNX models. It edits the decoded protobuf (onnx-proto), not bytes, so
 * every mutant is a well-formed protobuf whose *graph* is broken in one of the ways hostile or buggy exporters break
 * them: inputs and outputs dropped, duplicated or renamed onto other values, nodes deleted, duplicated or reordered
 * (cycles), op types emptied or swapped, attributes of the wrong type or with extreme values, initializers deleted
 * or with corrupt dims and data, graph inputs with extreme, missing or symbolic dims, Loop bodies removed.
 */
import onnxProto from 'onnx-proto';
import { readFileSync } from 'node:fs';
import { buildModel, values, type NodeSpec } from '../support/onnx-builder.js';
import { odeModel } from '../regions/ode-models.js';

const { onnx } = onnxProto;
type Model = onnxProto.onnx.IModelProto;
type GraphP = onnxProto.onnx.IGraphProto;
type NodeP = onnxProto.onnx.INodeProto;
type AttrP = onnxProto.onnx.IAttributeProto;

export const EXTREMES = [0, -1, 1, 2, 3, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, Number.MAX_SAFE_INTEGER, 65536, 1e6];
const FLOAT_EXTREMES = [0, -1, NaN, Infinity, -Infinity, 1e30, 2 ** 53, 0.5, -0.5];
const OPS = ['Relu', 'Conv', 'Concat', 'Reshape', 'Add', 'Gemm', 'MatMul', 'Loop', 'Constant', 'ConstantOfShape', 'Slice', 'Gather',
  'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'MaxPool', 'GlobalAveragePool', 'Softmax', 'BatchNormalization', 'Clip',
  'QuantizeLinear', 'DequantizeLinear', 'Shape', 'Cast', 'Identity', 'Dropout', 'Sigmoid', 'Div', 'Pow', 'LoopRegion', 'Dense',
  'QLinearConv', 'QLinearMatMul', 'Quant', 'BipolarQuant', 'Tanh', ''];
const ATTR_NAMES = ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'axis', 'axes', 'perm', 'to', 'value', 'shape', 'alpha',
  'beta', 'transA', 'transB', 'epsilon', 'auto_pad', 'ceil_mode', 'count_include_pad', 'allowzero', 'start', 'end', 'min', 'max', 'body'];

export type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Every graph of the model (the main graph and Loop bodies). */
function graphs(g: GraphP | null | undefined, out: GraphP[] = []): GraphP[] {
  if (!g) return out;
  out.push(g);
  for (const n of g.node ?? []) for (const a of n.attribute ?? []) graphs(a.g, out);
  return out;
}

function valueNames(g: GraphP): string[] {
  return [...(g.input ?? []).map((v) => v.name ?? ''), ...(g.initializer ?? []).map((t) => t.name ?? ''), ...(g.node ?? []).flatMap((n) => n.output ?? [])];
}

/** An attribute of a random kind carrying an extreme value. */
function randomAttr(r: Rand, name: string): AttrP {
  switch (Math.floor(r() * 7)) {
    case 0: return { name, type: 1, f: pick(r, FLOAT_EXTREMES) };
    case 1: return { name, type: 2, i: pick(r, EXTREMES) };
    case 2: return { name, type: 3, s: new TextEncoder().encode(pick(r, ['', 'SAME_UPPER', 'VALID', 'x'.repeat(50), 'NOTSET\n'])) };
    case 3: return { name, type: 7, ints: Array.from({ length: Math.floor(r() * 5) }, () => pick(r, EXTREMES)) };
    case 4: return { name, type: 6, floats: Array.from({ length: Math.floor(r() * 4) }, () => pick(r, FLOAT_EXTREMES)) };
    case 5: return { name, type: 4 }; // TENSOR without a value
    default: return { name, type: pick(r, [0, 5, 9, 10, 11, 99]) as onnxProto.onnx.AttributeProto.AttributeType };
  }
}

/** Applies one random structural mutation in place; returns what it did. */
export function mutateOnce(m: Model, r: Rand): string {
  const all = graphs(m.graph);
  const g = pick(r, all);
  const nodes = (g.node ??= []);
  const names = valueNames(g);
  const someName = () => (r() < 0.8 && names.length ? pick(r, names) : pick(r, ['', 'nowhere', 'x', 'y']));
  const n: NodeP | undefined = nodes.length ? pick(r, nodes) : undefined;
  const k = Math.floor(r() * 28);
  if (n && k < 12) {
    n.input ??= [];
    n.output ??= [];
    n.attribute ??= [];
    switch (k) {
      case 0: n.input.splice(Math.floor(r() * (n.input.length + 1)), 1); return `drop an input of ${n.name}`;
      case 1: n.input.push(n.input.length ? pick(r, n.input) : someName()); return `duplicate an input of ${n.name}`;
      case 2: if (n.input.length) n.input[Math.floor(r() * n.input.length)] = someName(); return `rename an input of ${n.name}`;
      case 3: n.output.splice(Math.floor(r() * (n.output.length + 1)), 1); return `drop an output of ${n.name}`;
      case 4: if (n.output.length) n.output[Math.floor(r() * n.output.length)] = someName(); else n.output.push(someName()); return `rename an output of ${n.name}`;
      case 5: n.opType = pick(r, OPS); return `op of ${n.name} := '${n.opType}'`;
      case 6: if (r() < 0.5) n.input = []; else n.output = []; return `clear the inputs or outputs of ${n.name}`;
      case 7: {
        const a = n.attribute.length ? pick(r, n.attribute) : undefined;
        if (a) Object.assign(a, { f: 0, i: 0, ints: [], floats: [], s: new Uint8Array(0), t: null, g: null }, randomAttr(r, a.name ?? ''));
        return `retype attribute ${a?.name} of ${n.name}`;
      }
      case 8: n.attribute.push(randomAttr(r, pick(r, ATTR_NAMES))); return `add an attribute to ${n.name}`;
      case 9: n.attribute.splice(Math.floor(r() * (n.attribute.length + 1)), 1); return `drop an attribute of ${n.name}`;
      case 10: {
        const a = n.attribute.find((x) => x.ints && x.ints.length) ?? n.attribute.find((x) => x.i !== undefined && x.i !== null);
        if (a?.ints?.length) a.ints[Math.floor(r() * a.ints.length)] = pick(r, EXTREMES);
        else if (a) a.i = pick(r, EXTREMES);
        return `extreme int attribute on ${n.name}`;
      }
      default: n.domain = pick(r, ['fpgac', 'com.microsoft', 'ai.onnx', 'qonnx.custom_op.general']); return `domain of ${n.name} := ${n.domain}`;
    }
  }
  switch (k) {
    case 12: if (nodes.length) nodes.splice(Math.floor(r() * nodes.length), 1); return 'delete a node';
    case 13: if (n) nodes.splice(Math.floor(r() * nodes.length), 0, onnx.NodeProto.decode(onnx.NodeProto.encode(n).finish())); return 'duplicate a node';
    case 14: {
      if (nodes.length < 2) return 'no-op';
      const i = Math.floor(r() * nodes.length);
      const j = Math.floor(r() * nodes.length);
      [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
      return 'swap two nodes';
    }
    case 15: {
      // A cycle: an early node reads a later node's output.
      if (nodes.length < 2) return 'no-op';
      const i = Math.floor(r() * (nodes.length - 1));
      const j = i + 1 + Math.floor(r() * (nodes.length - 1 - i));
      const early = nodes[i];
      const out = nodes[j].output?.[0];
      if (out && early.input?.length) early.input[0] = out;
      return 'make a cycle';
    }
    case 16: {
      const inits = (g.initializer ??= []);
      if (!inits.length) return 'no-op';
      const t = pick(r, inits);
      switch (Math.floor(r() * 6)) {
        case 0: inits.splice(inits.indexOf(t), 1); return `delete initializer ${t.name}`;
        case 1: t.dims = []; return `initializer ${t.name} without dims`;
        case 2: t.rawData = new Uint8Array(0); t.floatData = []; t.int64Data = []; t.int32Data = []; t.doubleData = []; return `initializer ${t.name} without data`;
        case 3: t.dims = [...(t.dims ?? []), pick(r, EXTREMES)]; return `initializer ${t.name} gets a dim`;
        case 4: t.dataType = pick(r, [0, 8, 14, 16, 99, 7, 9]); return `initializer ${t.name} dtype`;
        default: t.name = pick(r, ['', 'x', ...(names.length ? [pick(r, names)] : [])]); return `rename initializer`;
      }
    }
    case 17: case 18: {
      const ins = (g.input ??= []);
      if (!ins.length) return 'no-op';
      const v = pick(r, ins);
      const dims = v.type?.tensorType?.shape?.dim;
      switch (Math.floor(r() * 6)) {
        case 0: if (dims?.length) dims[Math.floor(r() * dims.length)] = { dimValue: pick(r, EXTREMES) }; return `input ${v.name} extreme dim`;
        case 1: v.type = undefined; return `input ${v.name} without type`;
        case 2: if (v.type?.tensorType) v.type.tensorType.shape = undefined; return `input ${v.name} without shape`;
        case 3: if (dims?.length) dims[Math.floor(r() * dims.length)] = { dimParam: 'N' }; return `input ${v.name} symbolic dim`;
        case 4: ins.push(onnx.ValueInfoProto.decode(onnx.ValueInfoProto.encode(v).finish())); return `duplicate input ${v.name}`;
        default: ins.splice(ins.indexOf(v), 1); return `delete input ${v.name}`;
      }
    }
    case 19: {
      const outs = (g.output ??= []);
      if (r() < 0.3) { g.output = []; return 'no outputs'; }
      if (outs.length) pick(r, outs).name = someName();
      return 'rename an output';
    }
    case 20: {
      const loop = nodes.find((x) => x.opType === 'Loop');
      if (!loop) return 'no-op';
      if (r() < 0.5) loop.attribute = []; else (g.initializer ?? []).filter((t) => t.name === loop.input?.[0]).forEach((t) => { t.rawData = undefined; t.int64Data = [pick(r, [0, -1, 2 ** 40, 2 ** 53, 3])]; });
      return 'break the Loop';
    }
    case 21: nodes.reverse(); return 'reverse the nodes';
    case 22: if (m.opsetImport?.[0]) m.opsetImport[0].version = pick(r, [0, 1, 6, 7, 10, 11, 12, 13, 99]); return 'opset';
    case 23: if (n) nodes.push({ ...n, name: `${n.name}_dup`, output: [...(n.output ?? [])] }); return 'a second producer of the same outputs';
    case 24: case 25: {
      // Plausible but wrong: an initializer replaced by a consistent tensor of another small shape.
      const inits = g.initializer ?? [];
      if (!inits.length) return 'no-op';
      const t = pick(r, inits);
      const dims = Array.from({ length: Math.floor(r() * 5) }, () => 1 + Math.floor(r() * 4));
      const count = dims.reduce((a, b) => a * b, 1);
      Object.assign(t, { dims, dataType: 1, rawData: new Uint8Array(0), int64Data: [], int32Data: [], doubleData: [], floatData: values(count, 3) });
      return `initializer ${t.name} := float [${dims}]`;
    }
    case 26: {
      // Plausible but wrong: small attribute values (strides 2, group 2, axis -1, ...).
      const a = n?.attribute?.length ? pick(r, n.attribute) : undefined;
      if (a?.ints?.length) a.ints = a.ints.map(() => pick(r, [0, 1, 2, -1, -2, 3]));
      else if (a && a.type === 2) a.i = pick(r, [0, 1, 2, -1, -2, 3]);
      return `small values for attribute ${a?.name} of ${n?.name}`;
    }
    default: {
      // Plausible but wrong: small graph input dims.
      const v = (g.input ?? [])[0];
      const dims = v?.type?.tensorType?.shape?.dim;
      if (dims?.length) dims[Math.floor(r() * dims.length)] = { dimValue: 1 + Math.floor(r() * 6) };
      return `small dim on input ${v?.name}`;
    }
  }
}

/** A copy of `bytes` with 1 to 3 mutations; returns the bytes and what was done. */
export function mutant(bytes: Uint8Array, r: Rand): { bytes: Uint8Array; what: string[] } {
  const m = onnx.ModelProto.decode(bytes);
  const what: string[] = [];
  for (let i = 0, n = 1 + Math.floor(r() * 3); i < n; i++) what.push(mutateOnce(m, r));
  return { bytes: onnx.ModelProto.encode(m).finish(), what };
}

/**
 * SqueezeNet-like fire modules: Conv → Relu → (1×1 Conv → Relu, 3×3 Conv → Relu) → Concat, `fires` times, then a
 * global average pool. The Concats join run-time tensors, which fpgac does not lower: one diagnostic each.
 */
/**
 * SqueezeNet-style fire modules (squeeze, two expands, run-time Concat). `divide`: each module's output is also
 * raised to its own power, a Pow with a run-time exponent, which fpgac refuses (a constant exponent of 2, 1, 0.5 or
 * -1 builds), so every module has a node that fails to lower.
 */
export function fireModel(file: string, fires = 8, divide = false): void {
  const C = 4;
  const inits = [{ name: 'w0', dims: [2 * C, 3, 3, 3], values: values(2 * C * 27, 1) }];
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w0'], outputs: ['c0'], attrs: { pads: [1, 1, 1, 1] }, name: 'conv0' },
    { op: 'Relu', inputs: ['c0'], outputs: ['f0'], name: 'relu0' },
  ];
  for (let i = 1; i <= fires; i++) {
    inits.push(
      { name: `sq${i}`, dims: [C, 2 * C, 1, 1], values: values(C * 2 * C, 10 * i) },
      { name: `e1_${i}`, dims: [C, C, 1, 1], values: values(C * C, 10 * i + 1) },
      { name: `e3_${i}`, dims: [C, C, 3, 3], values: values(C * C * 9, 10 * i + 2) },
    );
    nodes.push(
      { op: 'Conv', inputs: [`f${i - 1}`, `sq${i}`], outputs: [`s${i}`], name: `fire${i}_squeeze` },
      { op: 'Relu', inputs: [`s${i}`], outputs: [`sr${i}`], name: `fire${i}_squeeze_relu` },
      { op: 'Conv', inputs: [`sr${i}`, `e1_${i}`], outputs: [`a${i}`], name: `fire${i}_expand1x1` },
      { op: 'Relu', inputs: [`a${i}`], outputs: [`ar${i}`], name: `fire${i}_expand1x1_relu` },
      { op: 'Conv', inputs: [`sr${i}`, `e3_${i}`], outputs: [`b${i}`], attrs: { pads: [1, 1, 1, 1] }, name: `fire${i}_expand3x3` },
      { op: 'Relu', inputs: [`b${i}`], outputs: [`br${i}`], name: `fire${i}_expand3x3_relu` },
      { op: 'Concat', inputs: [`ar${i}`, `br${i}`], outputs: [divide ? `cat${i}` : `f${i}`], attrs: { axis: 1 }, name: `fire${i}_concat` },
      ...(divide ? [{ op: 'Pow', inputs: [`cat${i}`, `cat${i}`], outputs: [`f${i}`], name: `fire${i}_pow` }] : []),
    );
  }
  nodes.push({ op: 'GlobalAveragePool', inputs: [`f${fires}`], outputs: ['y'], name: 'gap' });
  buildModel({ opset: 13, inputs: [{ name: 'x', dims: ['N', 3, 8, 8] }], outputs: [{ name: 'y' }], initializers: inits, nodes }, file);
}

/** Shape arithmetic that constant folding removes, then a classifier head: most shape ops and several MAC forms. */
export function shapeOpsModel(file: string): void {
  buildModel({
    opset: 13,
    inputs: [{ name: 'x', dims: ['N', 2, 4, 4] }],
    outputs: [{ name: 'y' }],
    initializers: [
      { name: 'w', dims: [3, 2, 3, 3], values: values(54, 3) },
      { name: 'idx', dims: [], values: [0], type: 7 },
      { name: 'ax0', dims: [1], values: [0], type: 7 },
      { name: 'minus1', dims: [1], values: [-1], type: 7 },
      { name: 'fc', dims: [12, 5], values: values(60, 4) },
      { name: 'fb', dims: [5], values: values(5, 5) },
      { name: 'sc', dims: [], values: [0.125] },
      { name: 'zp', dims: [], values: [0], type: 3 },
      { name: 'bn_s', dims: [3], values: [1, 0.5, 2] },
      { name: 'bn_b', dims: [3], values: [0, 0.1, -0.1] },
      { name: 'bn_m', dims: [3], values: [0, 0, 0.5] },
      { name: 'bn_v', dims: [3], values: [1, 1, 1] },
      { name: 'st', dims: [1], values: [0], type: 7 },
      { name: 'en', dims: [1], values: [2], type: 7 },
    ],
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'sc', 'zp'], outputs: ['q'], name: 'q' },
      { op: 'DequantizeLinear', inputs: ['q', 'sc', 'zp'], outputs: ['dq'], name: 'dq' },
      { op: 'Conv', inputs: ['dq', 'w'], outputs: ['c'], attrs: { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 }, name: 'conv' },
      { op: 'BatchNormalization', inputs: ['c', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], outputs: ['bn'], attrs: { epsilon: { float: 1e-5 } }, name: 'bn' },
      { op: 'Clip', inputs: ['bn'], outputs: ['cl'], name: 'clip' },
      { op: 'MaxPool', inputs: ['cl'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, name: 'pool' },
      { op: 'Shape', inputs: ['p'], outputs: ['sh'], name: 'shape' },
      { op: 'Gather', inputs: ['sh', 'idx'], outputs: ['n'], attrs: { axis: 0 }, name: 'gather' },
      { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'], name: 'unsq' },
      { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['tgt'], attrs: { axis: 0 }, name: 'cat' },
      { op: 'Slice', inputs: ['tgt', 'st', 'en'], outputs: ['tgt2'], name: 'slice' },
      { op: 'Reshape', inputs: ['p', 'tgt2'], outputs: ['flat'], name: 'reshape' },
      { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value: { tensor: { name: 'kv', dims: [1], values: [1] } } }, name: 'const' },
      { op: 'ConstantOfShape', inputs: ['ax0'], outputs: ['zero'], name: 'cos' },
      { op: 'Cast', inputs: ['zero'], outputs: ['zf'], attrs: { to: 1 }, name: 'cast' },
      { op: 'MatMul', inputs: ['flat', 'fc'], outputs: ['mm'], name: 'matmul' },
      { op: 'Add', inputs: ['mm', 'fb'], outputs: ['a'], name: 'bias' },
      { op: 'Mul', inputs: ['a', 'k'], outputs: ['a2'], name: 'scale' },
      { op: 'Sub', inputs: ['a2', 'zf'], outputs: ['a3'], name: 'sub' },
      { op: 'Identity', inputs: ['a3'], outputs: ['a4'], name: 'id' },
      { op: 'Softmax', inputs: ['a4'], outputs: ['y'], attrs: { axis: 1 }, name: 'softmax' },
    ],
  }, file);
}

/** The base models the mutation test starts from (written into `dir`). */
export function baseModels(dir: string, dsodenet: Uint8Array): { name: string; bytes: Uint8Array }[] {
  const make = (name: string, f: (file: string) => void) => {
    const file = `${dir}/${name}.onnx`;
    f(file);
    return { name, bytes: readFileSync(file) };
  };
  return [
    { name: 'dsodenet', bytes: dsodenet },
    make('fire', (f) => fireModel(f, 2)),
    make('shapes', shapeOpsModel),
    make('loop', (f) => odeModel(f, { steps: 3, form: 'loop' })),
    make('unrolled', (f) => odeModel(f, { steps: 2, form: 'unrolled' })),
  ];
}
