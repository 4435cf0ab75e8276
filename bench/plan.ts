/**
 * @fileoverview `npm run bench:plan`: the hardware plans behind issue 14's targets, printed side by side (estimates,
 * not synthesis results: no Vivado runs here). Each row plans a model for a board with the default utilization
 * budget and prints its resources, interval and throughput, and the target it is held to.
 *
 * - dsodenet-digits on ZCU104, sequential and dataflow: ≥ 30,000 inferences/s (5× the 6,050/s the plan gave with
 *   output-channel engines only, on commit 3f2e445).
 * - TFC_2W2A (2-bit weights and activations) on PYNQ-Z2: ≤ 10% of the DSPs, LUT cost stated.
 * - MobileNetV2-224 (16 and 8 bits) and ResNet18 on ZCU104 (part 4): built within the budget with their largest
 *   weights streamed from DDR (src/plan/stream.ts) and, for MobileNetV2 at 16 bits, its largest maps computed in row
 *   bands (src/plan/bands.ts); the streamed and DDR-bound layers are counted.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModel } from '../src/compile.js';
import { resolveBoard } from '../src/plan/boards.js';
import { planDesign } from '../src/plan/plan.js';
import { DiagnosticError } from '../src/diagnostics.js';
import type { Plan, Schedule } from '../src/plan/types.js';
import { mobileNetV2Spec, writeModel } from './models.js';
import { writeResNet18 } from './resnet.js';
import { rateText } from '../src/util/rate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const shared = path.resolve(root, '..', 'shared', 'models');

interface Row { readonly name: string; readonly model: string; readonly board: string; readonly schedule: Schedule; readonly target: string; readonly met: (p: Plan) => boolean; readonly precision?: string }

function main(): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-bench-plan-'));
  try {
    const mnv2 = path.join(tmp, 'mobilenetv2-224.onnx');
    writeModel(mobileNetV2Spec({ size: 224 }), mnv2);
    const resnet = path.join(tmp, 'resnet18.onnx');
    writeResNet18(resnet);
    const ds = path.join(root, 'examples', 'dsodenet-digits', 'model.onnx');
    const fps = (n: number) => (p: Plan) => p.totals.throughputFps >= n && p.verdict === 'within-budget';
    const dsp = (share: number) => (p: Plan) => p.totals.dsp <= share * p.board.dsp;
    const rows: Row[] = [
      { name: 'dsodenet-digits', model: ds, board: 'zcu104', schedule: 'sequential', target: '>= 30,000/s within budget', met: fps(30000) },
      { name: 'dsodenet-digits', model: ds, board: 'zcu104', schedule: 'dataflow', target: '>= 30,000/s within budget', met: fps(30000) },
      { name: 'TFC_2W2A', model: path.join(shared, 'qonnx-zoo', 'TFC_2W2A', 'model.onnx'), board: 'pynq-z2', schedule: 'sequential', target: '<= 10% DSP', met: dsp(0.1) },
      { name: 'MobileNetV2-224', model: mnv2, board: 'zcu104', schedule: 'sequential', target: 'builds (weights from DDR)', met: (p) => p.verdict === 'within-budget' },
      { name: 'MobileNetV2-224 8-bit', model: mnv2, board: 'zcu104', schedule: 'sequential', target: 'builds (weights from DDR)', met: (p) => p.verdict === 'within-budget', precision: 'ap_fixed<8,4>' },
      { name: 'ResNet18-224', model: resnet, board: 'zcu104', schedule: 'sequential', target: 'builds (weights from DDR)', met: (p) => p.verdict === 'within-budget' },
    ];
    console.log('fpgac bench: plans against issue 14 targets (estimates; default --max-utilization)');
    console.log('| model | board | schedule | DSP | LUT | BRAM18 | URAM | II (cycles) | inferences/s | weights from DDR (layers, DDR-bound) | maps in row bands | target | met |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      if (!existsSync(r.model)) { console.log(`| ${r.name} | ${r.board} | ${r.schedule} | model not found: ${r.model} |  |  |  |  |  |  |  | ${r.target} | skipped |`); continue; }
      try {
        const board = resolveBoard(r.board);
        const { plan: p, parallel } = planDesign(compileModel(r.model, r.precision ? { precision: r.precision } : {}).design, board, { schedule: r.schedule });
        const streamed = p.weightImage ? `${p.weightImage.layers}, ${p.layers.filter((l) => l.stream?.ddrBound).length}` : 'none';
        const pct = (a: number, b: number) => `${a} (${((100 * a) / Math.max(b, 1)).toFixed(1)}%)`;
        console.log(`| ${r.name} | ${r.board} | ${p.schedule} | ${pct(p.totals.dsp, board.dsp)} | ${pct(p.totals.lut, board.lut)} | ${pct(p.totals.bram18, board.bram18)} | ${pct(p.totals.uram, board.uram)} | ${p.totals.iiCycles} | ${rateText(p.totals.throughputFps)} | ${streamed} | ${[...parallel.values()].filter((q) => q.band?.role === 'reader').length} | ${r.target} | ${r.met(p) ? 'yes' : 'no'} |`);
      } catch (e) {
        const why = e instanceof DiagnosticError ? e.diagnostics[0].message : (e as Error).message;
        console.log(`| ${r.name} | ${r.board} | ${r.schedule} | refused: ${why.slice(0, 160)} |  |  |  |  |  |  |  | ${r.target} | no |`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
