import type { DenseLayer, MatMulLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';
export function simulateDense(_layer: DenseLayer, _io: KernelIO): void { throw new Error('not implemented'); }
export function simulateMatMul(_layer: MatMulLayer, _io: KernelIO): void { throw new Error('not implemented'); }
