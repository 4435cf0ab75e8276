/**
 * @fileoverview Transpose of a rank-6 padded tensor; mirrors fpgac::transpose in hw/fpgac/layout.h: the output is
 * written in C order while the input is read through the permuted strides. When the output format differs, each
 * element is cast (an exact shift when the cast cannot round or overflow, see exactScale).
 */
import { fracBits, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import { transposeWalk, type TransposeLayer } from '../../src/ir/design.js';
import { finishFast, makeFinish, type Finish, type KernelIO } from './common.js';
import { exactScale } from './eltwise.js';

/** The walk as int32 values (integer index arithmetic), and the element cast for the formats last seen. */
interface Walk {
  readonly dims: Int32Array; readonly strides: Int32Array;
  inF: FixedFormat | null; outF: FixedFormat | null; scale: number; cast: Finish | null;
}
const walks = new WeakMap<TransposeLayer, Walk>();

export function simulateTranspose(layer: TransposeLayer, io: KernelIO): void {
  let walk = walks.get(layer);
  if (!walk) {
    const w = transposeWalk(layer.inShape, layer.perm);
    walks.set(layer, (walk = { dims: Int32Array.from(w.dims), strides: Int32Array.from(w.strides), inF: null, outF: null, scale: 0, cast: null }));
  }
  const x = io.inputs[0];
  const out = io.out;
  const inF = io.inFormats[0];
  const outF = io.outFormat;
  if (walk.inF !== inF || walk.outF !== outF) {
    // castRaw as a Finish without activation, for raws of inF (safe integers bounded by its range).
    walk.scale = exactScale(inF, outF);
    walk.cast = makeFinish(fracBits(inF), outF, undefined, Math.max(-minRaw(inF), maxRaw(inF)));
    walk.inF = inF;
    walk.outF = outF;
  }
  const [d0, d1, d2, d3, d4, d5] = walk.dims;
  const [s0, s1, s2, s3, s4, s5] = walk.strides;
  const scale = walk.scale;
  const cast = walk.cast!;
  let o = 0;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        for (let i3 = 0; i3 < d3; i3++) {
          for (let i4 = 0; i4 < d4; i4++) {
            let ii = i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3 + i4 * s4;
            if (scale > 0) {
              for (let i5 = 0; i5 < d5; i5++, ii += s5) out[o++] = x[ii] * scale;
            } else {
              for (let i5 = 0; i5 < d5; i5++, ii += s5) out[o++] = finishFast(x[ii], cast);
            }
          }
        }
      }
    }
  }
}
