/**
 * @fileoverview build_bd.tcl (issue 11): the Vivado script that puts the exported HLS IP into a block design for a
 * Zynq board and turns it into a bitstream, as hls4ml's VivadoAccelerator backend and FINN's ZynqBuild do. The
 * board's processing system with its board preset, the IP, for `axis` one AXI DMA per stream pair (simple mode),
 * SmartConnects for control (PS master port) and memory (PS HP slave port), one proc_sys_reset, everything on the PS
 * clock that feeds the PL set to the plan's clock; then synthesis, implementation and bitstream/<name>.{bit,hwh}.
 * docs/deploy.md describes the result and the names a driver relies on.
 *
 * This module computes every name, pin and setting (the per-PS tables below); the template only places them. What
 * reaches the script from outside fpgac's own tables (the names, the part, the board part) is validated here and
 * written as a complete Tcl word (`tclQuote`), and the script pastes no path into a command string: it finds its
 * folder with `info script` and passes paths as words.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../paths.js';
import { boards, type Board } from '../plan/boards.js';
import { fail } from '../diagnostics.js';
import { tclQuote } from '../util/escape.js';

export interface BlockDesignView {
  /**
   * The core top function (`design.name`, build_prj.tcl's `{{name}}`): the HLS project is `<name>_prj`, the Vivado
   * project `<name>_vivado`, the outputs `bitstream/<name>.bit` and `bitstream/<name>.hwh`.
   */
  readonly name: string;
  /** The IP's top function (the wrapper, `<name>_axis` / `<name>_maxi`); its cell is `<top>_0`. A C identifier. */
  readonly top: string;
  /** The IP's catalog name (`export_design -ipname`, the top function's name by default): `xilinx.com:hls:<ipName>:*`. */
  readonly ipName: string;
  readonly interface: 'axis' | 'm_axi';
  /** A Zynq board of hw/boards/boards.json (boardPart, ps, hpPort, dmaBits, plClock present). */
  readonly board: Board;
  /** The PL clock the PS generates, i.e. the clock the IP was synthesized for. */
  readonly clockMHz: number;
  /** AXI data width of every port (docs/deploy.md, Packing.busBits). */
  readonly busBits: number;
  readonly inPorts: number;
  readonly outPorts: number;
  /**
   * Weights from DDR: the IP reads the weight image through one more AXI master, `m_axi_<WEIGHT_BUNDLE>` (the
   * wrapper's `fpgac_wimg` pointer, its address a register in `control`), which goes to the HP port like the others.
   */
  readonly weightImage?: boolean;
  readonly version: string;
}

/** The m_axi bundle of the weight image (templates/firmware/axi_top.cpp.hbs, src/emit/project.ts): port m_axi_wimg. */
export const WEIGHT_BUNDLE = 'wimg';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PART = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const BOARD_PART = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/;
/** SmartConnect takes at most 16 slave and 16 master interfaces. */
const MAX_SMARTCONNECT = 16;

/** What differs between the two processing systems: ports, pins and the CONFIG parameters that set them. */
interface PsTraits {
  readonly mpsoc: boolean;
  /** The PS master port the control interfaces hang off, and its clock input. */
  readonly masterPort: string;
  readonly masterClock: string;
  /** The HP slave port and its clock input. */
  readonly hpClock: string;
  readonly plReset: string;
  /** CONFIG.* settings after the board preset (in this order). */
  readonly config: ReadonlyArray<readonly [string, string | number]>;
  /** The read-only parameter holding the frequency the PS actually generates. */
  readonly actualFreq: string;
}

function mhzText(mhz: number): string {
  return String(Number(mhz.toFixed(3)));
}

/**
 * Zynq UltraScale+ (PG201): masters M_AXI_HPM0_FPD = M_AXI_GP0 (HPM1_FPD = GP1 and HPM0_LPD = GP2 switched off, so
 * no unclocked port is left), PL slaves S_AXI_HPC0/1_FPD = S_AXI_GP0/1, S_AXI_HP0..3_FPD = S_AXI_GP2..5;
 * pl_clkN / pl_resetnN with PSU__CRL_APB__PLN_REF_CTRL__FREQMHZ.
 */
