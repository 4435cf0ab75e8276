import type { TransposeLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';
export function simulateTranspose(_layer: TransposeLayer, _io: KernelIO): void { throw new Error('not implemented'); }
