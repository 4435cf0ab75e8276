/**
 * @fileoverview Resize (opsets 10 to 19 forms) and Upsample (opsets 7 to 9, nearest). Nearest: every output element
 * is one input element, so the op is a per-axis index map (ops/remap.ts) computed at compile time with ONNX's
 * coordinate transformation and rounding, lowered to one `gather` layer. Linear and cubic (antialias,
 * exclude_outside): per-axis taps and coefficients (ops/interp.ts), lowered to one `interp` layer. tf_crop_and_resize
 * points outside the region of interest read the extrapolation value (the layer's pad).
 *
 * Arithmetic follows ONNX's reference implementation exactly (its outputs are the node tests' data), including where
 * it computes in float32: with a `scales` input the scaled length `scale · n` is a float32 product, the source
 * coordinate itself is float64. align_corners and tf_crop_and_resize divide by that scaled length minus 1, not by
 * the output length minus 1 as ONNX Runtime does: the two differ when scale · n is not whole
 * (test_resize_downsample_scales_linear_align_corners holds the reference's values).
 */
import type { Node, Tensor } from '../ir/graph.js';
import { attrFloat, attrInt, attrInts, attrString } from '../onnx/attrs.js';
import type { InputInfo, OpDef } from './types.js';
import { opsetProblem, refuseAttrs } from './opset.js';
import { identityMap, lowerRemap, remapData, type AxisMap } from './remap.js';
import { axisTaps, identityTaps, interpData, lowerInterp, type AxisTaps, type InterpKernel } from './interp.js';

type Ins = readonly (InputInfo | undefined)[];

export interface ResizeParams {
  readonly mode: 'nearest' | 'linear' | 'cubic';
  /** linear and cubic: the coefficient kernel (ops/interp.ts). */
  readonly kernel?: InterpKernel;
  readonly coord: string;
  readonly nearest: string;
  /** Scales per listed axis (float32 values), or output sizes per listed axis: exactly one is set. */
  readonly scales?: readonly number[];
  readonly sizes?: readonly number[];
  /** Axes the scales/sizes/roi refer to (absent: all, in order). */
  readonly axes?: readonly number[];
  /** tf_crop_and_resize: starts then ends, per listed axis, as fractions of (n - 1). */
  readonly roi?: readonly number[];
  readonly policy: 'stretch' | 'not_larger' | 'not_smaller';
  readonly extrapolation: number;
}

const COORD_MODES: Readonly<Record<number, readonly string[]>> = {
  11: ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'],
  13: ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'],
  19: ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'],
};

/** The float values of a constant input (absent or empty: undefined). */
function constFloats(node: Node, ins: Ins, i: number, what: string): number[] | undefined {
  if (!node.inputs[i]) return undefined;
  const v = ins[i]?.value;
  if (!v) opsetProblem(node, `${what} must be constant`);
  return v.data.length ? Array.from(v.data) : undefined;
}

/** Resize's mode and its coefficient kernel (cubic_coeff_a, exclude_outside, antialias from opset 18). */
function readMode(node: Node, opset: number): Pick<ResizeParams, 'mode' | 'kernel'> {
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') opsetProblem(node, `mode '${mode}' is not an ONNX Resize mode`);
  if (mode === 'cubic' && opset < 11) opsetProblem(node, `mode 'cubic' exists from opset 11 (the model imports ${opset})`);
  const antialias = attrInt(node, 'antialias', 0) !== 0;
  if (mode === 'nearest') {
    if (antialias) opsetProblem(node, 'antialias applies to linear and cubic modes only');
    return { mode };
  }
  return { mode, kernel: { mode, cubicA: attrFloat(node, 'cubic_coeff_a', -0.75), excludeOutside: attrInt(node, 'exclude_outside', 0) !== 0, antialias } };
}

