/**
 * @fileoverview The `lut` layer kind (LutLayer in src/ir/design.ts): a table lookup per element (Sigmoid, the sign
 * of a bipolar activation), one element per cycle.
 */
import { simulateLut } from '../../sim/kernels/nonlinear.js';
import type { LutLayer } from '../ir/design.js';
import { renderLut } from '../emit/kernels/nonlinear.js';
import { ONE_BANK, storedAs } from '../plan/banks.js';
import { CONTROL_LUT, SERIAL, stream } from '../plan/estimate.js';
import { addNs, tableRead } from '../plan/timing.js';
import { inFormat, lanesText, noFormats, noMacs, noMacWeight, outBits, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const constants = (l: LutLayer) => [{ data: l.table, role: 'table' as const }];

export const LUT: KindDef<LutLayer> = {
  kind: 'lut',
  doc: 'per-element table lookup of a smooth function (Sigmoid) or of the sign (bipolar)',
  family: 'nonlinear',
  constants,
  macs: noMacs,
  simulate: simulateLut,
  render: renderLut,
  sequential: {
    parallelChoices: () => SERIAL,
    estimate: (design, l) => stream(l.n, 1, outFormat(design, l).width),
    banks: () => ONE_BANK,
    stored: (l) => storedAs(constants(l), 1, 'cyclic'),
  },
  pipelined: {
    // The index: a shift, an add of the offset and a clamp, per element.
    resources: (design, l) => unrolled({ multipliers: 0, dsp: 0, lut: CONTROL_LUT + l.n * (inFormat(design, l).width + 2) }),
    path: (design, l, d, inBram) => [
      { kind: 'logic', ns: addNs(d, inFormat(design, l).width + 2) + d.mux, bits: l.n * (inFormat(design, l).width + 2) },
      tableRead(d, l.table.raw.length, inBram(l.table.name), outBits(design, l)),
    ],
    tableReads: (l, c) => (l.table === c ? l.n : 0),
  },
  report: { label: (l) => l.kind, formats: noFormats, macWeight: noMacWeight, parallelText: lanesText },
};
