/**
 * @fileoverview The `pool2d` layer kind (Pool2dLayer in src/ir/design.ts): max or average over windows, pf_out
 * lanes of contiguous channels, each a window loop per output pixel.
 */
import { simulatePool2d } from '../../sim/kernels/pool.js';
import type { Pool2dLayer } from '../ir/design.js';
import { renderPool2d } from '../emit/kernels/pool.js';
import { laneBanks } from '../plan/banks.js';
import { CONTROL_LUT, dspPerMultiplier, laneChoices, lanesOf, PIPELINE_DEPTH, stream } from '../plan/estimate.js';
import { castOps, MUL, tree } from '../plan/timing.js';
import { lanesText, noConstants, noMacs, noMacWeight, noTables, outBits, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

export const POOL2D: KindDef<Pool2dLayer> = {
  kind: 'pool2d',
  doc: 'max or average pooling, 2-D (1-D with h = 1), global average as a full window',
  family: 'pool',
  constants: noConstants,
  macs: noMacs,
  simulate: simulatePool2d,
  render: renderPool2d,
  sequential: {
    parallelChoices: (l) => laneChoices(l.c),
    estimate(_design, l, par) {
      const lanes = par.pfOut;
      const e = lanesOf(stream((l.c / lanes) * l.oh * l.ow, l.kh * l.kw + PIPELINE_DEPTH, l.acc.width), lanes, l.acc.width);
      return l.mode === 'avg' ? { ...e, multipliers: lanes, dsp: lanes * dspPerMultiplier(l.acc, l.recip) } : e;
    },
    banks: (_l, p) => laneBanks(p),
    stored: () => [],
  },
  pipelined: {
    resources(_design, l) {
      const lanes = l.c * l.oh * l.ow;
      const mults = l.mode === 'avg' ? lanes : 0;
      return unrolled({ multipliers: mults, dsp: mults * dspPerMultiplier(l.acc, l.recip), lut: CONTROL_LUT + lanes * (l.kh * l.kw - 1) * l.acc.width });
    },
    path(design, l, d) {
      const lanes = l.c * l.oh * l.ow;
      const ops = tree(d, l.kh * l.kw, l.acc.width, lanes, l.mode === 'avg' ? 'add' : 'max');
      if (l.mode === 'avg') ops.push(MUL(d, lanes * l.acc.width));
      return [...ops, ...castOps(d, outFormat(design, l), outBits(design, l))];
    },
    tableReads: noTables,
  },
  report: {
    label: (l) => `pool2d:${l.mode}`,
    // Max pools carry an accumulator format too (the compare's width): the report shows it for both modes.
    formats: (l) => ({ accumulator: l.acc }),
    macWeight: noMacWeight,
    parallelText: lanesText,
  },
};
