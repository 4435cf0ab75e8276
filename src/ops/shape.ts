/**
 * @fileoverview Data-movement and shape ops. Flatten, Reshape, Squeeze, Unsqueeze, Identity and Dropout keep the
 * C-order data as is (a `unary` copy, or nothing once passes remove them); Transpose lowers to a `transpose`
 * layer. Concat and Slice also build into hardware with run-time data (lowered by ops/movement.ts to `concat` and
 * `gather` layers). Shape, Gather, Cast, Constant and ConstantOfShape exist for constant folding of the
 * shape arithmetic exporters write; left over with a non-constant input they are reported as unsupported. How each
 * opset spells their arguments (attributes that became inputs) is read by ops/forms.ts.
 */
import { sourcesOf } from '../ir/graph.js';
import type { DType, Node, Tensor } from '../ir/graph.js';
import { numel, stridesOf, tensor } from '../ir/graph.js';
import { attrInt, attrInts, attrTensor } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import { ELT_RANK } from '../ir/design.js';
import type { Arity, InputInfo, OpDef } from './types.js';
import { padShape } from './broadcast.js';
import { dtypeFromOnnx, onnxDtypeName } from '../onnx/tensor.js';
import { refuseAttrs } from './opset.js';
import { axesForm, castTarget, checkDropoutForm, concatAxis, reshapeForm, sliceForm, type SliceForm } from './forms.js';
import { lowerConcat, lowerSlice } from './movement.js';

function bad(node: Node, message: string, code: 'FPGAC003' | 'FPGAC004' = 'FPGAC003'): never {
  throw new DiagnosticError([{ code, node: node.name, op: node.op, message }]);
}

function lowerCopy(node: Node, _p: unknown, ctx: Parameters<NonNullable<OpDef['lower']>>[2]): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0], x.format);
  ctx.add({ kind: 'unary', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape), act: { kind: 'none' } });
}

/** An op whose output is its first input's data with a new shape. */
function reshapeLike<P, Op extends string>(op: Op, parse: OpDef<P>['parse'], shapeOf: (node: Node, p: P, ins: readonly (InputInfo | undefined)[]) => number[], constantInputs?: number[], arity: Arity = ONE_TO_ONE): OpDef<P, Op> {
  return {
    op,
    family: 'shape',
    arity,
    parse,
    infer: (node, p, ins) => [{ shape: shapeOf(node, p, ins), dtype: ins[0]!.dtype }],
    evaluate: (node, p, ins) => [tensor(shapeOf(node, p, ins.map((t, i) => (t ? { name: node.inputs[i], shape: t.shape, dtype: t.dtype, value: t } : undefined))), ins[0]!.data, ins[0]!.dtype)],
    lower: lowerCopy,
    constantInputs,
  };
}

const noParams = () => ({});

const ONE_TO_ONE: Arity = { inputs: [1, 1], outputs: [1, 1] };

/** Integer values of a constant shape-like input (axes, dims, starts...); anything else is FPGAC003. */
function intsOf(node: Node, what: string, data: ArrayLike<number>): number[] {
  const out = Array.from(data);
  const badValue = out.find((v) => !Number.isSafeInteger(v));
  if (badValue !== undefined) bad(node, `${what} holds ${badValue}, not a whole number`);
  return out;
}

