/**
 * @fileoverview The fixed-point design IR: what lowering produces, what `fpgac sim` executes bit-exactly, and what
 * the emitter renders into HLS C++. It is plain JSON-serializable data (design.json in the build directory).
 *
 * Conventions shared by every layer kind, the simulator kernels (sim/kernels/) and the HLS kernels (hw/fpgac/):
 * - Every tensor is a flat C-order array of raw integers; its value is raw · 2^-(width - int) of its format.
 *   Shapes keep ONNX's order with the batch axis fixed to 1 (NCHW for images, NCW → N,C,1,W for 1-D).
 * - A layer computes exact intermediate values (products, sums in an accumulator format wide enough never to
 *   overflow) and casts once to its output tensor's format: quantization mode first, then overflow mode.
 * - Constants (weights, biases, tables) are stored as raws in their own format.
 */
import type { FixedFormat } from '../../sim/fixed.js';

export interface DTensor {
  readonly name: string; // C identifier-safe, unique in the design
  readonly onnxName: string; // the ONNX value it holds
  readonly shape: readonly number[];
  readonly format: FixedFormat;
}

export interface ConstData {
  readonly name: string; // C identifier-safe, unique in the design (also the weights header name)
  readonly shape: readonly number[];
  readonly format: FixedFormat;
  readonly raw: readonly number[]; // C order
}

/**
 * Activation fused at the end of a layer. Relu clamps the exact accumulator at 0 before the output cast (equal to
 * relu after the cast, since the cast is monotone and maps 0 to 0). Clip clamps AFTER the cast, between two raws
 * in the output format, so that simulator and C++ compare values of one type.
 */
export type Activation =
  | { readonly kind: 'none' }
  | { readonly kind: 'relu' }
  | { readonly kind: 'clip'; readonly lo: number; readonly hi: number };

interface LayerBase {
  readonly name: string; // C identifier-safe, unique; also the config struct suffix
  readonly sources: readonly string[]; // ONNX node names this layer implements (for reports and traces)
  readonly inputs: readonly string[]; // DTensor names read
  readonly output: string; // DTensor name written
}

/**
 * 2-D convolution (1-D convs are lowered with h = 1, kh = 1), any group count (depthwise: group = c = oc).
 * Input [c][h][w], output [oc][oh][ow], weight [oc][c/group][kh][kw], bias [oc]. Zero padding pt/pl at the
 * top/left; the bottom/right padding is implied by oh/ow. out = cast(act(bias + Σ w·x)) with the sum exact in acc.
 */
export interface Conv2dLayer extends LayerBase {
  readonly kind: 'conv2d';
  readonly c: number; readonly h: number; readonly w: number;
  readonly oc: number; readonly oh: number; readonly ow: number;
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly pt: number; readonly pl: number;
  readonly dh: number; readonly dw: number;
  readonly group: number;
  readonly weight: ConstData;
  readonly bias: ConstData | null;
  readonly acc: FixedFormat;
  readonly act: Activation;
  /** Per-output-channel formats (see ChannelShift). */
  readonly shift?: ChannelShift;
}

/**
 * Per-output-channel weight precision: channel o's weights and bias are stored scaled by 2^k[o] (small channels use
 * the format's range fully), and its exact accumulator is shifted right by k[o] before the activation and output
 * cast: out = finish(acc · 2^-k[o]). `accs` is the accumulator format with max k more fraction bits, which holds
 * the shifted value exactly.
 */
export interface ChannelShift {
  readonly k: ConstData; // [outputs], unsigned integers
  readonly accs: FixedFormat;
}

/** Fully connected: input [rows][nIn] → output [rows][nOut]; weight [nOut][nIn]; bias [nOut]. */
export interface DenseLayer extends LayerBase {
  readonly kind: 'dense';
  readonly rows: number; readonly nIn: number; readonly nOut: number;
  readonly weight: ConstData;
  readonly bias: ConstData | null;
  readonly acc: FixedFormat;
  readonly act: Activation;
  /** Per-output-channel formats (see ChannelShift). */
  readonly shift?: ChannelShift;
}

/**
 * Matrix product of two tensors: A [batch][m][k] × B [batch][k][n] → [batch][m][n]. aBatchStride/bBatchStride
 * are 0 where that operand is broadcast over the batch.
 */
