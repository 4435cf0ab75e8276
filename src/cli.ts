/**
 * @fileoverview `fpgac` command line: commander wiring only. Exit codes: 0 success, 2 bad input or unsupported
 * model (one diagnostic line per problem on stderr, no stack trace), 3 `verify` thresholds not met, 1 internal
 * error.
 */
import { rateText } from './util/rate.js';
import path from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { DiagnosticError, formatDiagnostic } from './diagnostics.js';
// Command modules are imported inside their actions, so a command loads only what it needs (module loading is
// most of a short run's start-up time).
import { exampleModel } from './paths.js';
import { VERSION } from './version.js';
import { parseLimits, type Limits } from './limits.js';
import { terminalText } from './util/escape.js';
import { writeText } from './util/stdio.js';
import { parseMaxUtilization } from './plan/totals.js';
import type { UtilizationBudget } from './plan/types.js';

interface Io {
  out(s: string): void;
  err(s: string): void;
}

/** A command that ran but whose result is a failure with its own exit code (verify thresholds: 3). */
class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const defaultIo: Io = { out: (s) => writeText(1, s + '\n'), err: (s) => writeText(2, s + '\n') };

/** `--config FILE`: {"layers": {"name": {"reuse": N}}}; anything malformed is a diagnostic. */
function readReuseConfig(file: string): Map<string, number> {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DiagnosticError([{ code: 'FPGAC005', message: `--config '${file}': ${(e as Error).message}` }]);
  }
  const bad = (message: string) => new DiagnosticError([{ code: 'FPGAC005', message: `--config '${file}': ${message}` }]);
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw bad('expected {"layers": {"<name>": {"reuse": N}}}');
  // A key fpgac does not know is an error, not a silent no-op: a misspelt setting would otherwise be ignored.
  const unknown = Object.keys(j).filter((k) => k !== 'layers');
  if (unknown.length) throw bad(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: "layers")`);
  const layers = (j as { layers?: Record<string, Record<string, unknown>> }).layers;
  if (!layers || typeof layers !== 'object' || Array.isArray(layers)) throw bad('expected {"layers": {"<name>": {"reuse": N}}}');
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(layers)) {
    if (!v || typeof v !== 'object' || !Number.isInteger(v.reuse) || (v.reuse as number) < 1) throw bad(`layer '${k}' needs a positive integer "reuse"`);
    const extra = Object.keys(v).filter((x) => x !== 'reuse');
    if (extra.length) throw bad(`layer '${k}': unknown key${extra.length > 1 ? 's' : ''} ${extra.map((x) => `"${x}"`).join(', ')} (known: "reuse")`);
    m.set(k, v.reuse as number);
  }
  return m;
}

/** --max-utilization as fractions per resource; a malformed one is a one-line FPGAC005. */
function utilizationOf(spec: string): Partial<UtilizationBudget> {
  try {
    return parseMaxUtilization(spec);
  } catch (e) {
    throw new DiagnosticError([{ code: 'FPGAC005', message: (e as Error).message }]);
  }
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function compileFlags(cmd: Command): Command {
  return cmd
    .option('--precision <format>', "default format of weights and activations, e.g. 'ap_fixed<16,6>' (rounding AP_RND_CONV and saturation AP_SAT unless given), or 'auto' (with --calibrate: the narrowest width keeping --min-agreement)")
    .option('--per-tensor-weights', 'with --calibrate: one weight format per tensor (default: per output channel where a layer benefits)')
    .option('--min-agreement <fraction>', 'with --precision auto: top-1 agreement with the float model to keep (default 0.99)')
    .option('--calibrate <file>', 'calibration samples (.npy/.pb, first axis = samples; repeat per graph input): every activation keeps the precision width with the fewest integer bits that do not saturate on them; weights and biases get formats from their values', collect, [])
    .option('--calibrate-margin <bits>', 'extra integer bits on every calibrated activation format (default 0)')
    // Parsed as given (FPGAC005 for an unknown key or a value that is not a positive integer); later ones win.
    .option('--limit <key=value>', 'raise or lower a resource limit (repeatable): elements (per tensor, default 16777216), constant-bytes (1073741824), loop-depth (4), loop-trips (1000000), nodes (100000), fold-ops (268435456, work constant folding may do on one node)', (v: string, prev: Partial<Limits>) => ({ ...prev, ...parseLimits([v]) }), {});
}

/** The options that change the design; `sim DIR` and `verify DIR` run a design already built, so they refuse them. */
const DESIGN_FLAGS: Readonly<Record<string, string>> = {
  precision: '--precision', perTensorWeights: '--per-tensor-weights', calibrate: '--calibrate', calibrateMargin: '--calibrate-margin', limit: '--limit',
};

/**
 * Design options given on the command line with a build folder as target: they cannot change a design already
 * built, so they are an error (FPGAC005) instead of a silent no-op. `--min-agreement` is verify's threshold too.
 */
function refuseDesignFlagsForDir(cmd: Command, target: string, allow: readonly string[] = []): void {
  if (!existsSync(target) || !statSync(target).isDirectory()) return;
  const given = Object.keys(DESIGN_FLAGS).filter((k) => !allow.includes(k) && cmd.getOptionValueSource(k) === 'cli');
  if (cmd.getOptionValueSource('minAgreement') === 'cli' && !allow.includes('minAgreement')) given.push('minAgreement');
  if (given.length) {
    const flags = given.map((k) => DESIGN_FLAGS[k] ?? '--min-agreement').join(', ');
    throw new DiagnosticError([{ code: 'FPGAC005', message: `${flags} cannot change the design in the build folder '${target}'`, hint: 'run it on the model (fpgac sim MODEL.onnx ...), or rebuild the folder with these options' }]);
  }
}

/** --calibrate-margin as a number (compileModel validates it). */
function agreementOf(o: { minAgreement?: string }): number | undefined {
  return o.minAgreement === undefined ? undefined : Number(o.minAgreement);
}

function marginOf(o: { calibrateMargin?: string }): number | undefined {
  return o.calibrateMargin === undefined ? undefined : Number(o.calibrateMargin);
}

export function makeProgram(io: Io): Command {
  const program = new Command('fpgac')
    .description('Compile compressed ONNX networks into bit-exact HLS C++ projects for Xilinx FPGAs')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  compileFlags(program.command('build').argument('[model]', 'ONNX model (default: the bundled dsODENet example)'))
    .description('compile a model into an HLS project directory')
    .option('-o, --output <dir>', 'build directory', 'fpgac-out')
    .option('--board <name>', 'target board (zcu104, zcu102, ultra96v2, kv260, pynq-z2, u50, u250)', 'zcu104')
    .option('--part <part>', 'FPGA part number (overrides the board part)')
    .option('--clock <MHz>', 'clock frequency in MHz (default: the board default)')
    .option('--top <name>', 'name of the HLS top function', 'fpgac_top')
    .option('--input <file>', 'input .npy/.pb for the default C-simulation run (repeat per graph input)', collect, [])
    .option('--json', 'print the report as JSON')
    .option('--allow-overflow', 'write the project even when the estimate exceeds the board')
    .option('--hls-tool <tool>', 'vitis (Vitis HLS 2020.2+, BIND_STORAGE) or vivado (Vivado HLS 2019.x/2020.1, RESOURCE)', 'vitis')
    .option('--target-fps <n>', 'add parallelism only until this many inferences per second (default: the best throughput that fits)')
    .option('--max-utilization <spec>', 'share of the device the planner may fill: a percentage for every resource (75) or per resource (dsp=80,lut=70; resources dsp, lut, ff, bram, uram); default 80% each, 70% LUT on parts under 100k LUTs')
    .option('--schedule <mode>', 'sequential (layers one after another), pipelined (the whole design one pipeline at II=1), dataflow (layers and loop regions as concurrent processes: II = the slowest), or auto: pipelined when it fits', 'auto')
    .option('--weights <where>', 'where MAC weights live: auto (on chip, streaming from DDR only the largest layers needed to keep within the memory budget), chip, or ddr (every conv and dense layer streams its weights; sequential schedule)', 'auto')
    .option('--config <file>', 'JSON configuration: {"layers": {"<layer or ONNX node>": {"reuse": N}}}')
    .option('--synth', 'run vitis_hls/vivado_hls csynth after writing the project and merge its report (needs the tool on PATH)')
    .option('--force', 'replace the output folder even when fpgac did not write it, or its files were changed since')
    .option('--fpga-from <node>', 'with --fpga-to: the first node the FPGA runs (repeatable); the nodes before it go to host/head.onnx', collect, [])
    .option('--fpga-to <node>', 'with --fpga-from: the last node the FPGA runs (repeatable); the nodes after it go to host/tail.onnx', collect, [])
    .option('--interface <kind>', 'how the IP meets the system: axis (AXI4-Stream + DMA; default on Zynq boards), m_axi (memory-mapped; default on Alveo) or memory (the core\'s arrays)')
    .action(async (model: string | undefined, o) => {
      const { buildProject } = await import('./build.js');
      const file = model ?? exampleModel();
      if (o.hlsTool !== 'vitis' && o.hlsTool !== 'vivado') throw new DiagnosticError([{ code: 'FPGAC005', message: `--hls-tool '${o.hlsTool}' is not one of vitis, vivado` }]);
      const clock = o.clock === undefined ? undefined : Number(o.clock);
      if (clock !== undefined && !(clock >= 1 && clock <= 1000)) throw new DiagnosticError([{ code: 'FPGAC005', message: `--clock '${o.clock}' is not a clock frequency from 1 to 1000 MHz` }]);
      if (!['auto', 'sequential', 'pipelined', 'dataflow'].includes(o.schedule)) throw new DiagnosticError([{ code: 'FPGAC005', message: `--schedule '${o.schedule}' is not one of auto, sequential, pipelined, dataflow` }]);
      if (!['auto', 'chip', 'ddr'].includes(o.weights)) throw new DiagnosticError([{ code: 'FPGAC005', message: `--weights '${o.weights}' is not one of auto, chip, ddr` }]);
      if (o.interface !== undefined && !['axis', 'm_axi', 'memory'].includes(o.interface)) throw new DiagnosticError([{ code: 'FPGAC005', message: `--interface '${o.interface}' is not one of axis, m_axi, memory` }]);
      const targetFps = o.targetFps === undefined ? undefined : Number(o.targetFps);
      if (targetFps !== undefined && !(targetFps > 0)) throw new DiagnosticError([{ code: 'FPGAC005', message: `--target-fps '${o.targetFps}' is not a positive number` }]);
      const maxUtilization = o.maxUtilization === undefined ? undefined : utilizationOf(o.maxUtilization);
      const r = buildProject(file, o.output, {
        precision: o.precision, board: o.board, part: o.part, clockMHz: clock, top: o.top, inputs: o.input.length ? o.input : undefined,
        calibrate: o.calibrate.length ? o.calibrate : undefined, calibrateMargin: marginOf(o), minAgreement: agreementOf(o), perTensorWeights: !!o.perTensorWeights,
        allowOverflow: !!o.allowOverflow, hlsTool: o.hlsTool, targetFps, reuse: o.config ? readReuseConfig(o.config) : undefined, synth: !!o.synth,
        schedule: o.schedule, force: !!o.force, alsoReads: o.config ? [o.config] : [], limits: o.limit, interface: o.interface,
        fpgaFrom: o.fpgaFrom, fpgaTo: o.fpgaTo, maxUtilization, weightsFrom: o.weights,
      });
      for (const n of r.repaired) io.err(`fpgac: note: ${n}`);
      if (o.json) {
        io.out(JSON.stringify(r.report, null, 2));
        return;
      }
      const rel = path.relative(process.cwd(), r.dir) || '.';
      io.out(`fpgac: built ${path.basename(file)} -> ${rel}/ (${r.report.totals.layers} layers, ${r.report.totals.params} params, ${r.report.totals.macs} MACs) in ${r.seconds.toFixed(2)} s`);
      io.out(`  part ${r.board.part} (${r.board.name}), top function ${r.compiled.design.name}, precision ${r.compiled.design.precision}`);
      const p = r.report.plan!;
      const pct = (u: number) => `${(100 * u).toFixed(1)}%`;
      io.out(`  estimate: ${p.totals.dsp} DSP (${pct(p.utilization.dsp)}), ${p.totals.bram18} BRAM18 (${pct(p.utilization.bram18)}), ${p.totals.uram} URAM, ${p.totals.lut} LUT (${pct(p.utilization.lut)}), ${p.totals.ff} FF; latency ${p.totals.latencyCycles} cycles = ${p.totals.latencyUs < 1 ? `${(1000 * p.totals.latencyUs).toFixed(0)} ns` : `${p.totals.latencyUs.toFixed(1)} us`} at ${p.clockMHz} MHz, II ${p.totals.iiCycles}${p.schedule === 'sequential' ? '' : ` (${p.schedule})`}${p.fits ? (p.verdict === 'over-budget' ? ' — over the --max-utilization budget' : '') : ' — DOES NOT FIT (--allow-overflow)'}`);
      const itf = r.report.interface;
      if (itf && itf.kind !== 'memory') io.out(`  interface: ${itf.kind}, ${itf.busBits}-bit words, ${itf.ports.map((q) => `${q.port} ${q.wordsPerSample}`).join(' + ')} words per sample; end to end ${itf.endToEndUs < 1 ? `${(1000 * itf.endToEndUs).toFixed(0)} ns` : `${itf.endToEndUs.toFixed(1)} us`} a sample, ${rateText(itf.endToEndFps)} samples/s (the core alone ${rateText(itf.computeFps)}/s)`);
      io.out(`  HLS project: ${rel}/build_prj.tcl (vitis_hls -f build_prj.tcl)`);
      io.out(`  C-simulation: make -C ${rel} csim`);
      io.out(`  report:      ${rel}/report.md, ${rel}/report.html, ${rel}/report.json`);
      if (existsSync(path.join(r.dir, 'build_bd.tcl'))) io.out(`  bitstream:   make -C ${rel} bitstream (needs Vitis HLS and Vivado), then driver/fpgac_driver.py on the board`);
      if (r.kept.length) io.out(`  kept from the previous build folder (not fpgac's): ${r.kept.slice(0, 4).join(', ')}${r.kept.length > 4 ? `, ... (${r.kept.length})` : ''}`);
      for (const w of r.report.warnings ?? []) io.err(`fpgac: warning: ${w}`);
      if (p.synthesis) io.out(`  HLS (${p.synthesis.tool}): latency ${p.synthesis.latencyMax} cycles, ${p.synthesis.resources.dsp} DSP, ${p.synthesis.resources.bram18} BRAM18, ${p.synthesis.resources.lut} LUT`);
    });

  compileFlags(program.command('sim').argument('<target>', 'build directory or ONNX model'))
    .description('run the design bit-exactly (or the float reference with --float) on input files')
    .option('--input <file>', '.npy or .pb input, first axis = batch (repeat per graph input; none for a model without inputs)', collect, [])
    .requiredOption('-o, --output <file>', 'output .npy (float64; further outputs go to OUT.1.npy, ...)')
    .option('--float', 'run the float reference instead of the fixed-point design')
    .option('--trace <dir>', "write every layer's output to DIR/<tensor>.npy (runs one sample at a time)")
    .option('--threads <n>', 'threads for a fixed-point run (default: all cores when the batch is long enough to pay for them; the bits are the same)')
    .action(async (target: string, o, cmd: Command) => {
      const threads = o.threads === undefined ? undefined : Number(o.threads);
      if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) throw new DiagnosticError([{ code: 'FPGAC005', message: `--threads '${terminalText(String(o.threads))}': expected a whole number from 1 to 256` }]);
      const { runSim } = await import('./commands/sim.js');
      // A build folder without --float needs only its design.json: the compiler is not loaded.
      const dirOnly = !o.float && existsSync(target) && statSync(target).isDirectory();
      const { loadTarget } = dirOnly ? await import('./design-file.js').then(({ readDesignFile }) => ({ loadTarget: (t: string, opts: { limits?: Partial<Limits> }) => ({ design: readDesignFile(t, opts.limits) }) })) : await import('./commands/sim-target.js');
      refuseDesignFlagsForDir(cmd, target);
      const t = loadTarget(target, { precision: o.precision, calibrate: o.calibrate.length ? o.calibrate : undefined, calibrateMargin: marginOf(o), minAgreement: agreementOf(o), perTensorWeights: !!o.perTensorWeights, limits: o.limit }, !!o.float);
      const r = runSim(t, { inputs: o.input, output: o.output, float: o.float, trace: o.trace, threads });
      io.out(`fpgac: ${o.float ? 'float reference' : 'fixed-point simulation'} of ${r.samples} sample(s) -> ${terminalText(o.output)} (${(r.samples / Math.max(r.seconds, 1e-9)).toFixed(0)} inferences/s${r.threads > 1 ? ` on ${r.threads} threads` : ''})`);
      if (r.saturated.length) {
        const total = r.saturated.reduce((a, x) => a + x.values, 0);
        const list = r.saturated.slice(0, 5).map((x) => `'${x.onnxName}' ${x.values} of ${x.of}`).join(', ');
        io.err(`fpgac: warning: ${total} value(s) saturated (at the limit of their format) in ${r.saturated.length} tensor(s): ${list}${r.saturated.length > 5 ? ', ...' : ''}; the outputs may differ from the float model: build with --calibrate, or see where with fpgac verify`);
      }
    });

  compileFlags(program.command('verify').argument('<target>', 'build directory or ONNX model'))
    .description('fixed-point design vs float model per layer and per output: max error, SQNR, saturation, top-1 agreement')
    .option('--input <file>', '.npy or .pb input, first axis = batch (repeat per graph input; none for a model without inputs)', collect, [])
    .option('--reference <file>', 'integer labels (accuracy) or float reference outputs (agreement) for the first output')
    .option('--min-sqnr <dB>', 'exit 3 when an output\'s SQNR against the float model is below this (and with --min-agreement: its top-1 agreement below that)')
    .option('--json', 'print JSON')
    .action(async (target: string, o, cmd: Command) => {
      const { renderVerify, runVerify, thresholdFailures } = await import('./commands/verify.js');
      refuseDesignFlagsForDir(cmd, target, ['minAgreement']);
      const minSqnrDb = o.minSqnr === undefined ? undefined : Number(o.minSqnr);
      if (minSqnrDb !== undefined && !Number.isFinite(minSqnrDb)) throw new DiagnosticError([{ code: 'FPGAC005', message: `--min-sqnr '${o.minSqnr}' is not a number of dB` }]);
      const minAgreement = agreementOf(o);
      if (minAgreement !== undefined && !(minAgreement >= 0 && minAgreement <= 1)) throw new DiagnosticError([{ code: 'FPGAC005', message: `--min-agreement '${o.minAgreement}' is not a fraction between 0 and 1` }]);
      // --min-agreement is also the precision search's target with --precision auto; otherwise only a threshold.
      const r = runVerify(target, { precision: o.precision, calibrate: o.calibrate.length ? o.calibrate : undefined, calibrateMargin: marginOf(o), minAgreement: o.precision === 'auto' ? minAgreement : undefined, perTensorWeights: !!o.perTensorWeights, inputs: o.input, reference: o.reference, limits: o.limit });
      const failed = thresholdFailures(r, { minAgreement, minSqnrDb });
      io.out(o.json ? JSON.stringify({ ...r, ...(minAgreement !== undefined || minSqnrDb !== undefined ? { thresholds: { minAgreement, minSqnrDb, failed } } : {}) }, null, 2) : renderVerify(r));
      if (failed.length) {
        for (const f of failed) io.err(`fpgac: verify: ${f}`);
        throw new ExitCode(3);
      }
    });

  program.command('inspect').argument('<model>', 'ONNX model')
    .description('ops, shapes, parameters, MACs, sparsity, shared weights and unsupported ops')
    .option('--json', 'print JSON')
    .action(async (model: string, o) => {
      const { inspectModel, renderInspection } = await import('./commands/inspect.js');
      const r = inspectModel(model);
      io.out(o.json ? JSON.stringify(r, null, 2) : renderInspection(r));
    });
  return program;
}

/**
 * Every line the CLI prints goes through `terminalText`: names from a model (and anything commander echoes) may
 * hold escape sequences that would rewrite the screen or fake a result. JSON output is unchanged in meaning: C0
 * controls are already escaped by JSON.stringify, and the others become `\uXXXX`, a JSON escape of themselves.
 */
function safeIo(io: Io): Io {
  return { out: (s) => io.out(terminalText(s)), err: (s) => io.err(terminalText(s)) };
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: string[], rawIo: Io = defaultIo): Promise<number> {
  const io = safeIo(rawIo);
  const program = makeProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      return 2; // commander already printed its one-line message
    }
    if (e instanceof DiagnosticError) {
      for (const d of e.diagnostics) io.err(formatDiagnostic(d));
      return 2;
    }
    if (e instanceof ExitCode) return e.code;
    io.err(`internal error: ${(e as Error).message}`);
    if (process.env.FPGAC_DEBUG) io.err((e as Error).stack ?? '');
    return 1;
  }
}
