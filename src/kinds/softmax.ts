/**
 * @fileoverview The `softmax` layer kind (SoftmaxLayer in src/ir/design.ts): three passes over each vector (max,
 * sum of table exponentials, scale by a table reciprocal), one element per cycle.
 */
import { simulateSoftmax } from '../../sim/kernels/nonlinear.js';
import type { SoftmaxLayer } from '../ir/design.js';
import { renderSoftmax } from '../emit/kernels/nonlinear.js';
import { ONE_BANK, storedAs } from '../plan/banks.js';
import { CONTROL_LUT, dspPerMultiplier, PIPELINE_DEPTH, SERIAL, stream } from '../plan/estimate.js';
import { addNs, castOps, isPow2, log2ceil, MUL, tableRead, tree } from '../plan/timing.js';
import { inFormat, lanesText, noFormats, noMacs, noMacWeight, outBits, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const constants = (l: SoftmaxLayer) => [{ data: l.expTable, role: 'table' as const }, { data: l.recipTable, role: 'table' as const }];

export const SOFTMAX: KindDef<SoftmaxLayer> = {
  kind: 'softmax',
  doc: 'softmax over one axis by exponential and reciprocal tables, no division',
  family: 'nonlinear',
  constants,
  macs: noMacs,
  simulate: simulateSoftmax,
  render: renderSoftmax,
  sequential: {
    parallelChoices: () => SERIAL,
    estimate(design, l) {
      // Three passes over each vector (max, sum, scale); 1/s is a priority encoder, a shift and a table read.
      const e = stream(l.outer * l.inner, 3 * l.len + 3 * PIPELINE_DEPTH + 2, l.recipTable.format.width);
      return { ...e, multipliers: 1, dsp: dspPerMultiplier(l.expTable.format, l.recipTable.format) };
    },
    banks: () => ONE_BANK,
    stored: (l) => storedAs(constants(l), 1, 'cyclic'),
  },
  pipelined: {
    resources(design, l) {
      const rows = l.outer * l.inner;
      const p = rows * l.len;
      const inW = inFormat(design, l).width;
      const sumW = l.expTable.format.width + Math.ceil(Math.log2(Math.max(2, l.len)));
      // Max tree, subtract and clamp per element, sum tree, leading one and shifts per row.
      const lut = CONTROL_LUT + p * (3 * inW + sumW) + rows * 4 * sumW;
      return unrolled({ multipliers: p, dsp: p * dspPerMultiplier(l.expTable.format, l.recipTable.format), lut });
    },
    path(design, l, d, inBram) {
      const rows = l.outer * l.inner;
      const inW = inFormat(design, l).width;
      const eW = l.expTable.format.width;
      const sumW = eW + log2ceil(l.len);
      const rW = l.recipTable.format.width;
      const eBits = rows * l.len * eW;
      const positions = Math.floor(Math.log2(l.len)) + 1;
      const bits = outBits(design, l);
      return [
        ...tree(d, l.len, inW, rows, 'max'),
        { kind: 'logic', ns: addNs(d, inW), bits: rows * l.len * inW }, // d = m − x
        // Clamp to the table: with 2^n entries it is an OR of the high bits and a mux, otherwise a comparator.
        { kind: 'logic', ns: (isPow2(l.expTable.raw.length) ? d.mux : addNs(d, inW)) + d.mux, bits: rows * l.len * inW },
        tableRead(d, l.expTable.raw.length, inBram(l.expTable.name), eBits),
        ...tree(d, l.len, sumW, rows, 'add').map((op) => ({ ...op, bits: op.bits + eBits })),
        // Leading one and the shift that takes the R bits after it: s ≥ 2^Fe, so the one can only sit at one of
        // floor(log2 len) + 1 positions: a small priority encoder and a multiplexer of that many inputs.
        { kind: 'logic', ns: 2 * d.mux * Math.max(1, log2ceil(positions)), bits: rows * 32 + eBits },
        tableRead(d, l.recipTable.raw.length, inBram(l.recipTable.name), rows * rW + eBits),
        MUL(d, rows * l.len * (eW + rW)),
        { kind: 'logic', ns: d.mux * Math.max(1, log2ceil(positions)), bits }, // the variable shift
        ...castOps(d, outFormat(design, l), bits),
      ];
    },
    // The exponentials are looked up in the sum pass and again in the output pass.
    tableReads: (l, c) => (l.expTable === c ? 2 * l.outer * l.inner * l.len : l.recipTable === c ? l.outer * l.inner : 0),
  },
  report: { label: (l) => l.kind, formats: noFormats, macWeight: noMacWeight, parallelText: lanesText },
};
