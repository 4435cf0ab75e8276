import type { LutLayer, SoftmaxLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';
export function simulateLut(_layer: LutLayer, _io: KernelIO): void { throw new Error('not implemented'); }
export function simulateSoftmax(_layer: SoftmaxLayer, _io: KernelIO): void { throw new Error('not implemented'); }
