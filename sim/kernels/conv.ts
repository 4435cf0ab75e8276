import type { Conv2dLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';
export function simulateConv2d(_layer: Conv2dLayer, _io: KernelIO): void { throw new Error('not implemented'); }
