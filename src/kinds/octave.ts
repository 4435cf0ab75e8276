/**
 * @fileoverview The `octave` layer kind (OctaveLayer in src/ir/design.ts): Sqrt, Reciprocal, Log from a linearly
 * interpolated table whose knots are spaced per octave of the input (a leading-one detector and a normalizing
 * shift pick the knot), one element a cycle: two table reads and one multiplier.
 */
import { simulateOctave } from '../../sim/kernels/octave.js';
import type { Design, OctaveLayer } from '../ir/design.js';
import { renderOctave } from '../emit/kernels/octave.js';
import { CONTROL_LUT, dspPerMultiplier } from '../plan/estimate.js';
import { addNs } from '../plan/timing.js';
import { inFormat, lanesText, noMacs, noMacWeight, tableKernelPath, tableLaneRules, unrolled } from './common.js';
import type { KindDef } from './types.js';

const constants = (l: OctaveLayer) => [{ data: l.table, role: 'table' as const }, { data: l.delta, role: 'table' as const }];

const dsp = (design: Design, l: OctaveLayer): number => dspPerMultiplier(l.delta.format, inFormat(design, l));

/** The leading-one search and the normalizing shift: about a mux level per magnitude bit, log2(U) deep. */
const normalizeLut = (l: OctaveLayer): number => l.magBits * Math.max(1, Math.ceil(Math.log2(l.magBits))) * 2;

export const OCTAVE: KindDef<OctaveLayer> = {
  kind: 'octave',
  doc: 'per-element function from a table with knots per octave of the input (Sqrt, Reciprocal, Log; Div by a run-time tensor)',
  family: 'octave',
  constants,
  macs: noMacs,
  simulate: simulateOctave,
  render: renderOctave,
  // pf lanes (hw/fpgac/octave.h), one multiplier a lane.
  sequential: tableLaneRules(constants, (design, l) => ({ multipliers: 1, dsp: dsp(design, l) })),
  pipelined: {
    resources: (design, l) => unrolled({ multipliers: l.n, dsp: l.n * dsp(design, l), lut: CONTROL_LUT + l.n * normalizeLut(l) }),
    path: (design, l, d, inBram) => tableKernelPath(design, l, d, inBram(l.table.name),
      { kind: 'logic', ns: addNs(d, l.magBits) + Math.ceil(Math.log2(Math.max(2, l.magBits))) * d.mux, bits: l.n * l.magBits }),
    tableReads: (l, c) => (l.table === c || l.delta === c ? l.n : 0),
  },
  report: { label: (l) => `${l.kind}:${l.fn}`, formats: (l) => ({ table: l.table.format }), macWeight: noMacWeight, parallelText: lanesText },
};
