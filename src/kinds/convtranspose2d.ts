/**
 * @fileoverview The `convtranspose2d` layer kind (ConvTranspose2dLayer in src/ir/design.ts): transposed
 * convolution in gather form, pf_out output-channel engines (as conv2d: any count for group 1 or depthwise, else
 * one), each a flat pipelined loop per channel group and output phase that visits only the taps of that phase
 * (hw/fpgac/convtranspose.h). Weights stay dense (no sparse encoding for this kind).
 */
import { simulateConvTranspose2d } from '../../sim/kernels/convtranspose.js';
import type { ConvTranspose2dLayer } from '../ir/design.js';
import { phaseWalk, renderConvTranspose2d } from '../emit/kernels/convtranspose.js';
import { divisors, mac, SERIAL, zerosOf, type ComputeEstimate } from '../plan/estimate.js';
import { inFormat, lanesText } from './common.js';
import { macConstants, macFormats, macPath, macStored, unrolledMac } from './mac.js';
import type { KindDef } from './types.js';

/** (input, tap) pairs of one axis whose output i·s − p + k·d lies in [0, outLen): the products that axis allows. */
function axisPairs(n: number, outLen: number, k: number, s: number, p: number, d: number): number {
  let pairs = 0;
  for (let t = 0; t < k; t++) {
    const lo = Math.max(0, Math.ceil((p - t * d) / s));
    const hi = Math.min(n, Math.floor((outLen - 1 + p - t * d) / s) + 1);
    pairs += Math.max(0, hi - lo);
  }
  return pairs;
}

/** Pipelined loop trips of the kernel per engine group: phases × phase pixels × channels × phase taps. */
function tripsPerGroup(l: ConvTranspose2dLayer): number {
  const ph = phaseWalk(l.kh, l.sh, l.dh);
  const pw = phaseWalk(l.kw, l.sw, l.dw);
  return l.sh * l.sw * Math.ceil(l.oh / l.sh) * Math.ceil(l.ow / l.sw) * (l.c / l.group) * ph.n * pw.n;
}

function estimate(design: Parameters<typeof inFormat>[0], l: ConvTranspose2dLayer, pfOut: number): ComputeEstimate {
  const groups = l.oc / pfOut;
  const weights = l.weight.raw.length;
  // 'dsp': the kernel (hw/fpgac/convtranspose.h) does not bind narrow products to fabric, so HLS may use DSPs.
  const e = mac(groups * tripsPerGroup(l), groups * l.sh * l.sw, pfOut, weights, inFormat(design, l), l.weight.format, l.acc, 'dsp');
  return { ...e, weights: { storage: 'dense', weights, zeros: zerosOf(l.weight), stored: weights, why: 'convtranspose2d keeps its weights dense' } };
}

export const CONVTRANSPOSE2D: KindDef<ConvTranspose2dLayer> = {
  kind: 'convtranspose2d',
  doc: 'transposed 2-D convolution (1-D with h = 1), any groups, strides, padding, dilation, output padding; bias and fused activation',
  family: 'convtranspose',
  constants: macConstants,
  macs: (l) => l.oc * (l.c / l.group) * axisPairs(l.h, l.oh, l.kh, l.sh, l.pt, l.dh) * axisPairs(l.w, l.ow, l.kw, l.sw, l.pl, l.dw),
  simulate: simulateConvTranspose2d,
  render: renderConvTranspose2d,
  sequential: {
    parallelChoices: (l) => (l.group === 1 || (l.group === l.c && l.c === l.oc) ? divisors(l.oc).map((d) => ({ pfIn: 1, pfOut: d })) : SERIAL),
    estimate: (design, l, par) => estimate(design, l, par.pfOut),
    // Engines share the input (group 1) or each read their own channel (depthwise): one bank, or one per engine.
    banks: (l, p) => ({ input: l.group === 1 ? 1 : p.pfOut, output: p.pfOut, layout: 'block' }),
    stored: (l, p, e) => macStored(l, e, p.pfOut, 'block', p.pfOut, 1),
  },
  pipelined: {
    // Unrolled, each weight multiplies every input pixel once (the scatter view; edge products are dropped).
    // Every product a DSP: hw/fpgac/convtranspose.h does not bind narrow products to fabric (dense/conv do).
    resources: (design, l) => unrolledMac(design, l, l.h * l.w, l.oc, 'dsp'),
    path: (design, l, d) => macPath(design, l, d, (l.c / l.group) * l.kh * l.kw, l.oc * l.oh * l.ow, l.oc),
    tableReads: () => 0,
  },
  report: { label: (l) => l.kind, formats: macFormats, macWeight: (l) => l.weight, parallelText: lanesText },
};
