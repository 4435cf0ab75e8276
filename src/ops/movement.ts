/**
 * @fileoverview Data-movement ops with run-time data: Split, Pad (constant, reflect, edge, wrap), DepthToSpace and
 * SpaceToDepth, and the lowering of Concat and Slice (whose parse and float reference stay in ops/shape.ts with the
 * constant-folding ops). Split, Slice and Pad are per-axis index maps (ops/remap.ts) lowered to `gather` layers;
 * Concat to a `concat` layer; DepthToSpace/SpaceToDepth are Reshape + Transpose + Reshape, i.e. one rank-6
 * `transpose` layer (a reshape of C-order data moves nothing).
 */
import type { Node, Tensor } from '../ir/graph.js';
import { numel, sourcesOf, tensor } from '../ir/graph.js';
import { attrFloat, attrInt, attrInts, attrString } from '../onnx/attrs.js';
import type { Operand } from '../ir/design.js';
import type { LowerContext } from '../quant/context.js';
import type { InputInfo, OpDef } from './types.js';
import { constantInts, opsetProblem, refuseAttrs, refuseInputs } from './opset.js';
import { identityMap, lowerRemap, remapData, type AxisMap } from './remap.js';

type Ins = readonly (InputInfo | undefined)[];

/** Axis `a` (negative counts from the back) in [0, r), or FPGAC003. */
function normAxis(node: Node, a: number, r: number, what = 'axis'): number {
  if (!Number.isSafeInteger(a) || a < -r || a >= r) opsetProblem(node, `${what} ${a} is out of range for rank ${r}`);
  return a < 0 ? a + r : a;
}

// ---- Concat and Slice lowering (ops/shape.ts holds their parse and reference) -----------------------------------

/**
 * Concat: run-time inputs and constants (quantized straight into the output's format, one rounding) side by side
 * along `axis`; empty inputs contribute nothing.
 */
export function lowerConcat(node: Node, axis: number, ctx: LowerContext): void {
  const shapes = node.inputs.map((n) => ctx.shape(n));
  const outShape = ctx.shape(node.outputs[0]);
  const a = normAxis(node, axis, outShape.length);
  const out = ctx.output(node.outputs[0]);
  const parts: Operand[] = [];
  const lens: number[] = [];
  node.inputs.forEach((name, k) => {
    if (shapes[k][a] === 0) return;
    const c = ctx.constant(name);
    parts.push(c ? { constant: ctx.constData(`${name}_part`, [...c.shape], c.data, out.format) } : { tensor: ctx.input(name).name });
    lens.push(shapes[k][a]);
  });
  if (parts.length === 0) ctx.fail(node, 'an empty output is not supported in hardware');
  const inputs = [...new Set(parts.flatMap((p) => ('tensor' in p ? [p.tensor] : [])))];
  ctx.add({
    kind: 'concat', name: ctx.layerName(node), sources: sourcesOf(node), inputs, output: out.name,
    outer: numel(outShape.slice(0, a)), inner: numel(outShape.slice(a + 1)), lens, parts,
  });
}

/** Per-axis start, step and length of a slice (ops/shape.ts sliceSpec) as index maps. */
export function sliceMaps(spec: { start: readonly number[]; step: readonly number[]; shape: readonly number[] }): AxisMap[] {
  return spec.shape.map((n, d) => Array.from({ length: n }, (_, i) => spec.start[d] + i * spec.step[d]));
}

export function lowerSlice(node: Node, spec: { start: readonly number[]; step: readonly number[]; shape: readonly number[] }, ctx: LowerContext): void {
  lowerRemap(node, ctx, node.inputs[0], node.outputs[0], sliceMaps(spec), 0);
}

// ---- Split ------------------------------------------------------------------------------------------------------

export interface SplitParams {
  readonly axis: number;
  /** Explicit part sizes (attribute before 13, input 1 from 13). */
  readonly split?: readonly number[];
  /** Opset 18: as many parts, all ceil(dim / n) but a smaller last one. */
  readonly numOutputs?: number;
}

