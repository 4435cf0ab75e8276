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
import { fixed, type FixedFormat } from '../../sim/fixed.js';
import type { Packing } from './io.js';

export interface DTensor {
  readonly name: string; // C identifier-safe, unique in the design
  readonly onnxName: string; // the ONNX value it holds
  readonly shape: readonly number[];
  readonly format: FixedFormat;
  /** An integer graph input: the ONNX element type its data files hold (its format is that integer type). */
  readonly dtype?: IntInputType;
}

/** The integer element types a graph input may have: each becomes the ap_int/ap_uint of its width. */
export type IntInputType = 'int8' | 'uint8' | 'int16' | 'uint16';

export interface ConstData {
  readonly name: string; // C identifier-safe, unique in the design (also the weights header name)
  readonly shape: readonly number[];
  readonly format: FixedFormat;
  readonly raw: readonly number[]; // C order
}

/**
 * Activation fused at the end of a layer. Relu clamps the exact accumulator at 0 before the output cast (equal to
 * relu after the cast, since the cast is monotone and maps 0 to 0). Clip clamps AFTER the cast, between two raws
 * in the output format, so that simulator and C++ compare values of one type. Leaky (LeakyRelu, PRelu with one
 * slope) acts on the exact accumulator: v = acc ≥ 0 ? acc : acc · alpha, the product exact (alpha a constant in its
 * own format, fraction bits of acc + alpha's), then the one output cast. It gives the bits of the layer written to
 * its exact accumulator format followed by a `pwl` leaky layer with the same alpha scalar.
 */
export type Activation =
  | { readonly kind: 'none' }
  | { readonly kind: 'relu' }
  | { readonly kind: 'clip'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'leaky'; readonly alpha: { readonly raw: number; readonly format: FixedFormat } };

interface LayerBase {
  readonly name: string; // C identifier-safe, unique; also the config struct suffix
  readonly sources: readonly string[]; // ONNX node names this layer implements (for reports and traces)
  readonly inputs: readonly string[]; // DTensor names read
  readonly output: string; // DTensor name written
}

