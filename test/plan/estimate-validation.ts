/**
 * Test support: fpgac's estimate against real Vivado HLS reports (../shared/hls-reports), for every report whose
 * design fpgac can rebuild, and the reasons for the others. renderEstimatesDoc() is docs/estimates.md; the test
 * (estimate-validation.test.ts) checks the committed file is exactly its output. Regenerate with
 * `FPGAC_UPDATE_DOCS=1 npx vitest run test/plan/estimate-validation.test.ts`.
 */
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../../src/compile.js';
import { resolveBoard } from '../../src/plan/boards.js';
import { planDesign } from '../../src/plan/plan.js';
import { parseCsynthFile } from '../../src/plan/synth-report.js';
import type { Plan, SynthesisReport } from '../../src/plan/types.js';
import { mulberry32 } from '../../src/util/random.js';
import { buildModel } from '../support/onnx-builder.js';

export const REPORTS = path.resolve(__dirname, '../../../shared/hls-reports');
export const HAVE_REPORTS = existsSync(path.join(REPORTS, 'hls4ml-test-report', 'myproject_csynth.xml'));

/** What the comparison covers: the csynth figures of the whole design. */
export const QUANTITIES = ['latency', 'interval', 'dsp', 'lut', 'ff', 'bram18'] as const;
export type Quantity = (typeof QUANTITIES)[number];

export interface Row {
  readonly report: string;
  readonly source: string; // 'csynth' or 'Vivado synthesis'
  readonly quantity: Quantity;
  readonly real: number;
  readonly estimated: number;
}

/** Resource rows of a Vivado synthesis utilization report (`report_utilization`): Slice LUTs, registers, DSPs, BRAM. */
export function parseVivadoUtilization(text: string): { lut: number; ff: number; dsp: number; bram18: number } {
  const used = (label: RegExp): number => {
    const m = text.split('\n').map((l) => l.split('|').map((c) => c.trim())).find((c) => c.length > 2 && label.test(c[1]));
    if (!m) throw new Error(`no row ${label} in the Vivado utilization report`);
    return Number(m[2]);
  };
  // Block RAM Tile counts BRAM36 tiles (a BRAM18 is 0.5).
  return { lut: used(/^Slice LUTs\*?$|^CLB LUTs\*?$/), ff: used(/^Slice Registers$|^CLB Registers$/), dsp: used(/^DSPs$/), bram18: 2 * used(/^Block RAM Tile$/) };
}

/**
 * hls4ml's test_report design (fastmachinelearning/hls4ml test/pytest/test_report.py): Keras Dense(5,
 * input_shape=(16,), activation='relu'), default config (ap_fixed<16,6> = AP_TRN/AP_WRAP, reuse 1, latency
 * strategy), io_stream, xc7z020clg400-1 at 5 ns. Its weights were Keras' unseeded glorot_uniform draw and are not
 * published: the same distribution (uniform in ±sqrt(6 / (16 + 5)), zero bias) from a fixed seed stands in.
 */
function hls4mlTestReportModel(file: string): string {
  const rnd = mulberry32(20230318);
  const limit = Math.sqrt(6 / (16 + 5));
  buildModel({
    inputs: [{ name: 'fc1_input', dims: [1, 16] }], outputs: [{ name: 'y' }],
    initializers: [
      { name: 'W', dims: [16, 5], values: Array.from({ length: 80 }, () => (2 * rnd() - 1) * limit) },
      { name: 'b', dims: [5], values: [0, 0, 0, 0, 0] },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['fc1_input', 'W'], outputs: ['h'] },
      { op: 'Add', inputs: ['h', 'b'], outputs: ['z'] },
      { op: 'Relu', inputs: ['z'], outputs: ['y'] },
    ],
  }, file);
  return file;
}

export interface Compared {
  readonly name: string;
  readonly what: string;
  readonly plan: Plan;
  readonly csynth: SynthesisReport;
  readonly rows: readonly Row[];
}

