/**
 * @fileoverview Sliding-window geometry shared by Conv and the pools: attributes (kernel_shape, strides, pads,
 * dilations, auto_pad, ceil_mode) resolved into explicit begin/end pads and output sizes, in 2-D form (a 1-D
 * window is the 2-D window with height 1), which is how the kernels see every window.
 */
import type { Node } from '../ir/graph.js';
import { attrInts, attrString, attrInt } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';

export interface Window2d {
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly dh: number; readonly dw: number;
  readonly pt: number; readonly pl: number; readonly pb: number; readonly pr: number;
  readonly oh: number; readonly ow: number;
}

/** Pads beyond this are refused: no input is that large (tensors hold at most 2^53 elements, layers far fewer). */
const MAX_EXTENT = 2 ** 24;

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

/**
 * Resolves the window of `node` over spatial dims `spatial` (length 1 or 2). `kernel` comes from kernel_shape
 * or, for Conv, the weight's shape.
 */
export function resolveWindow(node: Node, spatial: readonly number[], kernel: readonly number[], allowCeil: boolean): Window2d {
  const r = spatial.length;
  if (r !== 1 && r !== 2) bad(node, `${r}-D windows are not supported (1-D and 2-D are)`);
  if (kernel.length !== r) bad(node, `kernel_shape has ${kernel.length} dims for ${r} spatial dims`);
  const strides = [...(attrInts(node, 'strides') ?? new Array(r).fill(1))];
  const dil = [...(attrInts(node, 'dilations') ?? new Array(r).fill(1))];
  if (strides.length !== r || dil.length !== r) bad(node, 'strides/dilations do not match the spatial rank');
  if ([...strides, ...dil, ...kernel].some((v) => !Number.isSafeInteger(v) || v < 1)) bad(node, 'strides, dilations and kernel sizes must be positive whole numbers');
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  if (ceil && !allowCeil) bad(node, 'ceil_mode is not valid here');
  let begin: number[];
  let end: number[];
  const eff = kernel.map((k, i) => (k - 1) * dil[i] + 1);
  if (autoPad === 'NOTSET') {
    const pads = attrInts(node, 'pads') ?? new Array(2 * r).fill(0);
    if (pads.length !== 2 * r) bad(node, `pads has ${pads.length} values, ${2 * r} expected`);
    if (pads.some((p) => p < 0)) bad(node, 'negative pads are not supported');
    if (pads.some((p) => !(p < MAX_EXTENT))) bad(node, `pads [${pads}] are implausibly large (at most ${MAX_EXTENT - 1})`);
    begin = pads.slice(0, r);
    end = pads.slice(r);
  } else if (autoPad === 'VALID') {
    begin = new Array(r).fill(0);
    end = new Array(r).fill(0);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    begin = [];
    end = [];
    for (let i = 0; i < r; i++) {
      const out = Math.ceil(spatial[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + eff[i] - spatial[i]);
      const small = Math.floor(total / 2);
      begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      end.push(autoPad === 'SAME_UPPER' ? total - small : small);
    }
  } else {
    bad(node, `auto_pad '${autoPad}' is not an ONNX value`);
  }
  const out = spatial.map((n, i) => {
    const span = n + begin[i] + end[i] - eff[i];
    if (span < 0) bad(node, `window (${eff[i]}) is larger than the padded input (${n + begin[i] + end[i]})`);
    let o = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
    // ceil_mode: a window may not start inside the end padding only.
    if (ceil && (o - 1) * strides[i] >= n + begin[i]) o -= 1;
    return o;
  });
  // Values that cannot matter are normalized (the layers then carry only plausible sizes): a kernel of size 1
  // has no dilation, and a single output position has no stride.
  for (let i = 0; i < r; i++) {
    if (kernel[i] === 1) dil[i] = 1;
    if (out[i] === 1) strides[i] = 1;
  }
  if (r === 1) {
    return { kh: 1, kw: kernel[0], sh: 1, sw: strides[0], dh: 1, dw: dil[0], pt: 0, pl: begin[0], pb: 0, pr: end[0], oh: 1, ow: out[0] };
  }
  return { kh: kernel[0], kw: kernel[1], sh: strides[0], sw: strides[1], dh: dil[0], dw: dil[1], pt: begin[0], pl: begin[1], pb: end[0], pr: end[1], oh: out[0], ow: out[1] };
}

/**
 * Lowered windowed layers (conv2d, pool2d) process one sample; a concrete first dimension above 1 (kept as data
 * at import) cannot be lowered onto them.
 */
export function checkOneSample(node: Node, shape: readonly number[]): void {
  if (shape[0] !== 1) bad(node, `an input of ${shape[0]} samples (shape [${shape}]) is not supported: the layer processes one sample at a time`);
}

/** [N, C, H, W] view of an input of rank 3 (N, C, W) or 4. */
export function as4d(shape: readonly number[]): [number, number, number, number] {
  if (shape.length === 3) return [shape[0], shape[1], 1, shape[2]];
  return [shape[0], shape[1], shape[2], shape[3]];
}

/** The output shape in the input's rank. */
export function outShape(inRank: number, n: number, c: number, win: Window2d): number[] {
  return inRank === 3 ? [n, c, win.ow] : [n, c, win.oh, win.ow];
}
