/**
 * @fileoverview Totals of a plan, shared by both schedules: resource sums against the board, throughput from the
 * initiation interval, and the packing efficiency of block memories holding constants.
 */
import type { Board } from './boards.js';
import type { BoardResources, LayerEstimate, MemoryPlacement, Plan } from './types.js';

/** The board's figures as the plan records them (without the lookup name). */
export function boardResources(board: Board): BoardResources {
  const { board: _name, ...res } = board;
  void _name;
  return res;
}

/** Constant bits / bits of the block memories (BRAM18, URAM) given to constants; 1 when none are. */
export function packing(memories: readonly MemoryPlacement[]): number {
  const mems = memories.filter((m) => m.role !== 'feature' && (m.kind === 'bram18' || m.kind === 'uram'));
  const cap = mems.reduce((s, m) => s + m.capacityBits, 0);
  return cap ? mems.reduce((s, m) => s + m.words * m.bits * (m.copies ?? 1), 0) / cap : 1;
}

export function totalsOf(rows: readonly LayerEstimate[], board: Board, latency: number, ii: number, clockMHz: number): Pick<Plan, 'totals' | 'utilization' | 'fits'> {
  const sum = (k: 'dsp' | 'lut' | 'ff' | 'bram18' | 'uram') => rows.reduce((s, r) => s + r[k], 0);
  const totals = {
    dsp: sum('dsp'), lut: sum('lut'), ff: sum('ff'), bram18: sum('bram18'), uram: sum('uram'),
    latencyCycles: latency, iiCycles: ii, latencyUs: latency / clockMHz, throughputFps: (clockMHz * 1e6) / Math.max(ii, 1),
  };
  const ratio = (a: number, b: number) => (b > 0 ? a / b : a > 0 ? Infinity : 0);
  const utilization = { dsp: ratio(totals.dsp, board.dsp), lut: ratio(totals.lut, board.lut), ff: ratio(totals.ff, board.ff), bram18: ratio(totals.bram18, board.bram18), uram: ratio(totals.uram, board.uram) };
  return { totals, utilization, fits: Object.values(utilization).every((u) => u <= 1) };
}