function parseSplit(node: Node, ins: Ins, opset: number): SplitParams {
  const axis = attrInt(node, 'axis', 0);
  if (opset < 18) refuseAttrs(node, ['num_outputs'], `num_outputs exists from opset 18 (the model imports ${opset})`);
  let split: number[] | undefined;
  if (opset < 13) {
    // Opset 1 also accepted the sizes as an optional second input.
    if (opset > 1) refuseInputs(node, 1, `Split takes its sizes as an input from opset 13; before (the model imports ${opset}) they are the 'split' attribute`);
    split = attrInts(node, 'split') ?? (node.inputs[1] ? constantInts(node, ins, 1, 'split') : undefined);
  } else {
    refuseAttrs(node, ['split'], `Split's sizes are an attribute only before opset 13; from 13 (the model imports ${opset}) they are input 1`);
    split = node.inputs[1] ? constantInts(node, ins, 1, 'split') : undefined;
  }
  const numOutputs = attrInt(node, 'num_outputs');
  if (split && numOutputs !== undefined) opsetProblem(node, "give either the 'split' input or 'num_outputs', not both");
  return { axis, split, numOutputs };
}

/** The axis and each output's size along it. */
function splitSizes(node: Node, p: SplitParams, shape: readonly number[]): { axis: number; sizes: number[] } {
  const axis = normAxis(node, p.axis, shape.length);
  const dim = shape[axis];
  const n = node.outputs.length;
  let sizes: number[];
  if (p.split) {
    sizes = [...p.split];
    if (sizes.length !== n || sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
      opsetProblem(node, `split [${sizes}] does not divide dimension ${dim} into ${n} outputs`, 'FPGAC004');
    }
  } else if (p.numOutputs !== undefined) {
    if (p.numOutputs !== n) opsetProblem(node, `num_outputs ${p.numOutputs} but ${n} outputs`, 'FPGAC004');
    const chunk = Math.ceil(dim / n);
    sizes = Array.from({ length: n }, (_, k) => (k < n - 1 ? chunk : dim - chunk * (n - 1)));
    if (sizes[n - 1] < 0) opsetProblem(node, `dimension ${dim} cannot be split into ${n} parts of ${chunk}`, 'FPGAC004');
  } else {
    if (dim % n !== 0) opsetProblem(node, `dimension ${dim} does not split into ${n} equal parts`, 'FPGAC004');
    sizes = new Array<number>(n).fill(dim / n);
  }
  return { axis, sizes };
}

/** The index maps of output k: its range along the axis, every other axis whole. */
function splitMaps(shape: readonly number[], axis: number, sizes: readonly number[], k: number): AxisMap[] {
  const start = sizes.slice(0, k).reduce((a, b) => a + b, 0);
  return shape.map((n, d) => (d === axis ? Array.from({ length: sizes[k] }, (_, i) => start + i) : identityMap(n)));
}

export const SplitOp: OpDef<SplitParams, 'Split'> = {
  op: 'Split',
  family: 'movement',
  arity: { inputs: [1, 2], outputs: [1, Infinity] },
  constantInputs: [1],
  parse: parseSplit,
  infer: (node, p, ins) => {
    const x = ins[0]!;
    const { axis, sizes } = splitSizes(node, p, x.shape);
    return sizes.map((s) => ({ shape: x.shape.map((d, i) => (i === axis ? s : d)), dtype: x.dtype }));
  },
  evaluate: (node, p, ins) => {
    const x = ins[0]!;
    const { axis, sizes } = splitSizes(node, p, x.shape);
    return sizes.map((_, k) => remapData(x, splitMaps(x.shape, axis, sizes, k), 0));
  },
  lower(node, p, ctx) {
    const shape = ctx.shape(node.inputs[0]);
    const { axis, sizes } = splitSizes(node, p, shape);
    node.outputs.forEach((o, k) => {
      if (o) lowerRemap(node, ctx, node.inputs[0], o, splitMaps(shape, axis, sizes, k), 0);
    });
  },
};

// ---- Pad --------------------------------------------------------------------------------------------------------

export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

export interface PadParams {
  readonly mode: PadMode;
  /** Per input axis: elements added before and after (negative: removed). */
  readonly begin: readonly number[];
  readonly end: readonly number[];
  readonly value: number;
}

