/**
 * @fileoverview Target boards (hw/boards/boards.json): part number and default clock. `--board NAME` selects
 * one; `--part PART` overrides the part.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hwDir } from '../paths.js';
import { fail } from '../diagnostics.js';
import type { BoardResources } from './types.js';

/** The processing-system IP of a Zynq board: Zynq UltraScale+ MPSoC or Zynq-7000. */
export type ZynqPs = 'zynq_ultra_ps_e' | 'processing_system7';

/**
 * A target: its part, default clock and programmable-logic resources (with where the figures come from). The Zynq
 * boards also carry what the Vivado block design (build_bd.tcl, src/deploy/blockdesign.ts) needs; Alveo boards
 * have none of those fields.
 */
export interface Board extends BoardResources {
  readonly board: string;
  /** Vivado board part `vendor:board:part0:file_version` (`set_property board_part`). */
  readonly boardPart?: string;
  readonly ps?: ZynqPs;
  /** The PS slave port DMA and m_axi traffic reaches DDR through (`S_AXI_HP0_FPD`, `S_AXI_HP0`). */
  readonly hpPort?: string;
  /** Data width of that port in bits (128 on Zynq UltraScale+, 64 on Zynq-7000): the AXI bus width on Zynq. */
  readonly dmaBits?: number;
  /** The PS clock output that clocks the programmable logic (`pl_clk0`, `FCLK_CLK0`). */
  readonly plClock?: string;
  /**
   * Peak bandwidth of the PS DDR memory in GB/s (bus bytes × transfer rate), which weights streamed from DDR share
   * with the processors (src/plan/stream.ts); with where the figure comes from.
   */
  readonly ddrGBps?: number;
  readonly ddrSource?: string;
  /** Where the block-design figures come from (board files, product guides). */
  readonly bdSource?: string;
}

let cache: Map<string, Board> | undefined;

export function boards(): Map<string, Board> {
  if (!cache) {
    const raw = JSON.parse(readFileSync(path.join(hwDir(), 'boards', 'boards.json'), 'utf8')) as Record<string, Omit<Board, 'name'>>;
    cache = new Map(Object.entries(raw).map(([name, b]) => [name, { name, ...b }]));
  }
  return cache;
}

/** Board by name, or by part number when `--part` names a part one of the boards uses. */
export function resolveBoard(name: string | undefined, part?: string): Board {
  const key = (name ?? 'zcu104').toLowerCase().replace(/[_\s]/g, '-').replace(/^ultra96-?v2$/, 'ultra96v2');
  const b = boards().get(key);
  if (!b) fail('FPGAC005', `unknown board '${name}'`, { hint: `known boards: ${[...boards().keys()].join(', ')}; or give --part` });
  if (!part) return b;
  // The part is written into build_prj.tcl (set_part): a part number is letters, digits and dashes, nothing else.
  if (!/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.test(part) || part.length > 64) {
    fail('FPGAC005', `--part '${part}' is not a Xilinx part number (letters, digits and dashes, e.g. xczu7ev-ffvc1156-2-e)`);
  }
  const byPart = [...boards().values()].find((x) => x.part.toLowerCase() === part.toLowerCase());
  // A part no board uses keeps the named board's resources: say so rather than pretend to know the part.
  return byPart ? { ...byPart, part } : { ...b, part, source: `${b.source}; part overridden to ${part} (resources of ${b.name} assumed)` };
}