export interface MatMulLayer extends LayerBase {
  readonly kind: 'matmul';
  readonly batch: number; readonly m: number; readonly k: number; readonly n: number;
  readonly aBatchStride: number; readonly bBatchStride: number;
  readonly acc: FixedFormat;
}

/** An operand of an element-wise layer: a design tensor or a constant. */
export type Operand = { readonly tensor: string } | { readonly constant: ConstData };

export const ELT_RANK = 6;

/**
 * Element-wise binary op with NumPy broadcasting: out[i0..i5] = cast(a[Σ ik·aStrides[k]] op b[Σ ik·bStrides[k]]).
 * outShape, aStrides, bStrides are padded to ELT_RANK (leading 1s / 0s); a stride is 0 on a broadcast axis.
 * The result of op is exact (full precision, as ap_fixed's operators), then cast to the output format.
 */
export interface EltwiseLayer extends LayerBase {
  readonly kind: 'eltwise';
  readonly op: 'add' | 'sub' | 'mul';
  readonly a: Operand; readonly b: Operand;
  readonly outShape: readonly number[];
  readonly aStrides: readonly number[]; readonly bStrides: readonly number[];
  readonly act: Activation;
}

/**
 * Whether each operand of an element-wise layer is either the whole output-shaped array in C order or a scalar:
 * then element i reads a[i] (or a[0]) and b[i] (or b[0]), and lanes can take contiguous blocks of elements
 * (hw/fpgac/eltwise.h, eltwise_lanes). Broadcasts along some axes keep the general one-element-per-cycle kernel.
 */
export function eltwiseIsFlat(l: EltwiseLayer): boolean {
  const dense: number[] = [];
  let step = 1;
  for (let k = ELT_RANK - 1; k >= 0; k--) { dense[k] = step; step *= l.outShape[k]; }
  const flat = (s: readonly number[]) => s.every((v) => v === 0) || s.every((v, k) => l.outShape[k] === 1 || v === dense[k]);
  return flat(l.aStrides) && flat(l.bStrides);
}

/**
 * Unary per-element: out = act(cast(x · 2^shift)) — Relu, Clip, format changes (Reshape/Flatten/Identity: act
 * none), and multiplication by a power of two (shift ≠ 0), which costs nothing: the raw bits are read with the
 * binary point moved by `shift` places, then cast as usual.
 */
export interface UnaryLayer extends LayerBase {
  readonly kind: 'unary';
  readonly n: number;
  readonly act: Activation;
  readonly shift?: number;
}

/**
 * Table lookup for a smooth function (Sigmoid): idx = clamp(floor(x · 2^idxShift) + offset, 0, size - 1),
 * out = cast(table[idx]). The compiler fills the table (function sampled at the bin's centre), so simulator
 * and C++ read the same data.
 */
export interface LutLayer extends LayerBase {
  readonly kind: 'lut';
  readonly fn: 'sigmoid' | 'bipolar'; // bipolar: a 2-entry table [-s, +s] indexed by the sign of x
  readonly n: number;
  readonly idxShift: number; // x·2^idxShift, i.e. 2^idxShift bins per unit
  readonly offset: number;
  readonly table: ConstData;
}

/**
 * Softmax over an axis, viewed as [outer][len][inner], all in integers (raws):
 *   m = max_j x_j;  d_j = m - x_j ≥ 0 (raw, input fraction bits Fx);
 *   idx_j = min(floor(d_j · 2^(expShift - Fx)), size - 1);  e_j = expTable[idx_j]  (entry i = exp(-i / 2^expShift),
 *   unsigned, fraction Fe; entry 0 is exactly 1.0 so s ≥ 1);  s = Σ e_j (exact);
 *   1/s by table, no division (one cycle in a pipeline instead of one per quotient bit):
 *     k = floor(log2 s) (≥ Fe);  idx = floor(s / 2^(k − R)) − 2^R  (the R bits after s's leading one);
 *     r = recipTable[idx] = floor(2^G · 2^R / (2^R + idx))  (unsigned, fraction G; 1/m for the mantissa m's lower
 *     bound, so r is exact when s is a power of two and at most 2^-R too large otherwise);
 *   out_j = cast(e_j · r · 2^(Fe − k)) = cast of the exact integer e_j · r with G + k fraction bits.
 */
export interface SoftmaxLayer extends LayerBase {
  readonly kind: 'softmax';
  readonly outer: number; readonly len: number; readonly inner: number;
  readonly expShift: number;
  readonly expTable: ConstData;
  /** 2^R entries (R = log2 of the length), fraction G = the format's fraction bits. */
  readonly recipTable: ConstData;
}