function mpsocTraits(board: Board, mhz: number): PsTraits {
  const hp = /^S_AXI_(HPC|HP)([0-3])_FPD$/.exec(board.hpPort ?? '');
  const clk = /^pl_clk([0-3])$/.exec(board.plClock ?? '');
  if (!hp || (hp[1] === 'HPC' && Number(hp[2]) > 1)) throw new Error(`internal error: board ${board.name}: hpPort '${board.hpPort}' is not an MPSoC PL slave port`);
  if (!clk) throw new Error(`internal error: board ${board.name}: plClock '${board.plClock}' is not an MPSoC PL clock`);
  const gp = hp[1] === 'HPC' ? Number(hp[2]) : 2 + Number(hp[2]);
  const n = clk[1];
  return {
    mpsoc: true, masterPort: 'M_AXI_HPM0_FPD', masterClock: 'maxihpm0_fpd_aclk',
    hpClock: `saxi${hp[1].toLowerCase()}${hp[2]}_fpd_aclk`, plReset: `pl_resetn${n}`,
    config: [
      // A board preset may pin the PS clocks (PSU__OVERRIDE__BASIC_CLOCK): release them so the PL frequency applies.
      [`PSU__FPGA_PL${n}_ENABLE`, 1], ['PSU__OVERRIDE__BASIC_CLOCK', 0], [`PSU__CRL_APB__PL${n}_REF_CTRL__FREQMHZ`, mhzText(mhz)],
      ['PSU__USE__M_AXI_GP0', 1], ['PSU__USE__M_AXI_GP1', 0], ['PSU__USE__M_AXI_GP2', 0],
      [`PSU__USE__S_AXI_GP${gp}`, 1], [`PSU__SAXIGP${gp}__DATA_WIDTH`, board.dmaBits!],
    ],
    actualFreq: `PSU__CRL_APB__PL${n}_REF_CTRL__ACT_FREQMHZ`,
  };
}

/** Zynq-7000 (UG585, PG082): M_AXI_GP0, S_AXI_HP0..3 (32 or 64 bits), FCLK_CLKN / FCLK_RESETN_N. */
function zynq7Traits(board: Board, mhz: number): PsTraits {
  const hp = /^S_AXI_HP([0-3])$/.exec(board.hpPort ?? '');
  const clk = /^FCLK_CLK([0-3])$/.exec(board.plClock ?? '');
  if (!hp) throw new Error(`internal error: board ${board.name}: hpPort '${board.hpPort}' is not a Zynq-7000 HP port`);
  if (!clk) throw new Error(`internal error: board ${board.name}: plClock '${board.plClock}' is not a Zynq-7000 FCLK`);
  const k = hp[1];
  const n = clk[1];
  return {
    mpsoc: false, masterPort: 'M_AXI_GP0', masterClock: 'M_AXI_GP0_ACLK', hpClock: `S_AXI_HP${k}_ACLK`, plReset: `FCLK_RESET${n}_N`,
    config: [
      [`PCW_FPGA_FCLK${n}_ENABLE`, 1], [`PCW_EN_CLK${n}_PORT`, 1], [`PCW_EN_RST${n}_PORT`, 1],
      [`PCW_FPGA${n}_PERIPHERAL_FREQMHZ`, mhzText(mhz)],
      ['PCW_USE_M_AXI_GP0', 1], [`PCW_USE_S_AXI_HP${k}`, 1], [`PCW_S_AXI_HP${k}_DATA_WIDTH`, board.dmaBits!],
    ],
    actualFreq: `PCW_ACT_FPGA${n}_PERIPHERAL_FREQMHZ`,
  };
}

interface Link { readonly from: string; readonly to: string }

const hb = Handlebars.create();
let template: Handlebars.TemplateDelegate | undefined;

