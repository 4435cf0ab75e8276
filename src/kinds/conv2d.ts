/**
 * @fileoverview The `conv2d` layer kind (Conv2dLayer in src/ir/design.ts): pf_out output-channel engines, each a
 * flat pipelined loop per channel group; sparse weights when that saves cycles and bits (src/plan/sparse.ts).
 */
import { simulateConv2d } from '../../sim/kernels/conv.js';
import type { Conv2dLayer } from '../ir/design.js';
import { renderConv2d } from '../emit/kernels/conv.js';
import { divisors, mac, PIPELINE_DEPTH, SERIAL, withStorage, zerosOf, type Parallel, type SparseOption } from '../plan/estimate.js';
import { sparseConv, sparsePointwise, type SparseCode } from '../plan/sparse.js';
import { inFormat, lanesText } from './common.js';
import { macConstants, macFormats, macPath, macStored, unrolledMac } from './mac.js';
import type { KindDef } from './types.js';

const fanInOf = (l: Conv2dLayer) => (l.c / l.group) * l.kh * l.kw;

function convSparse(l: Conv2dLayer, par: Parallel): SparseOption {
  if (!zerosOf(l.weight)) return { why: 'no zero weights' };
  // One flat pipelined loop per channel group (hw/fpgac/conv.h): pixels x that group's steps.
  const latency = (code: SparseCode) => l.oh * l.ow * code.steps + (l.oc / par.pfOut) * PIPELINE_DEPTH;
  const union = sparseConv(l, par.pfOut);
  if (l.kh * l.kw !== 1 || l.group !== 1) return { code: union, latency: latency(union) };
  // 1x1: gathering the pixel's channels into registers frees each engine's list.
  const own = sparsePointwise(l, par.pfOut);
  return latency(own) < latency(union) ? { code: own, latency: latency(own) } : { code: union, latency: latency(union) };
}

export const CONV2D: KindDef<Conv2dLayer> = {
  kind: 'conv2d',
  doc: '2-D convolution (1-D with h = 1), any groups, strides, padding, dilation; bias and fused activation',
  family: 'conv',
  constants: macConstants,
  macs: (l) => l.oc * l.oh * l.ow * (l.c / l.group) * l.kh * l.kw,
  simulate: simulateConv2d,
  render: renderConv2d,
  sequential: {
    // Engines over output channels: ordinary and depthwise convs (hw/fpgac/conv.h); other groupings run one engine.
    parallelChoices: (l) => (l.group === 1 || (l.group === l.c && l.c === l.oc) ? divisors(l.oc).map((d) => ({ pfIn: 1, pfOut: d })) : SERIAL),
    estimate(design, l, par) {
      const fanIn = fanInOf(l);
      const groups = l.oc / par.pfOut;
      // Products bound by operand widths: narrow ones in LUTs (hw/fpgac/conv.h lut_mul), the rest in DSPs.
      const e = mac(groups * l.oh * l.ow * fanIn, groups, par.pfOut, fanIn * l.oc, inFormat(design, l), l.weight.format, l.acc, 'by-width');
      return withStorage(e, l, convSparse(l, par));
    },
    // A gathered sparse 1×1 conv reads every input channel of a pixel at once: one bank per channel.
    banks: (l, p, e) => ({ input: e.sparse?.gather ? l.c : l.group === 1 ? 1 : p.pfOut, output: p.pfOut, layout: 'block' }),
    // Each engine reads its own contiguous run of weights; tap codes are shared unless the pixel is gathered.
    stored: (l, p, e) => macStored(l, e, p.pfOut, 'block', p.pfOut, e.sparse?.gather ? p.pfOut : 1),
  },
  pipelined: {
    resources: (design, l) => unrolledMac(design, l, l.oh * l.ow, l.oc, 'by-width'),
    path: (design, l, d) => macPath(design, l, d, fanInOf(l), l.oc * l.oh * l.ow, l.oc),
    tableReads: () => 0,
  },
  report: { label: (l) => l.kind, formats: macFormats, macWeight: (l) => l.weight, parallelText: lanesText },
};