/** Builds the reproducible designs and compares; throws when the shared reports are missing. */
export function compareEstimates(): Compared[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-estval-'));
  try {
    const name = 'hls4ml-test-report';
    const csynth = parseCsynthFile(path.join(REPORTS, name, 'myproject_csynth.xml'));
    const synth = parseVivadoUtilization(readFileSync(path.join(REPORTS, name, 'vivado_synth.rpt'), 'utf8'));
    const design = compileModel(hls4mlTestReportModel(path.join(dir, 'fc1.onnx')), { precision: 'ap_fixed<16,6,AP_TRN,AP_WRAP>' }).design;
    // hls4ml's reuse factor 1 is every product its own multiplier: fpgac's pipelined schedule.
    const { plan } = planDesign(design, resolveBoard('pynq-z2'), { clockMHz: 1000 / csynth.clockNs, schedule: 'pipelined' });
    const t = plan.totals;
    const rows: Row[] = [
      { report: name, source: 'csynth', quantity: 'latency', real: csynth.latencyMax, estimated: t.latencyCycles },
      { report: name, source: 'csynth', quantity: 'interval', real: csynth.intervalMax, estimated: t.iiCycles },
      ...(['dsp', 'lut', 'ff', 'bram18'] as const).map((q) => ({ report: name, source: 'csynth', quantity: q, real: csynth.resources[q], estimated: t[q] })),
      ...(['dsp', 'lut', 'ff', 'bram18'] as const).map((q) => ({ report: name, source: 'Vivado synthesis', quantity: q, real: synth[q], estimated: t[q] })),
    ];
    return [{ name, what: 'hls4ml test_report: Dense(16 -> 5) + ReLU, ap_fixed<16,6>, reuse 1, io_stream, xc7z020clg400-1 at 5 ns', plan, csynth, rows }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** estimated / real, as the table shows it ('exact' when both are 0, '—' when only the real one is). */
export function ratioText(r: Row): string {
  if (r.real === 0) return r.estimated === 0 ? 'exact' : '—';
  return (r.estimated / r.real).toFixed(2);
}

/**
 * Bounds the test holds the reproducible rows to, per quantity (ratio estimated/real against csynth), where the
 * model aims at what csynth reports; FF and latency/interval are listed without a bound (see the doc's notes).
 */
export const BOUNDS: Readonly<Partial<Record<Quantity, readonly [number, number]>>> = { dsp: [0.8, 1.25], lut: [0.5, 2] };

const NOT_REPRODUCIBLE: readonly { name: string; what: string; why: string }[] = [
  {
    name: 'pruned_cnn',
    what: 'hls4ml tutorial CNN (three Conv2D of 16, 16, 24 filters with pooling, Dense 42 and 64, Dense 10 + softmax; ap_fixed<16,6>, io_stream), pruned, Vivado HLS 2020.1, xcu250 at 5 ns',
    why: 'its trained, pruned weights are not in ../shared/models (no ONNX or Keras file of this network there); with pruned weights the DSP count is decided by which weights are zero (fpgac folds zero products away, HLS drops them), so a stand-in with other weights would compare two different designs; its per-layer reuse factors and precisions are in the tutorial\'s config, not in the report',
  },
  {
    name: 'quantized_pruned_cnn',
    what: 'the same CNN quantization-aware trained (QKeras in the tutorial) and pruned, with batch normalization layers kept (the normalize instances), Vivado HLS 2020.1, xcu250 at 5 ns',
    why: 'as pruned_cnn: no model file with its weights is available, and the weight bit widths (which set the multiplier sizes) are not in the report: its instance names carry only the stream types',
  },
];

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(0)}%`;
}

/** docs/estimates.md. */
export function renderEstimatesDoc(compared: readonly Compared[]): string {
  const lines = [
    '# fpgac estimates against real HLS reports',
    '',
    '<!-- Generated by test/plan/estimate-validation.ts (FPGAC_UPDATE_DOCS=1 npx vitest run test/plan/estimate-validation.test.ts); the test checks this file is its output. -->',
    '',
    'Every resource and latency figure in an fpgac report is an **estimate** made before any HLS run (the model is',
    'stated in each report: `plan.estimateModel`). This page compares it with real Vivado HLS results: every report in',
    '`../shared/hls-reports` whose design fpgac can rebuild is rebuilt with matching settings (network, precision,',
    'parallelism, part, clock) and fpgac\'s estimate is set beside the report. Ratio = fpgac estimate / real; error =',
    'ratio - 1. `csynth` is Vivado HLS\'s own estimate after C synthesis; `Vivado synthesis` is the post-synthesis',
    'utilization of the same project (closer to what the chip gets).',
    '',
    '| report | source | quantity | real | fpgac estimate | ratio | error |',
    '|---|---|---|---|---|---|---|',
    ...compared.flatMap((c) => c.rows.map((r) => `| ${r.report} | ${r.source} | ${r.quantity}${r.quantity === 'latency' || r.quantity === 'interval' ? ' (cycles)' : ''} | ${r.real} | ${r.estimated} | ${ratioText(r)} | ${r.real ? pct(r.estimated / r.real - 1) : ''} |`)),
    '',
    `Bounds the test holds csynth rows to (ratio): ${Object.entries(BOUNDS).map(([q, b]) => `${q} ${b![0]} to ${b![1]}`).join(', ')}. No bound for FF, latency and interval: see below.`,
    '',
  ];
  for (const c of compared) {
    const t = c.plan.timing;
    lines.push(
      `## ${c.name}`,
      '',
      `Design: ${c.what}. Report: ${c.csynth.tool}, ${c.csynth.part}, target ${c.csynth.clockNs} ns (estimated ${c.csynth.estimatedClockNs} ns).`,
      '',
      `fpgac: the same network built from ONNX at \`ap_fixed<16,6,AP_TRN,AP_WRAP>\` (what hls4ml\'s \`ap_fixed<16,6>\` means), ` +
      `${c.plan.schedule} schedule (hls4ml\'s reuse factor 1: every product its own multiplier) on ${c.plan.board.part} at ${c.plan.clockMHz} MHz` +
      `${t ? `, ${t.family} delays with ${t.budgetNs.toFixed(3)} ns of logic a cycle` : ''}.`,
      '',
      'What differs, and why the ratios are what they are:',
      '',
      '- Weights: hls4ml\'s test drew Keras\' default glorot_uniform weights without a seed and did not publish them; fpgac\'s',
      '  build uses the same distribution from a fixed seed. DSP counts depend on the values: fpgac counts one DSP per',
      '  product whose weight is neither 0 nor ±2^k (here ' + `${c.plan.totals.dsp} of 80` + '); HLS also builds some constant',
      '  multiplications with few set bits from LUTs (73 DSP in csynth, 66 after Vivado synthesis).',
      '- Interface: the report is hls4ml\'s `io_stream` build (AXI-Stream ports; a dataflow region of a dense and a relu',
      '  function joined by FIFOs: latency 10, interval 8; the dense function alone 7 and 7); fpgac estimates its core',
      '  with array ports, one pipeline at II = 1. Latency and interval are not the same quantity on both sides and',
      '  carry no bound.',
      '- Flip-flops: csynth counts the registers HLS allocates before logic optimization (7,969);',
      '  Vivado synthesis keeps 2,428. fpgac counts only the bits alive at its modelled pipeline registers, which',
      '  undercounts both: FF is the weakest part of the model.',
      '',
    );
  }
  lines.push('## Reports fpgac cannot reproduce', '');
  for (const n of NOT_REPRODUCIBLE) lines.push(`- **${n.name}**: ${n.what}. Not compared: ${n.why}.`);
  lines.push('');
  return lines.join('\n');
}