/** What a convolution and a transposed convolution hold: sizes, strides, pads, dilations, groups, constants. */
interface ConvGeometry extends LayerBase {
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
 * 2-D convolution (1-D convs are lowered with h = 1, kh = 1), any group count (depthwise: group = c = oc).
 * Input [c][h][w], output [oc][oh][ow], weight [oc][c/group][kh][kw], bias [oc]. Zero padding pt/pl at the
 * top/left; the bottom/right padding is implied by oh/ow. out = cast(act(bias + Σ w·x)) with the sum exact in acc.
 */
export interface Conv2dLayer extends ConvGeometry {
  readonly kind: 'conv2d';
}

/**
 * Transposed 2-D convolution (ONNX ConvTranspose; 1-D with h = 1, kh = 1), any group count, written in gather form.
 * Input [c][h][w], output [oc][oh][ow], weight [oc][c/group][kh][kw] (the lowering transposes ONNX's
 * [c][oc/group][kh][kw] so each output channel's weights are contiguous, as conv2d's), bias [oc]:
 *   out[o][y][x] = cast(act(bias[o] + Σ_{ic, ky, kx} w[o][ic][ky][kx] · in[g·(c/group) + ic][iy][ix]))
 * over the taps where y + pt − ky·dh = iy·sh and x + pl − kx·dw = ix·sw hold for whole iy in [0, h), ix in [0, w)
 * (g = o / (oc/group)). pt/pl are ONNX's begin pads (any integer: a negative one adds outputs in front); the end
 * pads and output_padding are implied by oh/ow. The sum is exact in acc (sized per output channel and tap phase:
 * the taps of one output are those with ky·dh ≡ y + pt (mod sh), likewise for kx).
 */
export interface ConvTranspose2dLayer extends ConvGeometry {
  readonly kind: 'convtranspose2d';
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
  /** max / min: the larger / smaller of the two exact values (compared in the add result's format), then cast. */
  readonly op: 'add' | 'sub' | 'mul' | 'max' | 'min';
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
 * The input format with its binary point moved `shift` places: the same raws read as x · 2^shift (what a unary
 * layer's shift means; the simulator and the emitted `shifted_t` both use it).
 */
export function shiftedFormat(f: FixedFormat, shift: number): FixedFormat {
  return shift ? fixed(f.width, f.int + shift, { signed: f.signed }) : f;
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

/** A constant scalar held in a layer's config: its raw in its own format. */
export interface FixedScalar { readonly raw: number; readonly format: FixedFormat }

/** The exact piecewise-linear functions of a `pwl` layer. */
export type PwlFn = 'leaky' | 'thresholded' | 'hardsigmoid' | 'hardswish' | 'abs' | 'neg' | 'sign' | 'floor' | 'ceil' | 'round';

/**
 * Exact piecewise-linear per-element functions (src/kinds/pwl.ts); every intermediate is exact (ap_fixed's full
 * precision), then one cast out = cast(v):
 *   leaky:       v = x ≥ 0 ? x : slope[floor(i / inner) % len] · x  (LeakyRelu: one slope; PRelu: its slope block)
 *   thresholded: v = x > a ? x : 0
 *   hardsigmoid: v = clamp(a · x + b, 0, 1);  hardswish: v = x · clamp(a · x + b, 0, 1)
 *   abs, neg, sign: |x|, −x, (x > 0) − (x < 0)
 *   floor, ceil, round: the integer at or below / at or above / nearest to x (ties to even)
 */
export interface PwlLayer extends LayerBase {
  readonly kind: 'pwl';
  readonly fn: PwlFn;
  readonly n: number;
  readonly slope: ConstData | null; // leaky only
  readonly inner: number; // leaky: elements per slope value (1 otherwise)
  readonly a: FixedScalar | null; // thresholded: the threshold; hardsigmoid, hardswish: α
  readonly b: FixedScalar | null; // hardsigmoid, hardswish: β
}

/** The smooth functions of a `curve` layer (the float f = p + g each approximates: src/quant/curves.ts). */
export type CurveFn = 'tanh' | 'softplus' | 'softsign' | 'mish' | 'gelu' | 'gelu_tanh' | 'elu' | 'selu' | 'celu' | 'exp';

/**
 * A smooth per-element function f = p + g (src/kinds/curve.ts): p exact and linear on each side of 0, g a linearly
 * interpolated table (knots every 2^-idxShift), all sums and products exact, one cast:
 *   t = x · 2^idxShift;  u = floor(t) + offset;  r = t − floor(t) ∈ [0, 1) (the raw's dropped bits, exact);
 *   u < 0: i = 0, r = 0;  u > size − 1: i = size − 1, r = 0;  else i = u  (beyond the table g is held constant);
 *   g = table[i] + delta[i] · r;  p = x ≥ 0 ? pos · x : neg · x (slopes null: p = 0);  out = cast(p + g).
 * table and delta share one format; delta[i] = table[i + 1] − table[i] and delta[size − 1] = 0.
 */
export interface CurveLayer extends LayerBase {
  readonly kind: 'curve';
  readonly fn: CurveFn;
  readonly n: number;
  readonly idxShift: number;
  readonly offset: number;
  readonly table: ConstData;
  readonly delta: ConstData;
  readonly slopes: { readonly pos: number; readonly neg: number; readonly format: FixedFormat } | null;
}

/** The functions of an `octave` layer (tables: src/quant/octave.ts). */
export type OctaveFn = 'sqrt' | 'reciprocal' | 'log';

/**
 * A per-element function tabulated by octave of the input (src/kinds/octave.ts, src/quant/octave.ts), for Sqrt,
 * Reciprocal and Log, whose knots must be relatively spaced. On the input raw R (Fx fraction bits), M = |R| when
 * odd, else R; U = magBits, K = knotBits (K ≤ U − 1):
 *   M ≤ 0 (odd: M = 0): out = the output raw `under`;
 *   else e = the index of M's leading one (0 ≤ e < U); N = M · 2^(U−1−e) (leading one at bit U − 1);
 *   j = bits [U−2, U−1−K] of N; r = bits [U−2−K, 0] of N read as a fraction in [0, 1) (U−1−K bits);
 *   i = e·2^K + j;  v = table[i] + delta[i] · r (exact);  out = cast(odd && R < 0 ? −v : v).
 * table and delta share one format; delta[i] = table[i + 1] − table[i], delta[last] = 0 (never read with r ≠ 0).
 */
export interface OctaveLayer extends LayerBase {
  readonly kind: 'octave';
  readonly fn: OctaveFn;
  readonly n: number;
  readonly magBits: number;
  readonly knotBits: number;
  readonly odd: boolean;
  readonly under: number;
  readonly table: ConstData;
  readonly delta: ConstData;
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
  /**
   * argmax (MaxPool's Indices): out = the flat input index of the window's first largest in-bounds tap (taps in
   * order ky, then kx): (ch·h + iy)·w + ix, or with storageOrder 1 (ch·w + ix)·h + iy; cast into the output format.
   */
  readonly mode: 'max' | 'avg' | 'argmax';
  readonly storageOrder?: 0 | 1;
  readonly c: number; readonly h: number; readonly w: number;
  readonly oh: number; readonly ow: number;
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly pt: number; readonly pl: number;
  readonly dh: number; readonly dw: number;
  /** avg: divide by the full window (true) or by the in-bounds count (false). */
  readonly countIncludePad: boolean;
  /**
   * avg with countIncludePad, when ceil_mode windows run past the declared pads: the declared end pads. The divisor
   * is then the number of taps inside [−pt, h + pb) × [−pl, w + pr) (taps past the pads do not count, as in ONNX).
   */
  readonly pb?: number; readonly pr?: number;
  /** avg: the exact window sum's format, and the format 1/count is rounded to before the multiply. */
  readonly acc: FixedFormat;
  readonly recip: FixedFormat;
}

/**
 * Reduction of the middle axis of an input viewed as [outer][len][inner] (C order) to out[outer][inner]
 * (src/kinds/reduce.ts; sim/kernels/reduce.ts and hw/fpgac/reduce.h implement exactly this):
 * - sum / l1 / sumsq: s = Σ x / Σ |x| / Σ x², exact in `acc`; out = cast(s).
 * - mean: s = Σ x exact in acc, r = 1/len rounded into `recip` (from the double 1.0/len); out = cast(s · r), the
 *   product exact.
 * - max / min: m = the largest / smallest input; out = cast(m).
 * - l2: s = Σ x² exact in acc (fraction 2F for an input of fraction F). With G = max(F, out fraction + 2), the
 *   integer V = raw(s) · 4^(G − F) (sqrt(V)·2^-G = sqrt(s)), q = isqrt(V) = floor(sqrt(V)), t = q | (q² ≠ V): a
 *   sticky bit below the rounding position, so out = cast(t · 2^-G) is sqrt(s) correctly rounded in any mode.
 * - argmax / argmin: the index k in [0, len) of the first (last when selectLast) largest / smallest input, cast
 *   into the output format (an unsigned integer format).
 */
export interface ReduceLayer extends LayerBase {
  readonly kind: 'reduce';
  readonly mode: 'sum' | 'mean' | 'max' | 'min' | 'l1' | 'l2' | 'sumsq' | 'argmax' | 'argmin';
  readonly outer: number; readonly len: number; readonly inner: number;
  /** sum, mean, l1, sumsq, l2: the exact sum's format (unsigned for l1, sumsq, l2); others: the input's. */
  readonly acc: FixedFormat;
  /** mean: the format 1/len is rounded to. */
  readonly recip?: FixedFormat;
  readonly selectLast?: boolean;
}

/** Transpose of a tensor of rank ≤ ELT_RANK (padded with leading 1s): out axis k = in axis perm[k]. */
export interface TransposeLayer extends LayerBase {
  readonly kind: 'transpose';
  readonly inShape: readonly number[]; // padded to ELT_RANK
  readonly perm: readonly number[]; // padded: identity on the leading padding axes
}

/**
 * The walk a transpose makes, the same in the simulator and in hw/fpgac/layout.h (the emitter writes it into the
 * config struct): output dims d_k = inShape[perm[k]] and, per output axis, the stride of the input axis it reads.
 */
export function transposeWalk(inShape: readonly number[], perm: readonly number[]): { dims: number[]; strides: number[] } {
  const sorted = [...perm].sort((x, y) => x - y);
  if (inShape.length !== ELT_RANK || perm.length !== ELT_RANK || sorted.some((p, k) => p !== k)) {
    throw new Error(`transpose needs a rank-${ELT_RANK} shape and permutation, got [${inShape}] / [${perm}]`);
  }
  const inStrides = new Array<number>(ELT_RANK);
  let s = 1;
  for (let k = ELT_RANK - 1; k >= 0; k--) {
    inStrides[k] = s;
    s *= inShape[k];
  }
  return { dims: perm.map((p) => inShape[p]), strides: perm.map((p) => inStrides[p]) };
}

/**
 * A copy where each output element reads one input element or the pad value (Slice, Pad in every mode, Split,
 * Resize/Upsample nearest). The output, padded to ELT_RANK axes with leading 1s, has dims outShape; per output
 * axis d, tables[d] (outShape[d] integer entries) holds the input offset contribution of index i_d (the input
 * index on that axis times the input's stride, already resolved at compile time for reflect/edge/wrap/nearest) or
 * -1 for "outside the input":
 *   out[i0..i5] = (any tables[d][i_d] < 0) ? pad : cast(in[Σ_d tables[d][i_d]])
 * `pad` is a raw of the output format (the constant pad value or the extrapolation value, cast at compile time).
 */
export interface GatherLayer extends LayerBase {
  readonly kind: 'gather';
  readonly outShape: readonly number[]; // padded to ELT_RANK
  readonly tables: readonly ConstData[]; // ELT_RANK integer tables, tables[d] of length outShape[d]
  readonly pad: number;
}

/**
 * Interpolation (Resize linear/cubic): separable taps per output axis. The output, padded to ELT_RANK axes, has dims
 * outShape; output index i_d of axis d has taps[d] taps, tap t reading input offset index[d][i_d·taps[d] + t]
 * (input index × stride; -1 on every tap of an index outside a tf_crop_and_resize region) with coefficient
 * weight[d][i_d·taps[d] + t] (a raw of that table's format; axes not resized: one tap of weight 1):
 *   out[i0..i5] = (any index[d][i_d·taps[d]] < 0) ? pad
 *               : cast(Σ_{t0..t5} Π_d weight[d][i_d·taps[d] + t_d] · in[Σ_d index[d][i_d·taps[d] + t_d]])
 * The products and the sum are exact in `acc`; the output cast is the only rounding. `pad` is an output raw.
 */
export interface InterpLayer extends LayerBase {
  readonly kind: 'interp';
  readonly outShape: readonly number[];
  readonly taps: readonly number[];
  readonly index: readonly ConstData[];
  readonly weight: readonly ConstData[];
  readonly pad: number;
  readonly acc: FixedFormat;
}

/**
 * Concatenation along one axis of parts viewed as [outer][lens[k]][inner] (tensors or constants, each in its own
 * format): out[o][Σ_{j<k} lens[j] + l][i] = cast(part_k[o][l][i]), output [outer][Σ lens][inner].
 */
export interface ConcatLayer extends LayerBase {
  readonly kind: 'concat';
  readonly outer: number; readonly inner: number;
  readonly lens: readonly number[];
  readonly parts: readonly Operand[];
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
  | TransposeLayer
  | PwlLayer | CurveLayer
  | OctaveLayer
  | ReduceLayer
  | ConvTranspose2dLayer
  | GatherLayer | ConcatLayer | InterpLayer;

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
  readonly io?: Packing;
}

/** Every compute layer, region bodies included, in execution order of one step. */
export function computeLayers(layers: readonly Layer[]): ComputeLayer[] {
  return layers.flatMap((l) => (l.kind === 'loop' ? computeLayers(l.body) : [l]));
}

/** The role a layer constant plays: parameters (weights, biases), computed tables, per-channel shifts. */
export type ConstRole = 'weight' | 'bias' | 'table' | 'shift';

/**
 * A constant a compute layer reads, with its role (what the emitter stores, the plan places, reports count). Each
 * layer kind lists its own (src/kinds/, `constants`).
 */
export interface LayerConstant {
  readonly data: ConstData;
  readonly role: ConstRole;
}
