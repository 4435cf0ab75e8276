/**
 * @fileoverview The `transpose` layer kind (TransposeLayer in src/ir/design.ts): one element moved per cycle;
 * fully unrolled it is only wiring.
 */
import { simulateTranspose } from '../../sim/kernels/layout.js';
import type { TransposeLayer } from '../ir/design.js';
import { renderTranspose } from '../emit/kernels/layout.js';
import { ONE_BANK } from '../plan/banks.js';
import { SERIAL, stream } from '../plan/estimate.js';
import { lanesText, noConstants, noFormats, noMacs, noMacWeight, noTables, outElements, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

export const TRANSPOSE: KindDef<TransposeLayer> = {
  kind: 'transpose',
  doc: 'permutation of the axes of a tensor of rank at most 6',
  family: 'layout',
  constants: noConstants,
  macs: noMacs,
  simulate: simulateTranspose,
  render: renderTranspose,
  sequential: {
    parallelChoices: () => SERIAL,
    estimate: (design, l) => stream(outElements(design, l), 1, outFormat(design, l).width),
    banks: () => ONE_BANK,
    stored: () => [],
  },
  pipelined: {
    resources: () => unrolled({ multipliers: 0, dsp: 0, lut: 0 }),
    path: () => [],
    tableReads: noTables,
  },
  report: { label: (l) => l.kind, formats: noFormats, macWeight: noMacWeight, parallelText: lanesText },
};