/** Max or average pooling, 2-D (1-D with h = 1). Global average pool is kh = h, kw = w. */
export interface Pool2dLayer extends LayerBase {
  readonly kind: 'pool2d';
  readonly mode: 'max' | 'avg';
  readonly c: number; readonly h: number; readonly w: number;
  readonly oh: number; readonly ow: number;
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly pt: number; readonly pl: number;
  readonly dh: number; readonly dw: number;
  /** avg: divide by the full window (true) or by the in-bounds count (false). */
  readonly countIncludePad: boolean;
  /** avg: the exact window sum's format, and the format 1/count is rounded to before the multiply. */
  readonly acc: FixedFormat;
  readonly recip: FixedFormat;
}

/** Transpose of a tensor of rank ≤ ELT_RANK (padded with leading 1s): out axis k = in axis perm[k]. */
export interface TransposeLayer extends LayerBase {
  readonly kind: 'transpose';
  readonly inShape: readonly number[]; // padded to ELT_RANK
  readonly perm: readonly number[]; // padded: identity on the leading padding axes
}

/**
 * A loop region: one engine (the body layers) run `trips` times on one carried tensor, its weights stored once.
 * Semantics: s = cast(input) into the state format; repeat trips times { stateIn = s; run body; s = stateOut };
 * output = s. stateIn, stateOut and output share one format, so every step is the same hardware. In C++ the body is
 * one function whose state alternates between two buffers (ping-pong); the step loop is not unrolled.
 */
export interface LoopLayer extends LayerBase {
  readonly kind: 'loop';
  readonly trips: number;
  readonly stateIn: string; // DTensor the body reads as the current state
  readonly stateOut: string; // DTensor the body's last layer writes
  readonly body: readonly Layer[];
}

/** The layers that compute on data; `loop` is control flow around them. */
export type ComputeLayer =
  | Conv2dLayer | DenseLayer | MatMulLayer | EltwiseLayer | UnaryLayer | LutLayer | SoftmaxLayer | Pool2dLayer
  | TransposeLayer;

export type Layer = ComputeLayer | LoopLayer;

export type LayerKind = Layer['kind'];
export type ComputeKind = ComputeLayer['kind'];

export interface Design {
  readonly format: 'fpgac-design';
  readonly version: 1;
  readonly name: string; // top function name
  readonly model: { readonly file: string; readonly sha256: string; readonly opset: number; readonly producer: string };
  readonly precision: string; // default format, as given
  readonly inputs: readonly string[]; // DTensor names, in ONNX graph input order
  readonly outputs: readonly string[]; // DTensor names, in ONNX graph output order
  readonly tensors: Readonly<Record<string, DTensor>>;
  readonly layers: readonly Layer[];
  /** How the built IP's inputs and outputs travel (src/deploy/packing.ts); set by `build`, read by the drivers. */
  readonly io?: import('../deploy/packing.js').Packing;
}

/** Every compute layer, region bodies included, in execution order of one step. */
export function computeLayers(layers: readonly Layer[]): ComputeLayer[] {
  return layers.flatMap((l) => (l.kind === 'loop' ? computeLayers(l.body) : [l]));
}

/** The role a layer constant plays: parameters (weights, biases), computed tables, per-channel shifts. */
export type ConstRole = 'weight' | 'bias' | 'table' | 'shift';

/** Every constant a compute layer reads, with its role (what the emitter stores, the plan places, reports count). */
export function layerConstants(l: ComputeLayer): { readonly data: ConstData; readonly role: ConstRole }[] {
  switch (l.kind) {
    case 'conv2d': case 'dense':
      return [
        { data: l.weight, role: 'weight' as const },
        ...(l.bias ? [{ data: l.bias, role: 'bias' as const }] : []),
        ...(l.shift ? [{ data: l.shift.k, role: 'shift' as const }] : []),
      ];
    case 'eltwise': return [l.a, l.b].flatMap((o) => ('constant' in o ? [{ data: o.constant, role: 'weight' as const }] : []));
    case 'lut': return [{ data: l.table, role: 'table' }];
    case 'softmax': return [{ data: l.expTable, role: 'table' }, { data: l.recipTable, role: 'table' }];
    default: return [];
  }
}