function parseResize(node: Node, ins: Ins, opset: number): ResizeParams {
  const r = ins[0]!.shape.length;
  if (opset < 18) refuseAttrs(node, ['antialias', 'axes', 'keep_aspect_ratio_policy'], `these attributes exist from opset 18 (the model imports ${opset})`);
  const mode = readMode(node, opset);
  if (opset < 11) {
    refuseAttrs(node, ['coordinate_transformation_mode', 'nearest_mode', 'extrapolation_value', 'cubic_coeff_a', 'exclude_outside'], `these attributes exist from opset 11 (the model imports ${opset})`);
    const scales = constFloats(node, ins, 1, 'scales');
    if (!scales) opsetProblem(node, 'the scales input is required in opset 10');
    // Opset 10 is Upsample's rule: asymmetric coordinates, rounded down.
    return checkScales(node, { ...mode, coord: 'asymmetric', nearest: 'floor', scales, policy: 'stretch', extrapolation: 0 }, r);
  }
  const coord = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  const allowed = COORD_MODES[opset >= 19 ? 19 : opset >= 13 ? 13 : 11];
  if (!allowed.includes(coord)) opsetProblem(node, `coordinate_transformation_mode '${coord}' is not one of opset ${opset}'s (${allowed.join(', ')})`);
  if (coord === 'tf_half_pixel_for_nn') {
    opsetProblem(node, "coordinate_transformation_mode 'tf_half_pixel_for_nn' (opsets 11-12 only) is not supported: ONNX's reference implementation does not define it and ONNX Runtime's rounding departs from the formula of the specification");
  }
  const nearest = attrString(node, 'nearest_mode', 'round_prefer_floor');
  if (!['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'].includes(nearest)) opsetProblem(node, `nearest_mode '${nearest}' is not an ONNX mode`);
  const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch' && policy !== 'not_larger' && policy !== 'not_smaller') opsetProblem(node, `keep_aspect_ratio_policy '${policy}' is not an ONNX policy`);
  const axesAttr = attrInts(node, 'axes');
  const axes = axesAttr?.map((a) => {
    if (!Number.isSafeInteger(a) || a < -r || a >= r) opsetProblem(node, `axis ${a} is out of range for rank ${r}`);
    return a < 0 ? a + r : a;
  });
  if (axes && new Set(axes).size !== axes.length) opsetProblem(node, `axes [${axesAttr}] repeat an axis`);
  const roi = constFloats(node, ins, 1, 'roi');
  const scales = constFloats(node, ins, 2, 'scales');
  const sizes = constFloats(node, ins, 3, 'sizes');
  if (!!scales === !!sizes) opsetProblem(node, 'exactly one of scales and sizes must be given');
  if (policy !== 'stretch' && !sizes) opsetProblem(node, 'keep_aspect_ratio_policy applies to sizes only');
  const n = axes?.length ?? r;
  if (coord === 'tf_crop_and_resize' && (!roi || roi.length !== 2 * n)) opsetProblem(node, `tf_crop_and_resize needs a constant roi of ${2 * n} values`);
  const p: ResizeParams = {
    ...mode, coord, nearest, axes, policy: policy as ResizeParams['policy'], extrapolation: attrFloat(node, 'extrapolation_value', 0),
    ...(scales ? { scales } : { sizes }), ...(coord === 'tf_crop_and_resize' ? { roi } : {}),
  };
  if (sizes && (sizes.length !== n || sizes.some((s) => !Number.isSafeInteger(s) || s < 1))) opsetProblem(node, `sizes [${sizes}] must be ${n} positive whole numbers`, 'FPGAC004');
  return scales ? checkScales(node, p, n) : p;
}

function checkScales(node: Node, p: ResizeParams, n: number): ResizeParams {
  const s = p.scales!;
  if (s.length !== n || s.some((v) => !(v > 0) || !Number.isFinite(v))) opsetProblem(node, `scales [${s}] must be ${n} positive numbers`, 'FPGAC004');
  return p;
}

/** ONNX's nearest rounding of a source coordinate (an integer is itself). */
function roundNearest(x: number, mode: string): number {
  const f = Math.floor(x);
  if (f === x) return x;
  const ratio = x - f;
  if (mode === 'floor') return f;
  if (mode === 'ceil') return f + 1;
  if (mode === 'round_prefer_ceil') return ratio < 0.5 ? f : f + 1;
  return ratio <= 0.5 ? f : f + 1; // round_prefer_floor
}

