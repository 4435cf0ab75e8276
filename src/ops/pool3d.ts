/**
 * @fileoverview 3-D pooling geometry and float reference (MaxPool / AveragePool / global pools over [N, C, D, H, W]).
 * The window is a box, so it resolves axis by axis with the shared 1-D/2-D rules (ops/window.ts): the depth axis
 * alone, and (H, W) together. Lowering (ops/pool.ts) runs it as two pool2d layers: (H, W) over the [C·D, H, W]
 * view, then depth over the [C, D, OH·OW] view — max is separable exactly; an average is too in real numbers (the
 * in-bounds count of a box is the product of its axes' counts, count_include_pad likewise), with one extra rounding
 * of the intermediate mean (given 8 fraction bits more than input and output, see pool.ts).
 */
import type { AttrValue, Node, Tensor } from '../ir/graph.js';
import { tensor } from '../ir/graph.js';
import { attrInts } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import { resolveWindow, type Window2d } from './window.js';

/** One axis of a window: kernel, stride, dilation, begin/end pads, output size. */
export interface AxisWindow {
  readonly k: number; readonly s: number; readonly d: number; readonly b: number; readonly e: number; readonly o: number;
}

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

/** `node` with its per-axis attributes restricted to `axes` (pads: begins then ends), for resolveWindow. */
function restricted(node: Node, axes: readonly number[], rank: number): Node {
  const attrs: Record<string, AttrValue> = { ...node.attrs };
  for (const name of ['kernel_shape', 'strides', 'dilations']) {
    const v = attrInts(node, name);
    if (!v) continue;
    if (v.length !== rank) bad(node, `${name} has ${v.length} values for ${rank} spatial dims`);
    attrs[name] = { kind: 'ints', value: axes.map((a) => v[a]) };
  }
  const pads = attrInts(node, 'pads');
  if (pads) {
    if (pads.length !== 2 * rank) bad(node, `pads has ${pads.length} values, ${2 * rank} expected`);
    attrs.pads = { kind: 'ints', value: [...axes.map((a) => pads[a]), ...axes.map((a) => pads[rank + a])] };
  }
  return { ...node, attrs };
}

/** The depth window and the (H, W) window of a 3-D pool over `spatial` = [D, H, W]. */
export function resolveWindow3d(node: Node, spatial: readonly number[], kernel: readonly number[]): { depth: AxisWindow; win: Window2d } {
  if (kernel.length !== 3) bad(node, `kernel_shape has ${kernel.length} dims for 3 spatial dims`);
  const d = resolveWindow(restricted(node, [0], 3), [spatial[0]], [kernel[0]], true);
  const win = resolveWindow(restricted(node, [1, 2], 3), spatial.slice(1), kernel.slice(1), true);
  return { depth: { k: d.kw, s: d.sw, d: d.dw, b: d.pl, e: d.pr, o: d.ow }, win };
}

/** The whole input as one window (global pools). */
export function globalDepth(depth: number): AxisWindow {
  return { k: depth, s: 1, d: 1, b: 0, e: 0, o: 1 };
}

/** Float reference of a 3-D pool (ONNX semantics: padding never counts for max; avg divides as the 2-D one). */
export function evaluatePool3d(mode: 'max' | 'avg', countIncludePad: boolean, dw: AxisWindow, win: Window2d, x: Tensor): Tensor {
  const [n, c, D, H, W] = x.shape;
  const axes: AxisWindow[] = [dw, { k: win.kh, s: win.sh, d: win.dh, b: win.pt, e: win.pb, o: win.oh }, { k: win.kw, s: win.sw, d: win.dw, b: win.pl, e: win.pr, o: win.ow }];
  const sizes = [D, H, W];
  // Per axis and output position: the in-bounds input indices and the taps inside the declared pads.
  const taps = axes.map((a, i) => Array.from({ length: a.o }, (_, o) => {
    const inside: number[] = [];
    let padded = 0;
    for (let k = 0; k < a.k; k++) {
      const idx = o * a.s - a.b + k * a.d;
      if (idx >= -a.b && idx < sizes[i] + a.e) padded++;
      if (idx >= 0 && idx < sizes[i]) inside.push(idx);
    }
    return { inside, padded };
  }));
  const [od, oh, ow] = axes.map((a) => a.o);
  const out = new Float64Array(n * c * od * oh * ow);
  let p = 0;
  for (let nc = 0; nc < n * c; nc++) {
    for (let z = 0; z < od; z++) {
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++) {
          const [tz, ty, tx] = [taps[0][z], taps[1][y], taps[2][xo]];
          let acc = mode === 'max' ? -Infinity : 0;
          for (const iz of tz.inside) {
            for (const iy of ty.inside) {
              for (const ix of tx.inside) {
                const v = x.data[((nc * D + iz) * H + iy) * W + ix];
                acc = mode === 'max' ? Math.max(acc, v) : acc + v;
              }
            }
          }
          const count = countIncludePad ? tz.padded * ty.padded * tx.padded : tz.inside.length * ty.inside.length * tx.inside.length;
          out[p++] = mode === 'max' ? acc : acc / count;
        }
      }
    }
  }
  return tensor([n, c, od, oh, ow], out, x.dtype);
}
