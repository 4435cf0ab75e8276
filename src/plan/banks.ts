/**
 * @fileoverview What a kernel's parallel accesses need from its arrays: banks on its input and output feature
 * maps, and on the constants it reads. Each layer kind states its needs in its definition (src/kinds/, from these
 * pieces); src/plan/layout.ts merges them into one partition per array.
 */
import type { ConstData, LayerConstant } from '../ir/design.js';
import type { Parallel } from './estimate.js';

/** 'cyclic': element i in bank i mod banks (consecutive lanes); 'block': contiguous runs (one per engine or lane). */
export type Layout = 'cyclic' | 'block';

export interface TensorLayout {
  readonly banks: number;
  readonly layout: Layout;
}

/** Banks a kernel's accesses need on its input and on its output (hw/fpgac/*.h). */
export interface BankNeeds {
  readonly input: number;
  readonly output: number;
  readonly layout: Layout;
}

/** A kernel reading one element a cycle from each array. */
export const ONE_BANK: BankNeeds = { input: 1, output: 1, layout: 'cyclic' };

/** pf_out lanes, each a contiguous block of the input and of the output (eltwise.h, pool.h: blocks of channels). */
export function laneBanks(p: Parallel): BankNeeds {
  return { input: p.pfOut, output: p.pfOut, layout: 'block' };
}

export interface StoredConstant {
  readonly data: ConstData;
  readonly role: 'weight' | 'table';
  readonly banks: number;
  readonly layout: Layout;
  /** A table every lane reads at any index in the same cycle: this many reads a cycle (copies give the ports). */
  readonly reads?: number;
}

/** The layer's constants stored as they are, each split into `banks` of the given layout (tables keep their role). */
export function storedAs(constants: readonly LayerConstant[], banks: number, layout: Layout): StoredConstant[] {
  return constants.map(({ data, role }): StoredConstant => ({ data, role: role === 'table' ? 'table' : 'weight', banks, layout }));
}