interface AxisResize {
  readonly scale: number;
  /** scale · n as the reference computes it (float32 with a scales input). */
  readonly width: number;
  readonly out: number;
  readonly roi: readonly [number, number];
}

/** Per axis: the scale, the scaled length and the output length (ONNX's rules for scales, sizes and the policy). */
function axisResizes(node: Node, p: ResizeParams, shape: readonly number[]): AxisResize[] {
  const r = shape.length;
  const axes = p.axes ?? identityMap(r);
  const per: (AxisResize | undefined)[] = new Array(r).fill(undefined);
  const roiOf = (i: number): [number, number] => (p.roi ? [p.roi[i], p.roi[axes.length + i]] : [0, 1]);
  if (p.scales) {
    axes.forEach((d, i) => {
      const s = p.scales![i];
      per[d] = { scale: s, width: Math.fround(s * shape[d]), out: Math.floor(s * shape[d]), roi: roiOf(i) };
    });
  } else {
    const ratios = axes.map((d, i) => p.sizes![i] / shape[d]);
    if (p.policy === 'stretch') {
      axes.forEach((d, i) => (per[d] = { scale: ratios[i], width: ratios[i] * shape[d], out: p.sizes![i], roi: roiOf(i) }));
    } else {
      const s = p.policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((d, i) => (per[d] = { scale: s, width: s * shape[d], out: Math.floor(s * shape[d] + 0.5), roi: roiOf(i) }));
    }
  }
  return shape.map((n, d) => {
    const a = per[d] ?? { scale: 1, width: n, out: n, roi: [0, 1] as const };
    if (!(a.out >= 1)) opsetProblem(node, `axis ${d} of length ${n} resizes to ${a.out} elements`, 'FPGAC004');
    return a;
  });
}

/** The source coordinate of output index x on an axis of input length n (ONNX's coordinate transformations). */
function sourceCoord(coord: string, x: number, n: number, a: AxisResize): number {
  const { scale, width } = a;
  switch (coord) {
    case 'align_corners': return width === 1 ? 0 : (x * (n - 1)) / (width - 1);
    case 'asymmetric': return x / scale;
    case 'tf_half_pixel_for_nn': return (x + 0.5) / scale;
    case 'pytorch_half_pixel': return width === 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const offset = (n / 2) * (1 - a.out / width);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case 'tf_crop_and_resize': {
      const [s, e] = a.roi;
      const c = width === 1 ? ((e - s) * (n - 1)) / 2 : (x * (e - s) * (n - 1)) / (width - 1);
      return c + s * (n - 1);
    }
    default: return (x + 0.5) / scale - 0.5; // half_pixel
  }
}

function resizeMaps(node: Node, p: ResizeParams, shape: readonly number[]): AxisMap[] {
  const listed = new Set(p.axes ?? identityMap(shape.length));
  return axisResizes(node, p, shape).map((a, d) => {
    const n = shape[d];
    if (!listed.has(d)) return identityMap(n);
    return Array.from({ length: a.out }, (_, x) => {
      const c = coordOf(p, x, n, a);
      return c === undefined ? -1 : Math.min(Math.max(roundNearest(c, p.nearest), 0), n - 1);
    });
  });
}

/** The source coordinate of output index x, undefined outside a tf_crop_and_resize region. */
function coordOf(p: ResizeParams, x: number, n: number, a: AxisResize): number | undefined {
  const c = sourceCoord(p.coord, x, n, a);
  return p.coord === 'tf_crop_and_resize' && (c < 0 || c > n - 1) ? undefined : c;
}

