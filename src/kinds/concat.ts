/**
 * @fileoverview The `concat` layer kind (ConcatLayer in src/ir/design.ts): parts (tensors or constants) copied with
 * a cast into their columns of the output, pf lanes of one element a cycle, no multipliers.
 */
import { simulateConcat } from '../../sim/kernels/movement.js';
import type { ConcatLayer } from '../ir/design.js';
import { renderConcat } from '../emit/kernels/movement.js';
import { storedAs } from '../plan/banks.js';
import { laneChoices, lanesOf, PIPELINE_DEPTH, stream } from '../plan/estimate.js';
import { castOps } from '../plan/timing.js';
import { lanesText, noFormats, noMacs, noMacWeight, noTables, outBits, outElements, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/**
 * Block banks the lanes need: a part's input is read at pf addresses a run (len / pf) apart in each outer slice, so
 * runs of len / pf words (outer · pf banks); the output is written at pf addresses a run apart, so banks no longer
 * than the shortest run that divides every part's run (then every part's lanes land in different banks).
 */
function concatBanks(l: ConcatLayer, pf: number): { input: number; output: number; layout: 'block' } {
  if (pf === 1) return { input: 1, output: 1, layout: 'block' };
  const runs = l.lens.map((n) => (n * l.inner) / pf);
  const total = l.lens.reduce((a, b) => a + b, 0) * l.inner;
  return { input: l.outer * pf, output: (l.outer * total) / runs.reduce(gcd), layout: 'block' };
}

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
    // pf lanes, each a run of len / pf of every part's slice (hw/fpgac/movement.h concat_part): pf divides every part.
    parallelChoices: (l) => laneChoices(l.lens.reduce((a, b) => gcd(a, b * l.inner), 0)),
    // One call per part: the output's elements over the lanes, plus a pipeline fill per part.
    estimate: (design, l, p) => {
      const w = outFormat(design, l).width;
      const e = lanesOf(stream(outElements(design, l) / p.pfOut, 1, w), p.pfOut, w);
      return { ...e, latency: e.latency + (l.parts.length - 1) * PIPELINE_DEPTH };
    },
    banks: (l, p) => concatBanks(l, p.pfOut),
    stored: (l, p) => storedAs(constants(l), concatBanks(l, p.pfOut).input, 'block'),
  },
  pipelined: {
    resources: () => unrolled({ multipliers: 0, dsp: 0, lut: 0 }),
    path: (design, l, d) => castOps(d, outFormat(design, l), outBits(design, l)),
    tableReads: noTables,
  },
  report: { label: (l) => l.kind, formats: noFormats, macWeight: noMacWeight, parallelText: lanesText },
};
