/**
 * @fileoverview Storage pragmas from the plan, in the spelling of the target tool: Vitis HLS (2020.2 and later)
 * writes `BIND_STORAGE type=... impl=...`, Vivado HLS (2019.x, 2020.1) writes `RESOURCE core=...`. Registers are
 * a complete ARRAY_PARTITION in both.
 */
import type { MemKind, MemoryPlacement } from '../plan/types.js';

export type HlsTool = 'vitis' | 'vivado';

/** `multiPort`: a ROM read by many lanes in one cycle (pipelined schedule), which HLS builds from copies. */
export function storagePragma(tool: HlsTool, variable: string, kind: MemKind, rom: boolean, multiPort = false): string {
  if (kind === 'registers') return `#pragma HLS ARRAY_PARTITION variable=${variable} complete`;
  if (tool === 'vitis') {
    const impl = kind === 'uram' ? 'uram' : kind === 'lutram' ? 'lutram' : 'bram';
    return `#pragma HLS BIND_STORAGE variable=${variable} type=${rom ? (multiPort ? 'rom_np' : 'rom_1p') : 'ram_2p'} impl=${impl}`;
  }
  if (kind === 'uram') return `#pragma HLS RESOURCE variable=${variable} core=XPM_MEMORY uram`;
  const core = `${rom ? (multiPort ? 'ROM_nP' : 'ROM_1P') : 'RAM_2P'}_${kind === 'lutram' ? 'LUTRAM' : 'BRAM'}`;
  return `#pragma HLS RESOURCE variable=${variable} core=${core}`;
}

/**
 * The top function's own pragmas under the pipelined schedule: one pipeline at II=1 with every callee inlined,
 * and each array port reshaped into one wide port with a valid signal (all its elements move in one cycle).
 */
export function pipelineTopPragmas(ports: readonly string[]): string[] {
  if (!ports.length) return ['#pragma HLS PIPELINE II=1', '#pragma HLS INLINE recursive'];
  return [
    '#pragma HLS PIPELINE II=1',
    '#pragma HLS INLINE recursive',
    ...ports.map((p) => `#pragma HLS ARRAY_RESHAPE variable=${p} complete dim=0`),
    `#pragma HLS INTERFACE ap_vld port=${ports.join(',')}`,
  ];
}

/**
 * The plan's bank layout of a constant array: ARRAY_PARTITION into its banks (cyclic or block, as the kernel reads
 * it) or ARRAY_RESHAPE into words of several elements; none for one bank, or for registers (storagePragma's
 * complete partition). Same spelling in Vitis and Vivado HLS.
 */
export function layoutPragma(variable: string, m: Pick<MemoryPlacement, 'kind' | 'banks' | 'layout' | 'reshape'>): string | undefined {
  if (m.kind === 'registers') return undefined;
  if (m.reshape) return `#pragma HLS ARRAY_RESHAPE variable=${variable} ${m.layout ?? 'cyclic'} factor=${m.reshape}`;
  if (m.banks > 1) return `#pragma HLS ARRAY_PARTITION variable=${variable} ${m.layout ?? 'cyclic'} factor=${m.banks}`;
  return undefined;
}

/**
 * Binds the multiply that writes `variable` to fabric LUTs (no DSP): the plan's low-bit products
 * (src/plan/estimate.ts fabricProduct). Vitis HLS: `BIND_OP op=mul impl=fabric`; Vivado HLS: the `Mul_LUT` core.
 */
export function mulLutPragma(tool: HlsTool, variable: string): string {
  return tool === 'vitis'
    ? `#pragma HLS BIND_OP variable=${variable} op=mul impl=fabric`
    : `#pragma HLS RESOURCE variable=${variable} core=Mul_LUT`;
}

/**
 * Config-struct lines of a dense or conv layer's products (hw/fpgac/common.h fpgac::product): `lut_mul`, and when
 * it is true the product function `mul` whose multiply the pragma binds to fabric. The product stays ap_fixed's
 * exact full-precision a * b, so only the implementation differs, never the bits.
 */
export function productConfig(tool: HlsTool, lut: boolean): string[] {
  if (!lut) return ['  static const bool lut_mul = false;'];
  return [
    '  static const bool lut_mul = true; // low-bit products in LUTs, no DSP (src/plan/estimate.ts fabricProduct)',
    '  template <class A, class B>',
    '  static auto mul(const A &a, const B &b) -> decltype(a * b) {',
    '#pragma HLS INLINE',
    '    decltype(a * b) p = a * b;',
    mulLutPragma(tool, 'p'),
    '    return p;',
    '  }',
  ];
}