function parsePad(node: Node, ins: Ins, opset: number): PadParams {
  const r = ins[0]!.shape.length;
  const modeName = attrString(node, 'mode', 'constant');
  const modes: readonly string[] = opset >= 19 ? ['constant', 'reflect', 'edge', 'wrap'] : ['constant', 'reflect', 'edge'];
  if (!modes.includes(modeName)) opsetProblem(node, `mode '${modeName}' is not supported (opset ${opset} has ${modes.join(', ')})`);
  const mode = modeName as PadMode;
  let pads: number[];
  let value = 0;
  let axes = identityMap(r);
  if (opset < 11) {
    refuseInputs(node, 1, `Pad takes pads and the value as inputs from opset 11; before (the model imports ${opset}) they are attributes`);
    const name = opset < 2 ? 'paddings' : 'pads';
    const a = attrInts(node, name);
    if (!a) opsetProblem(node, `the '${name}' attribute is required before opset 11 (the model imports ${opset})`);
    pads = a;
    value = attrFloat(node, 'value', 0);
  } else {
    refuseAttrs(node, ['pads', 'paddings', 'value'], `Pad's pads and value are attributes only before opset 11; from 11 (the model imports ${opset}) they are inputs`);
    if (!node.inputs[1]) opsetProblem(node, 'the pads input is required');
    pads = constantInts(node, ins, 1, 'pads');
    if (node.inputs[2]) {
      const v = ins[2]?.value;
      if (!v) opsetProblem(node, 'constant_value must be constant');
      if (v.data.length > 1) opsetProblem(node, `constant_value must be a scalar, found ${v.data.length} values`);
      value = v.data.length ? v.data[0] : 0;
    }
    if (node.inputs[3]) {
      if (opset < 18) opsetProblem(node, `the axes input exists from opset 18 (the model imports ${opset})`);
      axes = constantInts(node, ins, 3, 'axes').map((a) => normAxis(node, a, r));
      if (new Set(axes).size !== axes.length) opsetProblem(node, `axes [${axes}] repeat an axis`);
    }
  }
  if (pads.length !== 2 * axes.length) opsetProblem(node, `pads has ${pads.length} values, ${2 * axes.length} expected`, 'FPGAC004');
  if (!Number.isFinite(value)) opsetProblem(node, `the pad value ${value} is not finite`);
  const begin = new Array<number>(r).fill(0);
  const end = new Array<number>(r).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i];
    end[a] = pads[i + axes.length];
  });
  if (mode !== 'constant' && [...begin, ...end].some((v) => v < 0)) {
    opsetProblem(node, `negative pads (cropping) in ${mode} mode are not supported: whether the ${mode} rule applies before or after the crop is ambiguous`);
  }
  return { mode, begin, end, value };
}

/** Where output index i of an axis of input length n reads, for a pad of `begin` before (-1: the pad value). */
export function padIndex(mode: PadMode, i: number, begin: number, n: number): number {
  const j = i - begin;
  if (j >= 0 && j < n) return j;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return j < 0 ? 0 : n - 1;
  if (mode === 'wrap') return ((j % n) + n) % n;
  // reflect: mirror about the edge elements without repeating them (NumPy's 'reflect'), period 2(n - 1).
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((j % period) + period) % period;
  return m < n ? m : period - m;
}

function padMaps(node: Node, p: PadParams, shape: readonly number[]): AxisMap[] {
  return shape.map((n, d) => {
    const len = n + p.begin[d] + p.end[d];
    if (len < 0) opsetProblem(node, `pads remove more than the ${n} elements of axis ${d}`, 'FPGAC004');
    if (n === 0 && p.mode !== 'constant' && len > 0) opsetProblem(node, `${p.mode} padding of an empty axis`, 'FPGAC004');
    return Array.from({ length: len }, (_, i) => padIndex(p.mode, i, p.begin[d], n));
  });
}

export const PadOp: OpDef<PadParams, 'Pad'> = {
  op: 'Pad',
  family: 'movement',
  arity: { inputs: [1, 4], outputs: [1, 1] },
  constantInputs: [1, 2, 3],
  parse: parsePad,
  infer: (node, p, ins) => [{ shape: padMaps(node, p, ins[0]!.shape).map((m) => m.length), dtype: ins[0]!.dtype }],
  evaluate: (node, p, ins) => [remapData(ins[0]!, padMaps(node, p, ins[0]!.shape), p.value)],
  lower: (node, p, ctx) => lowerRemap(node, ctx, node.inputs[0], node.outputs[0], padMaps(node, p, ctx.shape(node.inputs[0])), p.value),
};

