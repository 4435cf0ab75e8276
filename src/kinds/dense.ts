/**
 * @fileoverview The `dense` layer kind (DenseLayer in src/ir/design.ts): pf_in × pf_out multipliers in one flat
 * pipelined loop per row; fully parallel layers fold their weights into the logic, time-shared ones may store only
 * their non-zero weights (src/plan/sparse.ts).
 */
import { simulateDense } from '../../sim/kernels/dense.js';
import type { DenseLayer } from '../ir/design.js';
import { renderDense } from '../emit/kernels/dense.js';
import type { FixedFormat } from '../../sim/fixed.js';
import {
  constantWeightCounts, divisors, mac, multiplierCost, PIPELINE_DEPTH, sparseCannotSave, withStorage, zerosOf, type Parallel, type SparseOption, type WeightStorage,
} from '../plan/estimate.js';
import { denseAccExact, sparseDense } from '../plan/sparse.js';
import { inFormat } from './common.js';
import { macConstants, macFormats, macPath, macStored, unrolledMac } from './mac.js';
import type { KindDef } from './types.js';
import { densePacking } from '../plan/packing.js';

function denseSparse(l: DenseLayer, par: Parallel, inF: FixedFormat): SparseOption {
  if (!zerosOf(l.weight)) return { why: 'no zero weights' };
  if (par.pfOut > 1) return { why: 'every input is read each cycle (pf_in = n_in): zeros cost no cycles' };
  if (!denseAccExact(l, inF)) return { why: 'the accumulator is not exact, so the serial order is kept' };
  const cannot = sparseCannotSave(l, l.nIn / par.pfIn);
  if (cannot) return { why: cannot };
  const code = sparseDense(l, par.pfIn);
  return { code, latency: l.rows * (code.steps + PIPELINE_DEPTH) };
}

export const DENSE: KindDef<DenseLayer> = {
  kind: 'dense',
  doc: 'fully connected rows × W^T + bias, fused activation',
  family: 'dense',
  constants: macConstants,
  macs: (l) => l.rows * l.nIn * l.nOut,
  simulate: simulateDense,
  render: renderDense,
  sequential: {
    // pf_in grows first (up to every input at once), then pf_out (hw/fpgac/dense.h).
    parallelChoices: (l) => [...divisors(l.nIn).map((d) => ({ pfIn: d, pfOut: 1 })), ...divisors(l.nOut).slice(1).map((d) => ({ pfIn: l.nIn, pfOut: d }))],
    estimate(design, l, par) {
      const inF = inFormat(design, l);
      // Products bound by operand widths: narrow ones in LUTs (hw/fpgac/dense.h lut_mul), the rest in DSPs.
      const e = mac(l.rows * (l.nOut / par.pfOut) * (l.nIn / par.pfIn), 1, par.pfIn * par.pfOut, l.nIn * l.nOut, inF, l.weight.format, l.acc, 'by-width');
      if (par.pfIn * par.pfOut !== l.nIn * l.nOut) return withStorage(e, l, denseSparse(l, par, inF));
      // Fully parallel: every weight is its own multiplier with a constant operand (the partitioned ROM becomes
      // constants), so HLS drops zero weights and turns ±2^k weights into shifts: only the rest need a multiplier
      // (a DSP, or LUTs for a narrow product).
      const c = constantWeightCounts(l.weight.raw);
      const m = multiplierCost(inF, l.weight.format);
      const weights: WeightStorage = { storage: 'constant-folded', weights: l.weight.raw.length, zeros: c.zeros, stored: 0, why: `fully parallel: ${c.zeros} zero products dropped, ${c.powersOfTwo} are shifts` };
      const lut = e.lut - (e.multipliers - c.general) * m.lut;
      return { ...e, multipliers: c.general, dsp: c.general * m.dsp, lut, constantSavings: c, weights };
    },
    banks: (_l, p) => ({ input: p.pfIn, output: p.pfOut, layout: 'cyclic' }),
    // Each cycle reads pf_in × pf_out consecutive weights; a sparse layer's values and indices one bank per lane.
    stored: (l, p, e) => macStored(l, e, p.pfIn * p.pfOut, 'cyclic', p.pfIn, p.pfIn),
    packing: (design, l, p, e, part) => densePacking(inFormat(design, l), l, p, e, part),
    // A tile is one output block: rows t·pf_out ... of the weight matrix, in order (hw/fpgac/dense.h dense_stream);
    // each row of the input is read again per tile.
    stream: (l, p) => ({
      tiles: l.nOut / p.pfOut, tileElems: p.pfOut * l.nIn, banks: p.pfIn * p.pfOut,
      computePerTile: l.rows * (l.nIn / p.pfIn) + PIPELINE_DEPTH,
      source: (t, e) => t * p.pfOut * l.nIn + e,
    }),
  },
  pipelined: {
    resources: (design, l) => unrolledMac(design, l, l.rows, l.nOut, 'by-width'),
    path: (design, l, d) => macPath(design, l, d, l.nIn, l.rows * l.nOut, l.nOut),
    tableReads: () => 0,
  },
  report: { label: (l) => l.kind, formats: macFormats, macWeight: (l) => l.weight, parallelText: (p) => `${p.pfIn}x${p.pfOut}` },
};
