/**
 * @fileoverview Pieces shared by the simulator kernels; each mirrors a function of hw/fpgac/common.h.
 */
import { castRaw, fracBits, type FixedFormat } from '../fixed.js';
import type { Activation } from '../../src/ir/design.js';

/** Mirrors fpgac::finish: relu on the exact accumulator, cast to the output format, then clip in output raws. */
export function finishAct(accRaw: number, accFrac: number, out: FixedFormat, act: Activation): number {
  if (act.kind === 'relu' && accRaw < 0) accRaw = 0;
  let r = castRaw(accRaw, accFrac, out);
  if (act.kind === 'clip') {
    if (r < act.lo) r = act.lo;
    if (r > act.hi) r = act.hi;
  }
  return r;
}

/** Everything a kernel needs besides its layer: input raws and formats, the output buffer and format. */
export interface KernelIO {
  readonly inputs: readonly Float64Array[];
  readonly inFormats: readonly FixedFormat[];
  readonly out: Float64Array;
  readonly outFormat: FixedFormat;
}

export { fracBits };
