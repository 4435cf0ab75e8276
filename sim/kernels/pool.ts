import type { Pool2dLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';
export function simulatePool2d(_layer: Pool2dLayer, _io: KernelIO): void { throw new Error('not implemented'); }
