/**
 * @fileoverview Storage pragmas from the plan, in the spelling of the target tool: Vitis HLS (2020.2 and later)
 * writes `BIND_STORAGE type=... impl=...`, Vivado HLS (2019.x, 2020.1) writes `RESOURCE core=...`. Registers are
 * a complete ARRAY_PARTITION in both.
 */
import type { MemKind } from '../plan/types.js';

export type HlsTool = 'vitis' | 'vivado';

export function storagePragma(tool: HlsTool, variable: string, kind: MemKind, rom: boolean): string {
  if (kind === 'registers') return `#pragma HLS ARRAY_PARTITION variable=${variable} complete`;
  if (tool === 'vitis') {
    const impl = kind === 'uram' ? 'uram' : kind === 'lutram' ? 'lutram' : 'bram';
    return `#pragma HLS BIND_STORAGE variable=${variable} type=${rom ? 'rom_1p' : 'ram_2p'} impl=${impl}`;
  }
  if (kind === 'uram') return `#pragma HLS RESOURCE variable=${variable} core=XPM_MEMORY uram`;
  const core = `${rom ? 'ROM_1P' : 'RAM_2P'}_${kind === 'lutram' ? 'LUTRAM' : 'BRAM'}`;
  return `#pragma HLS RESOURCE variable=${variable} core=${core}`;
}
