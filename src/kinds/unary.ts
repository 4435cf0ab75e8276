/**
 * @fileoverview The `unary` layer kind (UnaryLayer in src/ir/design.ts): a cast with a fused activation and an
 * optional power-of-two scale, in pf_out lanes of contiguous elements.
 */
import { simulateUnary } from '../../sim/kernels/eltwise.js';
import type { UnaryLayer } from '../ir/design.js';
import { renderUnary } from '../emit/kernels/eltwise.js';
import { laneBanks } from '../plan/banks.js';
import { laneChoices, lanesOf, stream } from '../plan/estimate.js';
import { activationOps, castOps } from '../plan/timing.js';
import { lanesText, noConstants, noFormats, noMacs, noMacWeight, noTables, outBits, outElements, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

export const UNARY: KindDef<UnaryLayer> = {
  kind: 'unary',
  doc: 'per-element cast with Relu or Clip and an optional multiplication by 2^k (format changes, Reshape, Identity)',
  family: 'eltwise',
  constants: noConstants,
  macs: noMacs,
  simulate: simulateUnary,
  render: renderUnary,
  sequential: {
    parallelChoices: (l) => laneChoices(l.n),
    estimate: (design, l, par) => lanesOf(stream(l.n / par.pfOut, 1, outFormat(design, l).width), par.pfOut, outFormat(design, l).width),
    banks: (_l, p) => laneBanks(p),
    stored: () => [],
  },
  pipelined: {
    // A plain cast is wiring (rounding and saturation aside, which the timing counts).
    resources: (design, l) => unrolled({ multipliers: 0, dsp: 0, lut: l.act.kind === 'none' ? 0 : outElements(design, l) * outFormat(design, l).width }),
    path: (design, l, d) => [...activationOps(d, l.act, outBits(design, l)), ...castOps(d, outFormat(design, l), outBits(design, l))],
    tableReads: noTables,
  },
  report: { label: (l) => l.kind, formats: noFormats, macWeight: noMacWeight, parallelText: lanesText },
};
