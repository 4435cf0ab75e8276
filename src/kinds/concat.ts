/**
 * @fileoverview The `concat` layer kind (ConcatLayer in src/ir/design.ts): parts (tensors or constants) copied with
 * a cast into their columns of the output, one element per cycle, no multipliers.
 */
import { simulateConcat } from '../../sim/kernels/movement.js';
import type { ConcatLayer } from '../ir/design.js';
import { renderConcat } from '../emit/kernels/movement.js';
import { ONE_BANK, storedAs } from '../plan/banks.js';
import { SERIAL, stream } from '../plan/estimate.js';
import { castOps } from '../plan/timing.js';
import { lanesText, noFormats, noMacs, noMacWeight, noTables, outBits, outElements, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const constants = (l: ConcatLayer) => l.parts.flatMap((p) => ('constant' in p ? [{ data: p.constant, role: 'weight' as const }] : []));

export const CONCAT: KindDef<ConcatLayer> = {
  kind: 'concat',
  doc: 'concatenation of tensors and constants along one axis, each part cast to the output format',
  family: 'movement',
  constants,
  macs: noMacs,
  simulate: simulateConcat,
  render: renderConcat,
  sequential: {
    parallelChoices: () => SERIAL,
    // One call per part, one element a cycle each: the output's elements plus a pipeline fill per part.
    estimate: (design, l) => {
      const e = stream(outElements(design, l), 1, outFormat(design, l).width);
      return { ...e, latency: e.latency + (l.parts.length - 1) * (e.latency - outElements(design, l)) };
    },
    banks: () => ONE_BANK,
    stored: (l) => storedAs(constants(l), 1, 'cyclic'),
  },
  pipelined: {
    resources: () => unrolled({ multipliers: 0, dsp: 0, lut: 0 }),
    path: (design, l, d) => castOps(d, outFormat(design, l), outBits(design, l)),
    tableReads: noTables,
  },
  report: { label: (l) => l.kind, formats: noFormats, macWeight: noMacWeight, parallelText: lanesText },
};
