/**
 * @fileoverview The simulator's kernel table: one entry per layer kind, checked exhaustive by the type system.
 * Each kernel mirrors the hw/fpgac kernel of the same family one for one.
 */
import type { SimKernelTable } from '../simulate.js';
import { simulateConv2d } from './conv.js';
import { simulateConvTranspose2d } from './convtranspose.js';
import { simulatePool2d } from './pool.js';
import { simulateDense, simulateMatMul } from './dense.js';
import { simulateEltwise, simulateUnary } from './eltwise.js';
import { simulateTranspose } from './layout.js';
import { simulateConcat, simulateGather, simulateInterp } from './movement.js';
import { simulateLut, simulateSoftmax } from './nonlinear.js';
import { simulatePwl } from './pwl.js';
import { simulateCurve } from './curve.js';
import { simulateOctave } from './octave.js';
import { simulateReduce } from './reduce.js';

export const SIM_KERNELS: SimKernelTable = {
  pwl: simulatePwl,
  curve: simulateCurve,
  octave: simulateOctave,
  conv2d: simulateConv2d,
  pool2d: simulatePool2d,
  dense: simulateDense,
  matmul: simulateMatMul,
  eltwise: simulateEltwise,
  unary: simulateUnary,
  transpose: simulateTranspose,
  lut: simulateLut,
  softmax: simulateSoftmax,
  reduce: simulateReduce,
  convtranspose2d: simulateConvTranspose2d,
  gather: simulateGather,
  concat: simulateConcat,
  interp: simulateInterp,
};