// ---- DepthToSpace / SpaceToDepth ------------------------------------------------------------------------------

export interface BlockParams {
  readonly block: number;
  /** DepthToSpace: DCR (depth-column-row, the default) or CRD (from opset 11). */
  readonly crd: boolean;
}

function parseBlock(node: Node, ins: Ins, opset: number): BlockParams {
  const block = attrInt(node, 'blocksize');
  if (block === undefined || !(block >= 1)) opsetProblem(node, `blocksize ${block ?? '(missing)'} must be a positive integer`);
  const mode = attrString(node, 'mode', 'DCR');
  if (node.op === 'SpaceToDepth' && node.attrs.mode) opsetProblem(node, 'SpaceToDepth has no mode attribute');
  if (mode !== 'DCR' && mode !== 'CRD') opsetProblem(node, `mode '${mode}' is not DCR or CRD`);
  if (mode === 'CRD' && opset < 11) opsetProblem(node, `mode CRD exists from opset 11 (the model imports ${opset})`);
  if (ins[0]!.shape.length !== 4) opsetProblem(node, `input rank ${ins[0]!.shape.length}: ${node.op} takes [N, C, H, W]`, 'FPGAC004');
  return { block, crd: mode === 'CRD' };
}

/**
 * The rank-6 view of the input and the permutation that makes the op one transpose: out = reshape(transpose(
 * reshape(x, view), perm), outShape).
 */
function blockWalk(node: Node, p: BlockParams, s: readonly number[]): { view: number[]; perm: number[]; out: number[] } {
  const [n, c, h, w] = s;
  const b = p.block;
  if (node.op === 'DepthToSpace') {
    if (c % (b * b) !== 0) opsetProblem(node, `channels ${c} are not a multiple of blocksize² = ${b * b}`, 'FPGAC004');
    const cb = c / (b * b);
    const out = [n, cb, h * b, w * b];
    return p.crd ? { view: [n, cb, b, b, h, w], perm: [0, 1, 4, 2, 5, 3], out } : { view: [n, b, b, cb, h, w], perm: [0, 3, 4, 1, 5, 2], out };
  }
  if (h % b !== 0 || w % b !== 0) opsetProblem(node, `height ${h} and width ${w} must be multiples of blocksize ${b}`, 'FPGAC004');
  return { view: [n, c, h / b, b, w / b, b], perm: [0, 3, 5, 1, 2, 4], out: [n, c * b * b, h / b, w / b] };
}

/** The float reference: the permutation applied by explicit index arithmetic on the rank-6 view. */
function permute(x: Tensor, view: readonly number[], perm: readonly number[], outShape: readonly number[]): Tensor {
  const maps = perm.map((a) => identityMap(view[a]));
  // A transpose as a remap of the permuted view: walk the output axes, read input axis perm[k].
  const dims = perm.map((a) => view[a]);
  const inStr: number[] = [];
  let s = 1;
  for (let k = view.length - 1; k >= 0; k--) {
    inStr[k] = s;
    s *= view[k];
  }
  const out = new Float64Array(numel(dims));
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    for (let d = 0; d < dims.length; d++) src += maps[d][idx[d]] * inStr[perm[d]];
    out[k] = x.data[src];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return tensor(outShape, out, x.dtype);
}

function blockOp<Op extends string>(op: Op): OpDef<BlockParams, Op> {
  return {
    op,
    family: 'movement',
    since: 1,
    arity: { inputs: [1, 1], outputs: [1, 1] },
    parse: parseBlock,
    infer: (node, p, ins) => [{ shape: blockWalk(node, p, ins[0]!.shape).out, dtype: ins[0]!.dtype }],
    evaluate: (node, p, ins) => {
      const w = blockWalk(node, p, ins[0]!.shape);
      return [permute(ins[0]!, w.view, w.perm, w.out)];
    },
    lower(node, p, ctx) {
      const x = ctx.input(node.inputs[0]);
      const w = blockWalk(node, p, x.shape);
      const out = ctx.output(node.outputs[0], x.format);
      ctx.add({ kind: 'transpose', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name, inShape: w.view, perm: w.perm });
    },
  };
}

export const DepthToSpaceOp = blockOp('DepthToSpace');
export const SpaceToDepthOp = blockOp('SpaceToDepth');