/** linear/cubic: each axis' taps; an axis whose coordinates are exactly its indices is one tap of weight 1. */
function resizeTaps(node: Node, p: ResizeParams, shape: readonly number[]): AxisTaps[] {
  const maps = resizeMaps(node, p, shape); // the shape checks and refusals, shared with nearest
  const listed = new Set(p.axes ?? identityMap(shape.length));
  return axisResizes(node, p, shape).map((a, d) => {
    const n = shape[d];
    const same = a.out === n && maps[d].every((_, x) => coordOf(p, x, n, a) === x);
    if (!listed.has(d) || (same && !(p.kernel!.antialias && a.scale < 1))) return identityTaps(n);
    return axisTaps(p.kernel!, n, a.out, a.scale, (x) => coordOf(p, x, n, a));
  });
}

function evaluateResize(node: Node, p: ResizeParams, x: Tensor): Tensor {
  return p.mode === 'nearest' ? remapData(x, resizeMaps(node, p, x.shape), p.extrapolation) : interpData(x, resizeTaps(node, p, x.shape), p.extrapolation);
}

export const ResizeOp: OpDef<ResizeParams, 'Resize'> = {
  op: 'Resize',
  family: 'resize',
  since: 10,
  arity: { inputs: [1, 4], outputs: [1, 1] },
  constantInputs: [1, 2, 3],
  parse: parseResize,
  infer: (node, p, ins) => [{ shape: resizeMaps(node, p, ins[0]!.shape).map((m) => m.length), dtype: ins[0]!.dtype }],
  evaluate: (node, p, ins) => [evaluateResize(node, p, ins[0]!)],
  lower: (node, p, ctx) => {
    const shape = ctx.shape(node.inputs[0]);
    if (p.mode === 'nearest') lowerRemap(node, ctx, node.inputs[0], node.outputs[0], resizeMaps(node, p, shape), p.extrapolation);
    else lowerInterp(node, ctx, resizeTaps(node, p, shape), p.extrapolation);
  },
};

/** Upsample: `scales` attribute (opsets 7, 8) or input 1 (from 9); nearest repeats each element `scale` times. */
function parseUpsample(node: Node, ins: Ins, opset: number): ResizeParams {
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest') opsetProblem(node, `mode '${mode}' is not supported: ONNX's reference defines Upsample for nearest mode with whole scales only (use Resize)`);
  if (opset < 7) opsetProblem(node, `Upsample before opset 7 (the model imports ${opset}; width_scale/height_scale attributes) is not supported`);
  let scales: number[] | undefined;
  if (opset < 9) {
    if (node.inputs[1]) opsetProblem(node, `Upsample takes scales as an input from opset 9; before (the model imports ${opset}) it is the 'scales' attribute`);
    const a = node.attrs.scales;
    scales = a?.kind === 'floats' ? a.value : a?.kind === 'float' ? [a.value] : undefined;
    if (!scales) opsetProblem(node, `the 'scales' attribute (floats) is required before opset 9 (the model imports ${opset})`);
  } else {
    refuseAttrs(node, ['scales'], `Upsample's scales are an attribute only before opset 9; from 9 (the model imports ${opset}) they are input 1`);
    scales = constFloats(node, ins, 1, 'scales');
    if (!scales) opsetProblem(node, 'the scales input is required');
  }
  // ONNX's reference defines nearest Upsample as repetition: whole scales only.
  if (scales.some((s) => !Number.isInteger(s) || s < 1)) opsetProblem(node, `scales [${scales}]: nearest Upsample is defined for whole scales ≥ 1 only`);
  return checkScales(node, { mode: 'nearest', coord: 'asymmetric', nearest: 'floor', scales, policy: 'stretch', extrapolation: 0 }, ins[0]!.shape.length);
}

export const UpsampleOp: OpDef<ResizeParams, 'Upsample'> = {
  op: 'Upsample',
  family: 'resize',
  since: 7,
  arity: { inputs: [1, 2], outputs: [1, 1] },
  constantInputs: [1],
  parse: parseUpsample,
  infer: ResizeOp.infer as OpDef<ResizeParams, 'Upsample'>['infer'],
  evaluate: ResizeOp.evaluate as OpDef<ResizeParams, 'Upsample'>['evaluate'],
  lower: ResizeOp.lower as OpDef<ResizeParams, 'Upsample'>['lower'],
};
