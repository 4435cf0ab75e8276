import type { EltwiseLayer, UnaryLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';
export function simulateEltwise(_layer: EltwiseLayer, _io: KernelIO): void { throw new Error('not implemented'); }
export function simulateUnary(_layer: UnaryLayer, _io: KernelIO): void { throw new Error('not implemented'); }
