/**
 * @fileoverview 3-D Conv ([N, C, D, H, W], any group, strides, pads, dilations, bias, fused activation), lowered
 * exactly onto existing kinds: the depth taps become channels and the output depths become stacked row slabs of ONE
 * 2-D convolution, whose weights are ONNX's own, stored once.
 *
 *   xpad = x with its depth pads as zeros (a gather; only when there are depth pads)
 *   cols[c][kd][z][hs][w] = xpad[c][z·sd + kd·dd][hs − pt][w]  (zero where hs − pt is outside [0, H))
 *     viewed as a 2-D image of C·KD channels (channel c·KD + kd) and OD·Hs rows (slab z = rows z·Hs .. z·Hs + Hs − 1),
 *     Hs = H + pt + pb rounded up to a multiple of sh, so every slab starts on an output row (slab z's first output
 *     row is z·Hs/sh) and holds its own top/bottom zero padding;
 *   conv2d over cols with the (H, W) window but no top padding (left/right padding as usual), weight
 *     w[o][c/group][kd][kh][kw] read as [o][(c/group)·KD][kh][kw] (memory order unchanged), bias, activation;
 *   out[o][z][y][x] = conv2d[o][z·Hs/sh + y][x] for y < OH (a gather dropping the rows that straddle two slabs).
 *
 * Each output element is one exact accumulation over all (c, kd, ky, kx) taps of a direct 3-D conv, zero taps
 * included, then one cast with the fused activation: the bits equal a 3-D conv with that accumulator. Costs: the
 * column tensor holds C·KD·OD·Hs·W values (KD·OD/D times the input, plus padding rows), and the conv2d computes
 * (OD − 1)·Hs/sh + OH rows where OD·OH are kept (the straddling rows, about (kh·dh − 1)/Hs of them, are dropped).
 * Layers: at most a depth-pad gather, the column gather, the conv2d and the row gather; with one output depth that
 * covers the whole depth (KD = D, no depth pads) only the conv2d on x itself. ONNX Conv has no ceil_mode;
 * ConvTranspose 3-D stays refused (src/ops/convtranspose.ts).
 */
import { fixed } from '../../sim/fixed.js';
import { DiagnosticError } from '../diagnostics.js';
import { ELT_RANK, type DTensor } from '../ir/design.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, sourcesOf, tensor } from '../ir/graph.js';
import { attrInt } from '../onnx/attrs.js';
import type { LowerContext } from '../quant/context.js';
import { applyFloatAct, type FloatAct } from './act.js';
import { resolveWindow3d, type AxisWindow } from './pool3d.js';
import type { Window2d } from './window.js';

/** Output depth × kernel depth above this is refused: the column tensor holds OD·KD depth slices of the input. */
export const MAX_DEPTH_TAPS = 256;

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

/** The depth window and (H, W) window of a 3-D Conv; refuses what the lowering cannot build. */
export function parseConv3d(node: Node, x: readonly number[], kernel: readonly number[]): { depth: AxisWindow; win: Window2d } {
  if (attrInt(node, 'ceil_mode', 0) !== 0) bad(node, 'ceil_mode is not an attribute of Conv');
  const { depth, win } = resolveWindow3d(node, x.slice(2), kernel);
  if (depth.o < 1 || win.oh < 1 || win.ow < 1) bad(node, `empty output ([${depth.o}, ${win.oh}, ${win.ow}])`);
  if (depth.o * depth.k > MAX_DEPTH_TAPS) {
    bad(node, `3-D conv with output depth ${depth.o} × kernel depth ${depth.k} = ${depth.o * depth.k} depth taps (at most ${MAX_DEPTH_TAPS}): its column tensor holds that many depth slices of the input`);
  }
  return { depth, win };
}

export function conv3dShape(n: number, oc: number, depth: AxisWindow, win: Window2d): number[] {
  return [n, oc, depth.o, win.oh, win.ow];
}

/** Float reference: direct 3-D convolution in float64 (zero padding), then the fused activation. */
export function evaluateConv3d(depth: AxisWindow, win: Window2d, group: number, act: FloatAct, x: Tensor, w: Tensor, b: Tensor | undefined): Tensor {
  const [n, c, D, H, W] = x.shape;
  const oc = w.shape[0];
  const cpg = c / group;
  const opg = oc / group;
  const [kd, kh, kw] = [depth.k, win.kh, win.kw];
  const shape = conv3dShape(n, oc, depth, win);
  const out = new Float64Array(numel(shape));
  let p = 0;
  for (let b0 = 0; b0 < n; b0++)
    for (let o = 0; o < oc; o++) {
      const g = Math.floor(o / opg);
      for (let z = 0; z < depth.o; z++)
        for (let y = 0; y < win.oh; y++)
          for (let xo = 0; xo < win.ow; xo++) {
            let s = b ? b.data[o] : 0;
            for (let ci = 0; ci < cpg; ci++) {
              const cin = g * cpg + ci;
              for (let a = 0; a < kd; a++) {
                const iz = z * depth.s - depth.b + a * depth.d;
                if (iz < 0 || iz >= D) continue;
                for (let ky = 0; ky < kh; ky++) {
                  const iy = y * win.sh - win.pt + ky * win.dh;
                  if (iy < 0 || iy >= H) continue;
                  for (let kx = 0; kx < kw; kx++) {
                    const ix = xo * win.sw - win.pl + kx * win.dw;
                    if (ix < 0 || ix >= W) continue;
                    s += x.data[(((b0 * c + cin) * D + iz) * H + iy) * W + ix] * w.data[(((o * cpg + ci) * kd + a) * kh + ky) * kw + kx];
                  }
                }
              }
            }
            out[p++] = applyFloatAct(s, act);
          }
    }
  return tensor(shape, out, x.dtype);
}