/** The text of build_bd.tcl for `view` (see the file comment and docs/deploy.md). */
export function renderBlockDesign(view: BlockDesignView): string {
  const { board } = view;
  for (const [what, v] of [['name', view.name], ['top', view.top], ['ipName', view.ipName]] as const) {
    if (!IDENT.test(v)) throw new Error(`internal error: block design ${what} '${v}' is not a C identifier`);
  }
  if (!/^[0-9A-Za-z.+-]+$/.test(view.version)) throw new Error(`internal error: version '${view.version}'`);
  if (view.interface !== 'axis' && view.interface !== 'm_axi') throw new Error(`internal error: interface '${String(view.interface)}'`);
  if (!board.ps || !board.boardPart || !board.hpPort || !board.dmaBits || !board.plClock) {
    fail('FPGAC005', `board ${board.name} has no processing system: build_bd.tcl (the Vivado block design) is for the Zynq boards`, {
      hint: `Zynq boards: ${[...boards().values()].filter((b) => b.ps).map((b) => b.name).join(', ')}`,
    });
  }
  if (board.ps !== 'zynq_ultra_ps_e' && board.ps !== 'processing_system7') throw new Error(`internal error: board ${board.name}: ps '${String(board.ps)}'`);
  if (!BOARD_PART.test(board.boardPart)) throw new Error(`internal error: board part '${board.boardPart}'`);
  if (!PART.test(board.part)) throw new Error(`internal error: part '${board.part}'`);
  if (![32, 64, 128].includes(board.dmaBits)) throw new Error(`internal error: dmaBits ${board.dmaBits}`);
  // `--part` may have replaced the part while the board (and its board part) stayed: the board part fixes the part
  // in Vivado, so the IP would have been synthesized for another device than the bitstream.
  const own = [...boards().values()].find((b) => b.boardPart === board.boardPart);
  if (own && own.part.toLowerCase() !== board.part.toLowerCase()) {
    fail('FPGAC005', `--part ${board.part} is not the part of board ${own.name} (${own.part}): the block design targets the board, so its part is ${own.part}`, {
      hint: `drop --part, or build for the board whose part it is`,
    });
  }
  if (!(Number.isFinite(view.clockMHz) && view.clockMHz > 0 && view.clockMHz <= 1000)) throw new Error(`internal error: clock ${view.clockMHz} MHz`);
  if (![32, 64, 128, 256, 512].includes(view.busBits)) throw new Error(`internal error: bus width ${view.busBits}`);
  if (!Number.isInteger(view.inPorts) || view.inPorts < 0 || !Number.isInteger(view.outPorts) || view.outPorts < 1) throw new Error(`internal error: ${view.inPorts} inputs, ${view.outPorts} outputs`);
  // Every input and output is one memory master (a DMA channel or an m_axi bundle) on the memory SmartConnect, and
  // so is the weight image's.
  const wimg = view.weightImage === true;
  if (view.inPorts + view.outPorts + (wimg ? 1 : 0) > MAX_SMARTCONNECT) {
    const image = wimg ? ' and the weight image from DDR needs one more' : '';
    fail('FPGAC010', `the block design connects at most ${MAX_SMARTCONNECT} memory masters (inputs, outputs and the weight image) together; the model has ${view.inPorts} inputs and ${view.outPorts} outputs${image}`);
  }

  const ps = board.ps;
  const t = ps === 'zynq_ultra_ps_e' ? mpsocTraits(board, view.clockMHz) : zynq7Traits(board, view.clockMHz);
  const psCell = `${ps}_0`;
  const ip = `${view.top}_0`;
  const axis = view.interface === 'axis';
  const two = (i: number): string => String(i).padStart(2, '0');

  // DMA k carries in<k> (MM2S) and out<k> (S2MM); a model with more inputs than outputs (or the reverse) leaves the
  // spare channel out.
  const dmaCount = axis ? Math.max(view.inPorts, view.outPorts) : 0;
  const dmas = Array.from({ length: dmaCount }, (_, k) => ({ name: `axi_dma_${k}`, index: k, mm2s: k < view.inPorts, s2mm: k < view.outPorts }));

  const intfNets: Link[] = [
    { from: `${psCell}/${t.masterPort}`, to: 'axi_ctrl_sc/S00_AXI' },
    { from: 'axi_ctrl_sc/M00_AXI', to: `${ip}/s_axi_control` },
    { from: 'axi_mem_sc/M00_AXI', to: `${psCell}/${board.hpPort}` },
  ];
  const memMasters: string[] = [];
  for (const d of dmas) intfNets.push({ from: `axi_ctrl_sc/M${two(d.index + 1)}_AXI`, to: `${d.name}/S_AXI_LITE` });
  for (const d of dmas) {
    if (d.mm2s) memMasters.push(`${d.name}/M_AXI_MM2S`);
    if (d.s2mm) memMasters.push(`${d.name}/M_AXI_S2MM`);
  }
  if (!axis) {
    for (let k = 0; k < view.inPorts; k++) memMasters.push(`${ip}/m_axi_gmem_in${k}`);
    for (let k = 0; k < view.outPorts; k++) memMasters.push(`${ip}/m_axi_gmem_out${k}`);
  }
  // The weight image: the IP's own master, to DDR through the same SmartConnect and HP port.
  const wimgMaster = `${ip}/m_axi_${WEIGHT_BUNDLE}`;
  if (wimg) memMasters.push(wimgMaster);
  memMasters.forEach((m, i) => intfNets.push({ from: m, to: `axi_mem_sc/S${two(i)}_AXI` }));
  for (const d of dmas) {
    if (d.mm2s) intfNets.push({ from: `${d.name}/M_AXIS_MM2S`, to: `${ip}/in${d.index}` });
    if (d.s2mm) intfNets.push({ from: `${ip}/out${d.index}`, to: `${d.name}/S_AXIS_S2MM` });
  }

  const clock = `${psCell}/${board.plClock}`;
  const clocked = [
    `${psCell}/${t.masterClock}`, `${psCell}/${t.hpClock}`, 'axi_ctrl_sc/aclk', 'axi_mem_sc/aclk', 'rst_pl/slowest_sync_clk', `${ip}/ap_clk`,
    ...dmas.flatMap((d) => [`${d.name}/s_axi_lite_aclk`, ...(d.mm2s ? [`${d.name}/m_axi_mm2s_aclk`] : []), ...(d.s2mm ? [`${d.name}/m_axi_s2mm_aclk`] : [])]),
  ];
  const nets: Link[] = [
    ...clocked.map((to) => ({ from: clock, to })),
    { from: `${psCell}/${t.plReset}`, to: 'rst_pl/ext_reset_in' },
    { from: 'rst_pl/interconnect_aresetn', to: 'axi_ctrl_sc/aresetn' },
    { from: 'rst_pl/interconnect_aresetn', to: 'axi_mem_sc/aresetn' },
    { from: 'rst_pl/peripheral_aresetn', to: `${ip}/ap_rst_n` },
    ...dmas.map((d) => ({ from: 'rst_pl/peripheral_aresetn', to: `${d.name}/axi_resetn` })),
  ];
  const word = (l: Link): Link => ({ from: tclQuote(l.from), to: tclQuote(l.to) });

  if (!template) template = hb.compile(readFileSync(path.join(templatesDir(), 'build_bd.tcl.hbs'), 'utf8'), { noEscape: true, strict: true });
  return template({
    version: view.version, boardKey: tclQuote(board.name), interface: view.interface, isAxis: axis, mpsoc: t.mpsoc,
    name: tclQuote(view.name), ipName: tclQuote(view.ipName), ipCell: tclQuote(ip),
    part: tclQuote(board.part), boardPart: tclQuote(board.boardPart), ps, psCell,
    psConfig: t.config.map(([key, value]) => ({ key, value: tclQuote(String(value)) })), actualFreq: t.actualFreq,
    plClock: board.plClock, clockMHz: mhzText(view.clockMHz), busBits: view.busBits,
    ctrlSlaves: 1 + dmas.length, memMasters: memMasters.length, dmas,
    wimg: wimg ? { master: tclQuote(wimgMaster), space: tclQuote(`${ip}/Data_m_axi_${WEIGHT_BUNDLE}`) } : false,
    intfNets: intfNets.map(word), nets: nets.map(word),
  });
}