/** Axes normalized into [0, rank), each at most once; anything else is FPGAC003. */
function normAxes(node: Node, axes: readonly number[], rank: number): number[] {
  const norm = axes.map((a) => {
    if (!Number.isSafeInteger(a) || a < -rank || a >= rank) bad(node, `axis ${a} is out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(norm).size !== norm.length) bad(node, `axes [${axes}] repeat an axis`);
  return norm;
}

export const IdentityOp = reshapeLike('Identity', noParams, (_n, _p, ins) => [...ins[0]!.shape]);
export const DropoutOp: OpDef<Record<string, never>, 'Dropout'> = {
  ...reshapeLike('Dropout', (node, ins, opset) => {
    checkDropoutForm(node, ins, opset);
    return {};
  }, (_n, _p, ins) => [...ins[0]!.shape], undefined, { inputs: [1, 3], outputs: [1, 2] }),
  unsupported: [{ variant: 'the mask output', reason: 'in inference Dropout is the identity; a mask is only meaningful in training', diagnostic: /mask output of Dropout is not supported/ }],
};

export const FlattenOp = reshapeLike('Flatten', noParams, (node, _p, ins) => {
  const s = ins[0]!.shape;
  let axis = attrInt(node, 'axis', 1);
  if (axis < 0) axis += s.length;
  if (axis < 0 || axis > s.length) bad(node, `axis ${axis} out of range`);
  return [numel(s.slice(0, axis)), numel(s.slice(axis))];
});

const reshapeDef = reshapeLike('Reshape', reshapeForm, (node, p, ins) => {
  const x = ins[0]!;
  const { target: raw, allowZero } = p;
  if (raw.some((d) => d < -1) || raw.filter((d) => d === -1).length > 1) bad(node, `cannot reshape [${x.shape}] to [${raw}]: only one -1 and no other negative dimension are allowed`, 'FPGAC004');
  const dims = raw.map((d, i) => (d === 0 && !allowZero ? x.shape[i] ?? NaN : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const n = numel(x.shape);
  const res = dims.map((d) => (d === -1 ? n / known : d));
  if (numel(res) !== n || res.some((d) => !Number.isSafeInteger(d) || d < 0)) bad(node, `cannot reshape [${x.shape}] to [${raw}]`, 'FPGAC004');
  return res;
}, [1], { inputs: [1, 2], outputs: [1, 1] });
export const ReshapeOp: typeof reshapeDef = {
  ...reshapeDef,
  unsupported: [{ variant: 'empty tensors (a dimension of 0, e.g. allowzero to a 0 size)', reason: 'a hardware array has at least one element', diagnostic: /cannot reshape \[[^\]]*\] to \[([^\]]*,)?0(,[^\]]*)?\]/ }],
};

/** The axes of Squeeze/Unsqueeze, from the attribute or the input as the opset spells them (forms.ts). */
interface AxesParams {
  readonly axes?: readonly number[];
}

const parseAxes = (node: Node, ins: readonly (InputInfo | undefined)[], opset: number): AxesParams => ({ axes: axesForm(node, ins, opset) });

export const SqueezeOp = reshapeLike('Squeeze', parseAxes, (node, p, ins) => {
  const s = ins[0]!.shape;
  const given = p.axes;
  const axes = given && normAxes(node, given, s.length);
  const notOne = axes?.find((a) => s[a] !== 1);
  if (notOne !== undefined) bad(node, `axis ${notOne} has size ${s[notOne]}; only axes of size 1 can be squeezed`, 'FPGAC004');
  return s.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
}, [1], { inputs: [1, 2], outputs: [1, 1] });

export const UnsqueezeOp = reshapeLike('Unsqueeze', parseAxes, (node, p, ins) => {
  const s = ins[0]!.shape;
  const axes = p.axes;
  if (!axes) bad(node, 'axes are required');
  const r = s.length + axes.length;
  const norm = normAxes(node, axes, r);
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) out.push(norm.includes(i) ? 1 : s[k++]);
  return out;
}, [1], { inputs: [1, 2], outputs: [1, 1] });

export interface TransposeParams {
  readonly perm: readonly number[];
}

export function transposeData(t: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => t.shape[p]);
  const inStr = stridesOf(t.shape);
  const out = new Float64Array(t.data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += idx[d] * inStr[perm[d]];
    out[k] = t.data[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return tensor(shape, out, t.dtype);
}

export const TransposeOp: OpDef<TransposeParams, 'Transpose'> = {
  op: 'Transpose',
  family: 'layout',
  arity: ONE_TO_ONE,
  parse(node, ins) {
    const r = ins[0]!.shape.length;
    const perm = attrInts(node, 'perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
    if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) bad(node, `perm [${perm}] is not a permutation of ${r} axes`);
    if (r > ELT_RANK) bad(node, `rank ${r} above ${ELT_RANK} is not supported`);
    return { perm };
  },
  infer: (_n, p, ins) => [{ shape: p.perm.map((a) => ins[0]!.shape[a]), dtype: ins[0]!.dtype }],
  evaluate: (_n, p, ins) => [transposeData(ins[0]!, p.perm)],
  lower(node, p, ctx) {
    const x = ctx.input(node.inputs[0]);
    const out = ctx.output(node.outputs[0], x.format);
    const pad = ELT_RANK - x.shape.length;
    ctx.add({
      kind: 'transpose', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name,
      inShape: padShape(x.shape, ELT_RANK), perm: [...Array.from({ length: pad }, (_, i) => i), ...p.perm.map((a) => a + pad)],
    });
  },
};

// ---- constant-folding-only ops --------------------------------------------------------------------------

export const ShapeOp: OpDef<Record<string, never>, 'Shape'> = {
  op: 'Shape',
  family: 'shape',
  arity: ONE_TO_ONE,
  parse: (node, _ins, opset) => {
    if (opset < 15) refuseAttrs(node, ['start', 'end'], `Shape takes start and end from opset 15 (the model imports ${opset}); before, it is the whole shape`);
    return {};
  },
  infer: (node, _p, ins) => {
    const r = ins[0]!.shape.length;
    const { start, end } = shapeRange(node, r);
    return [{ shape: [Math.max(0, end - start)], dtype: 'int64' }];
  },
  evaluate: (node, _p, ins) => {
    const s = ins[0]!.shape;
    const { start, end } = shapeRange(node, s.length);
    return [tensor([Math.max(0, end - start)], s.slice(start, end), 'int64')];
  },
};

function shapeRange(node: Node, r: number): { start: number; end: number } {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  return { start: clamp(attrInt(node, 'start', 0)), end: clamp(attrInt(node, 'end', r)) };
}

export const ConstantOp: OpDef<Record<string, never>, 'Constant'> = {
  op: 'Constant',
  family: 'shape',
  arity: { inputs: [0, 0], outputs: [1, 1] },
  parse: noParams,
  infer: (node) => {
    const t = constantValue(node);
    return [{ shape: t.shape, dtype: t.dtype }];
  },
  evaluate: (node) => [constantValue(node)],
};

function constantValue(node: Node): Tensor {
  const t = attrTensor(node, 'value');
  if (t) return t;
  const a = node.attrs;
  if (a.value_float?.kind === 'float') return tensor([], [a.value_float.value], 'float32');
  if (a.value_floats?.kind === 'floats') return tensor([a.value_floats.value.length], a.value_floats.value, 'float32');
  if (a.value_int?.kind === 'int') return tensor([], [a.value_int.value], 'int64');
  if (a.value_ints?.kind === 'ints') return tensor([a.value_ints.value.length], a.value_ints.value, 'int64');
  bad(node, 'Constant has no supported value attribute (sparse and string values are not supported)');
}

/** ConstantOfShape's output shape: a 1-D constant of non-negative whole numbers. */
function constantShape(node: Node, info: InputInfo | undefined): number[] {
  const v = info?.value;
  if (!v) bad(node, 'the shape must be constant');
  if (v.shape.length !== 1) bad(node, `the shape input must be 1-D, found shape [${v.shape}]`, 'FPGAC004');
  const dims = intsOf(node, 'the shape', v.data);
  if (dims.some((d) => d < 0)) bad(node, `the shape [${dims}] has a negative dimension`, 'FPGAC004');
  return dims;
}

/** ConstantOfShape's fill value: a one-element tensor, 0.0 (float32) when absent. */
function fillValue(node: Node): { value: number; dtype: DType } {
  const v = attrTensor(node, 'value');
  if (!v) return { value: 0, dtype: 'float32' };
  if (v.data.length !== 1) bad(node, `the value attribute must hold one element, found ${v.data.length}`);
  return { value: v.data[0], dtype: v.dtype };
}

export const ConstantOfShapeOp: OpDef<Record<string, never>, 'ConstantOfShape'> = {
  op: 'ConstantOfShape',
  family: 'shape',
  arity: ONE_TO_ONE,
  since: 9,
  // The shape is an input; in a real model it is an initializer or folded shape arithmetic.
  constantInputs: [0],
  parse: (node) => {
    fillValue(node);
    return {};
  },
  infer: (node, _p, ins) => [{ shape: constantShape(node, ins[0]), dtype: fillValue(node).dtype }],
  evaluate: (node, _p, ins) => {
    const shape = constantShape(node, ins[0] && { name: node.inputs[0], shape: ins[0].shape, dtype: ins[0].dtype, value: ins[0] });
    const v = fillValue(node);
    return [tensor(shape, new Float64Array(numel(shape)).fill(v.value), v.dtype)];
  },
};

export const GatherOp: OpDef<Record<string, never>, 'Gather'> = {
  op: 'Gather',
  family: 'shape',
  arity: { inputs: [2, 2], outputs: [1, 1] },
  parse: noParams,
  infer: (node, _p, ins) => {
    const [x, i] = [ins[0]!, ins[1]!];
    if (x.shape.length === 0) bad(node, 'the data input must have rank 1 or more', 'FPGAC004');
    const axis = normAxis(node, x.shape.length);
    return [{ shape: [...x.shape.slice(0, axis), ...i.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype }];
  },
  evaluate: (node, _p, ins) => {
    const [x, idx] = [ins[0]!, ins[1]!];
    const axis = normAxis(node, x.shape.length);
    const outer = numel(x.shape.slice(0, axis));
    const inner = numel(x.shape.slice(axis + 1));
    const dim = x.shape[axis];
    const out = new Float64Array(outer * idx.data.length * inner);
    let k = 0;
    for (let o = 0; o < outer; o++)
      for (const raw of idx.data) {
        const j = raw < 0 ? raw + dim : raw;
        if (!Number.isInteger(j) || j < 0 || j >= dim) bad(node, `index ${raw} out of range for dimension ${dim}`);
        for (let i = 0; i < inner; i++) out[k++] = x.data[(o * dim + j) * inner + i];
      }
    return [tensor([...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], out, x.dtype)];
  },
};

/** Axis `a` (negative counts from the back) in [0, r), or FPGAC003 naming `name`. */
function inRange(node: Node, a: number, r: number, name: string): number {
  const axis = a < 0 ? a + r : a;
  if (axis < 0 || axis >= Math.max(r, 1)) bad(node, `${name} ${a} out of range for rank ${r}`);
  return axis;
}

function normAxis(node: Node, r: number, name = 'axis', dflt = 0): number {
  return inRange(node, attrInt(node, name, dflt), r, name);
}

/** Concat's output shape: every input present, of one rank, equal but along the axis. */
function concatShape(node: Node, p: ConcatParams, ins: readonly ({ shape: readonly number[] } | undefined)[]): { axis: number; shape: number[] } {
  const missing = node.inputs.findIndex((n, k) => !n || !ins[k]);
  if (missing >= 0) bad(node, `input ${missing} is missing`);
  const first = ins[0]!.shape;
  if (first.length === 0) bad(node, 'inputs must have rank 1 or more', 'FPGAC004');
  const axis = inRange(node, p.axis, first.length, 'axis');
  for (const t of ins) {
    const s = t!.shape;
    if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) bad(node, `input shapes [${first}] and [${s}] differ outside axis ${axis}`, 'FPGAC004');
  }
  const total = ins.reduce((s, t) => s + t!.shape[axis], 0);
  return { axis, shape: first.map((d, i) => (i === axis ? total : d)) };
}

/** The axis as the node gives it (or its opset's default), resolved against the inputs' rank when they are known. */
export interface ConcatParams {
  readonly axis: number;
}

export const ConcatOp: OpDef<ConcatParams, 'Concat'> = {
  op: 'Concat',
  family: 'shape',
  arity: { inputs: [1, Infinity], outputs: [1, 1] },
  parse: (node, _ins, opset) => ({ axis: concatAxis(node, opset) }),
  infer: (node, p, ins) => [{ shape: concatShape(node, p, ins).shape, dtype: ins[0]!.dtype }],
  lower: (node, p, ctx) => lowerConcat(node, p.axis, ctx),
  evaluate: (node, p, ins) => {
    const ts = ins as Tensor[];
    const { axis, shape } = concatShape(node, p, ts);
    const outer = numel(ts[0].shape.slice(0, axis));
    const parts = ts.map((t) => numel(t.shape.slice(axis)));
    const out = new Float64Array(numel(shape));
    let k = 0;
    for (let o = 0; o < outer; o++) {
      ts.forEach((t, i) => {
        out.set(t.data.subarray(o * parts[i], (o + 1) * parts[i]), k);
        k += parts[i];
      });
    }
    return [tensor(shape, out, ts[0].dtype)];
  },
};

/**
 * Casts that keep every value of their input (an integer input type to a float, float32 to float64, a type to
 * itself): at run time a copy in the input's format (the integer graph inputs' exporter pattern, uint8 → float).
 */
const EXACT_CASTS: Readonly<Record<string, readonly DType[]>> = {
  float32: ['int8', 'uint8', 'int16', 'uint16', 'float32'], float64: ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'],
  int16: ['int8', 'uint8', 'int16'], int32: ['int8', 'uint8', 'int16', 'uint16', 'int32'], uint16: ['uint8', 'uint16'],
};

export const CastOp: OpDef<{ to: DType; exact?: boolean }, 'Cast'> = {
  op: 'Cast',
  family: 'shape',
  arity: ONE_TO_ONE,
  parse: (node, ins, opset) => {
    const code = castTarget(node, opset);
    const to = dtypeFromOnnx(code);
    if (to === 'other' || to === 'string') throw new DiagnosticError([{ code: 'FPGAC007', node: node.name, op: node.op, message: `a cast to ${onnxDtypeName(code)} is not supported` }]);
    const from = ins[0]?.dtype;
    return from && (from === to || EXACT_CASTS[to]?.includes(from)) ? { to, exact: true } : { to };
  },
  lower: (node, p, ctx) => (p.exact ? lowerCopy(node, p, ctx) : ctx.fail(node, `a cast to ${p.to} of a value computed at run time changes values; only casts that keep every value (an integer input to float) are built`)),
  unsupported: [{ variant: 'a run-time cast that changes values (float to integer, a narrowing integer cast)', reason: 'the design holds fixed-point values; only value-preserving casts (e.g. uint8 image to float) are built', diagnostic: /only casts that keep every value/ }],
  infer: (_n, p, ins) => [{ shape: ins[0]!.shape, dtype: p.to }],
  evaluate: (_n, p, ins) => {
    const x = ins[0]!;
    const isFloat = p.to.startsWith('float') || p.to === 'bfloat16';
    const conv = isFloat ? (v: number) => (p.to === 'float32' ? Math.fround(v) : v) : p.to === 'bool' ? (v: number) => (v ? 1 : 0) : Math.trunc;
    return [tensor(x.shape, x.data.map(conv), p.to)];
  },
};

export const SliceOp: OpDef<SliceForm, 'Slice'> = {
  op: 'Slice',
  family: 'shape',
  arity: { inputs: [1, 5], outputs: [1, 1] },
  constantInputs: [1, 2, 3, 4],
  parse: (node, ins, opset) => sliceForm(node, ins, opset),
  infer: (node, p, ins) => [{ shape: sliceSpec(node, p, ins[0]!.shape).shape, dtype: ins[0]!.dtype }],
  lower: (node, p, ctx) => lowerSlice(node, sliceSpec(node, p, ctx.shape(node.inputs[0])), ctx),
  evaluate: (node, p, ins) => {
    const x = ins[0]!;
    const spec = sliceSpec(node, p, x.shape);
    const inStr = stridesOf(x.shape);
    const out = new Float64Array(numel(spec.shape));
    const idx = new Array<number>(spec.shape.length).fill(0);
    for (let k = 0; k < out.length; k++) {
      let src = 0;
      for (let d = 0; d < idx.length; d++) src += (spec.start[d] + idx[d] * spec.step[d]) * inStr[d];
      out[k] = x.data[src];
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < spec.shape[d]) break;
        idx[d] = 0;
      }
    }
    return [tensor(spec.shape, out, x.dtype)];
  },
};

/** Where a slice of a tensor of shape `s` starts, its steps and its shape, per axis. */
function sliceSpec(node: Node, p: SliceForm, s: readonly number[]): { start: number[]; step: number[]; shape: number[] } {
  const { starts, ends } = p;
  const axes = normAxes(node, p.axes ?? starts.map((_, i) => i), s.length);
  const steps = p.steps ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    bad(node, `starts (${starts.length}), ends (${ends.length}), axes (${axes.length}) and steps (${steps.length}) must have one value per sliced axis`);
  }
  const start = s.map(() => 0);
  const step = s.map(() => 1);
  const shape = [...s];
  axes.forEach((a, i) => {
    const dim = s[a];
    const st = steps[i];
    if (!st) bad(node, 'a step of 0 is invalid');
    const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
    const b = st > 0 ? clampIdx(starts[i], 0, dim) : clampIdx(starts[i], 0, dim - 1);
    const e = st > 0 ? clampIdx(ends[i], 0, dim) : clampIdx(ends[i], -1, dim - 1);
    start[a] = b;
    step[a] = st;
    shape[a] = Math.max(0, Math.ceil((e - b) / st));
  });
  return { start, step, shape };
}