/** Bits of a non-negative integer (0 → 0). */
function bitLength(v: number): number {
  let b = 0;
  while (2 ** b <= v) b++;
  return b;
}

/**
 * A gather layer from per-axis offset tables (input offsets, -1 for the zero pad): out[i] = any t_d[i_d] < 0 ? 0 :
 * x[Σ_d t_d[i_d]], in x's format (an exact copy), into a new temp or `into` (the same format).
 */
function addGather(ctx: LowerContext, node: Node, name: string, x: DTensor, offsets: readonly (readonly number[])[], into?: DTensor): DTensor {
  const shape = offsets.map((t) => t.length);
  const out = into ?? ctx.temp(name, shape, x.format);
  const all = [...Array.from({ length: ELT_RANK - offsets.length }, () => [0]), ...offsets];
  const tables = all.map((t, d) => {
    const width = Math.max(2, bitLength(Math.max(...t)) + 1);
    if (width > 32) ctx.fail(node, `input offsets need ${width} bits, above the gather kernel's 32-bit index`);
    return ctx.rawData(`${name}_idx${d}`, [t.length], [...t], fixed(width, width));
  });
  ctx.add({ kind: 'gather', name, sources: sourcesOf(node), inputs: [x.name], output: out.name, outShape: all.map((t) => t.length), tables, pad: 0 });
  return out;
}

const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

/** How a 3-D conv runs as one conv2d (file overview): slab height, conv2d rows, and whether x is used as it is. */
export interface SlabPlan {
  readonly direct: boolean; // one output depth over the whole depth: conv2d on x viewed as [C·D][H][W]
  readonly hs: number; // slab rows
  readonly rows: number; // conv2d output rows
}

export function slabPlan(x: readonly number[], depth: AxisWindow, win: Window2d): SlabPlan {
  const D = x[2];
  const H = x[3];
  if (depth.o === 1 && depth.b === 0 && depth.d === 1 && depth.k === D) return { direct: true, hs: H, rows: win.oh };
  const hs = Math.ceil((H + win.pt + win.pb) / win.sh) * win.sh;
  return { direct: false, hs, rows: (depth.o - 1) * (hs / win.sh) + win.oh };
}

/**
 * The conv2d input of a 3-D conv (not direct): [C][KD][OD][Hs][W] = [C·KD channels][OD·Hs rows][W], from x through
 * a depth-pad gather when there are depth pads (a gather's pad is per axis, and the depth index mixes two axes).
 */
export function depthColumns(ctx: LowerContext, node: Node, base: string, x: DTensor, depth: AxisWindow, win: Window2d, hs: number): DTensor {
  const [, C, D, H, W] = x.shape;
  const { k, s, d, b, e, o } = depth;
  const plane = H * W;
  let src = x;
  let Dp = D;
  if (b > 0 || e > 0) {
    Dp = D + b + e;
    src = addGather(ctx, node, `${base}_dpad`, x, [[0], range(C, (c) => c * D * plane), range(Dp, (z) => (z - b >= 0 && z - b < D ? (z - b) * plane : -1)), range(H, (y) => y * W), range(W, (i) => i)]);
  }
  return addGather(ctx, node, `${base}_cols`, src, [
    range(C, (c) => c * Dp * plane), range(k, (a) => a * d * plane), range(o, (z) => z * s * plane),
    range(hs, (r) => (r - win.pt >= 0 && r - win.pt < H ? (r - win.pt) * W : -1)), range(W, (i) => i),
  ]);
}

/** The conv2d result [oc][rows][OW] → the node's output [oc][OD][OH][OW]: slab z's first OH rows. */
export function slabRows(ctx: LowerContext, node: Node, base: string, y: DTensor, out: DTensor, depth: AxisWindow, win: Window2d, plan: SlabPlan): void {
  const oc = y.shape[1];
  const per = plan.hs / win.sh;
  addGather(ctx, node, `${base}_rows`, y, [[0], range(oc, (c) => c * plan.rows * win.ow), range(depth.o, (z) => z * per * win.ow), range(win.oh, (r) => r * win.ow), range(win.ow, (i) => i)], out);
}
