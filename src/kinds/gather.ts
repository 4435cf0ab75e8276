/**
 * @fileoverview The `gather` layer kind (GatherLayer in src/ir/design.ts): a copy through per-axis offset tables
 * (Slice, Pad, Split, Resize/Upsample nearest), one element per cycle, no multipliers.
 */
import { simulateGather } from '../../sim/kernels/movement.js';
import type { GatherLayer } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { renderGather } from '../emit/kernels/movement.js';
import { ONE_BANK, storedAs } from '../plan/banks.js';
import { CONTROL_LUT, SERIAL, stream } from '../plan/estimate.js';
import { castOps } from '../plan/timing.js';
import { lanesText, noFormats, noMacs, noMacWeight, outBits, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const constants = (l: GatherLayer) => l.tables.map((data) => ({ data, role: 'table' as const }));

export const GATHER: KindDef<GatherLayer> = {
  kind: 'gather',
  doc: 'copy with a cast where each output element reads one input element through per-axis offset tables, or a pad value (Slice, Pad, Split, Resize nearest)',
  family: 'movement',
  constants,
  macs: noMacs,
  simulate: simulateGather,
  render: renderGather,
  sequential: {
    parallelChoices: () => SERIAL,
    // One element a cycle: six table reads (one per axis, each its own array) and an adder tree of offsets.
    estimate: (design, l) => ({ ...stream(numel(l.outShape), 1, outFormat(design, l).width), lut: CONTROL_LUT + outFormat(design, l).width + 6 * 32 }),
    banks: () => ONE_BANK,
    stored: (l) => storedAs(constants(l), 1, 'cyclic'),
  },
  pipelined: {
    // Fully unrolled, every table read has a constant index: the offsets are resolved while synthesizing and the
    // layer is wiring plus the pad multiplexers and casts.
    resources: () => unrolled({ multipliers: 0, dsp: 0, lut: 0 }),
    path: (design, l, d) => castOps(d, outFormat(design, l), outBits(design, l)),
    // Constant-index reads: one copy of each table suffices.
    tableReads: (l, c) => (l.tables.includes(c) ? 1 : 0),
  },
  report: { label: (l) => l.kind, formats: noFormats, macWeight: noMacWeight, parallelText: lanesText },
};
