/**
 * @fileoverview `npm run bench:csim`: how long the emitted project's `make csim` takes to compile, how much memory
 * g++ needs, how long the testbench runs, and whether it equals the simulator bit for bit.
 *
 * Per model: `fpgac build` (this package's CLI, in a child process), then `make -C DIR csim` with the project's own
 * Makefile and defaults (CXXFLAGS `-std=c++14 -O2`, fpgac's host ap_types headers unless --ap-include). The compile
 * is timed apart from the run by wrapping the compiler: `CXX='/usr/bin/time -a -o FILE -f "%e %M" g++'`, so every
 * compiler command the Makefile runs appends its wall seconds and its peak resident set (GNU time's %M: the largest
 * RSS of g++ and the cc1plus it waits for); compile s is their sum, peak MB their maximum. A second `make csim`
 * (binary up to date, nothing compiled) is the run alone. The Makefile's default run compares every output with the
 * simulator's (tb_data/sim_output*.npy) and exits non-zero on one differing bit: "bit-exact yes" is that exit 0.
 * A run killed by SIGSEGV is retried once under `ulimit -s unlimited` (large feature maps are arrays on the top
 * function's stack) and marked so. Without /usr/bin/time the compile time is the first make's time minus the
 * run's, and the peak is n/a. The Makefile compiles the sources as one translation unit (tb/csim_all.cpp); a third
 * `make csim CSIM_UNITY=0` compiles them one by one, as Vitis does, and runs that binary's bit-for-bit check too:
 * "per-source s" and the unit's speed-up over it (n/a for a project whose Makefile has no CSIM_UNITY, e.g. an older
 * checkout through --fpgac).
 *
 * Models: the bundled dsODENet example, every model under ../shared/models (hls4ml, qonnx-data, qonnx-zoo,
 * polygraphy, derived-hls4ml-keras; missing ones are skipped), a 1024×1024 dense layer and a MobileNetV2-shaped
 * network at 96×96 (bench/models.ts, built with --board u250 --allow-overflow). Targets: ≤ 20 s compile for the
 * shared models, ≤ 60 s and ≤ 2048 MB for the generated ones.
 *
 * Options: --only a,b (names containing a or b), --cxxflags '...' (CXXFLAGS for make), --ap-include DIR (the
 * official Xilinx ap_types include folder instead of the host headers), --timeout S per make (default 900),
 * --max-mb N virtual-memory cap per process (ulimit -v, default 12288), --fpgac ROOT (another fpgac checkout to
 * build with, e.g. the previous commit), --models DIR (default ../shared/models), --keep. Always exits 0: this is a report.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { packageRoot } from '../src/paths.js';
import { denseSpec, mobileNetV2Spec, paramCount, writeModel } from './models.js';

const { onnx } = onnxProto;

interface Spec {
  readonly name: string;
  readonly model: string;
  readonly args: readonly string[];
  /** Targets: compile seconds and (when set) peak MB. */
  readonly maxS: number;
  readonly maxMB?: number;
  readonly params?: number;
}

interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  readonly timedOut: boolean;
}

interface Row {
  readonly spec: Spec;
  readonly params: string;
  readonly buildS: number | null;
  readonly compileS: number | null;
  readonly peakMB: number | null;
  readonly runS: number | null;
  readonly exact: string;
  readonly note: string;
  /** The sources compiled one by one (CSIM_UNITY=0): g++ seconds, and whether that binary passed its check too. */
  readonly perSourceS: number | null;
}

const TIME = '/usr/bin/time';

/** Runs a command in its own process group; on timeout the whole group (make, g++, cc1plus) is killed. */
function run(cmd: string, args: readonly string[], opts: { cwd?: string; timeoutS: number }): Promise<Result> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { if (stdout.length < 1 << 20) stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < 1 << 20) stderr += d.toString(); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch { /* already gone */ }
    }, opts.timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - t0) / 1000, timedOut });
    });
  });
}

/** `sh -c` with resource limits, then the command (arguments passed as positional parameters, never re-parsed). */
function limited(limits: string, cmd: readonly string[]): [string, string[]] {
  return ['sh', ['-c', `${limits}; exec "$@"`, 'sh', ...cmd]];
}

/** Weight values of an ONNX model: the elements of its initializers (as the models' MANIFEST counts them). */
function onnxParams(file: string): number | string {
  try {
    const m = onnx.ModelProto.decode(readFileSync(file));
    return (m.graph?.initializer ?? []).reduce((n, t) => n + (t.dims ?? []).reduce((p: number, d) => p * Number(d), 1), 0);
  } catch {
    return '?';
  }
}

interface Options {
  only?: string[];
  cxxflags?: string;
  apInclude?: string;
  timeoutS: number;
  maxMB: number;
  root: string;
  models: string;
  keep: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { timeoutS: 900, maxMB: 12288, root: packageRoot(), models: path.resolve(packageRoot(), '..', 'shared', 'models'), keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--only') o.only = next().split(',').filter(Boolean);
    else if (a === '--cxxflags') o.cxxflags = next();
    else if (a === '--ap-include') o.apInclude = path.resolve(next());
    else if (a === '--timeout') o.timeoutS = Number(next());
    else if (a === '--max-mb') o.maxMB = Number(next());
    else if (a === '--fpgac') o.root = path.resolve(next());
    else if (a === '--models') o.models = path.resolve(next());
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function specs(shared: string, gen: string): Spec[] {
  const list: Spec[] = [
    { name: 'dsodenet-digits', model: path.join(packageRoot(), 'examples', 'dsodenet-digits', 'model.onnx'), args: [], maxS: 20 },
  ];
  for (const m of ['three_layer_keras', 'three_layer_pytorch', 'two_layer_keras', 'conv1d_small_keras', 'conv2d_small_keras', 'dense_big_keras']) {
    list.push({ name: `hls4ml/${m}`, model: path.join(shared, 'hls4ml', m, 'model.onnx'), args: [], maxS: 20 });
  }
  list.push({ name: 'qonnx-data/mnist-conv', model: path.join(shared, 'qonnx-data', 'mnist-conv', 'model.onnx'), args: [], maxS: 20 });
  for (const m of ['qkeras_jettagging', 'TFC_2W2A']) list.push({ name: `qonnx-zoo/${m}`, model: path.join(shared, 'qonnx-zoo', m, 'model.onnx'), args: [], maxS: 20 });
  for (const m of ['conv', 'sparse_conv', 'qdq_conv', 'loop']) list.push({ name: `polygraphy/${m}`, model: path.join(shared, 'polygraphy', m, 'model.onnx'), args: [], maxS: 20 });
  list.push({ name: 'derived-hls4ml-keras/KERAS_3layer_70pruned', model: path.join(shared, 'derived-hls4ml-keras', 'KERAS_3layer_70pruned_retrained', 'model.onnx'), args: [], maxS: 20 });
  const dense = denseSpec(1024, 1024);
  const mnv2 = mobileNetV2Spec({ size: 96 });
  const gen1 = path.join(gen, 'dense1024', 'model.onnx');
  const gen2 = path.join(gen, 'mobilenetv2-96', 'model.onnx');
  list.push({ name: 'gen/dense-1024x1024', model: gen1, args: ['--board', 'u250', '--allow-overflow'], maxS: 60, maxMB: 2048, params: paramCount(dense) });
  list.push({ name: 'gen/mobilenetv2-96', model: gen2, args: ['--board', 'u250', '--allow-overflow'], maxS: 60, maxMB: 2048, params: paramCount(mnv2) });
  return list.filter((s) => s.model.startsWith(gen) || existsSync(s.model));
}

function writeGenerated(gen: string, names: ReadonlySet<string>): void {
  if (names.has('gen/dense-1024x1024')) {
    mkdirSync(path.join(gen, 'dense1024'), { recursive: true });
    writeModel(denseSpec(1024, 1024), path.join(gen, 'dense1024', 'model.onnx'));
  }
  if (names.has('gen/mobilenetv2-96')) {
    mkdirSync(path.join(gen, 'mobilenetv2-96'), { recursive: true });
    writeModel(mobileNetV2Spec({ size: 96 }), path.join(gen, 'mobilenetv2-96', 'model.onnx'));
  }
}

async function benchOne(spec: Spec, o: Options, tmp: string): Promise<Row> {
  const dir = path.join(tmp, spec.name.replace(/[^A-Za-z0-9_.-]/g, '_'));
  const built = await run(process.execPath, [path.join(o.root, 'bin', 'fpgac.js'), 'build', spec.model, '-o', dir, ...spec.args], { timeoutS: o.timeoutS });
  const params = String(spec.params ?? onnxParams(spec.model));
  const empty = { spec, params, compileS: null, peakMB: null, runS: null, perSourceS: null };
  if (built.code !== 0) return { ...empty, buildS: null, exact: 'n/a', note: `build failed: ${(built.stderr.trim().split('\n')[0] ?? '').slice(0, 160)}` };
  const vars: string[] = [];
  if (o.cxxflags !== undefined) vars.push(`CXXFLAGS=${o.cxxflags}`);
  if (o.apInclude) vars.push(`AP_TYPES_INCLUDE=${o.apInclude}`);
  const hasTime = existsSync(TIME);
  const limits = `ulimit -v ${Math.round(o.maxMB * 1024)} 2>/dev/null`;
  // make csim with every compiler command timed (see the file comment): the make's result, g++ seconds, peak MB.
  const timedMake = async (more: readonly string[]): Promise<{ r: Result; gxxS: number; peakMB: number | null }> => {
    const timeFile = path.join(tmp, 'time.txt');
    writeFileSync(timeFile, '');
    const cxx = hasTime ? [`CXX=${TIME} -a -o ${timeFile} -f '%e %M' g++`] : [];
    const r = await run(...limited(limits, ['make', '-s', '-C', dir, 'csim', ...cxx, ...vars, ...more]), { timeoutS: o.timeoutS });
    const times = readFileSync(timeFile, 'utf8').split('\n').map((l) => /^([\d.]+) (\d+)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null);
    return { r, gxxS: times.reduce((s, m) => s + Number(m[1]), 0), peakMB: times.length ? Math.max(...times.map((m) => Number(m[2]) / 1024)) : null };
  };
  const { r: first, gxxS, peakMB } = await timedMake([]);
  if (first.timedOut) return { ...empty, buildS: built.seconds, compileS: null, exact: 'n/a', note: `make csim killed after ${o.timeoutS} s (compile not finished)` };
  const buildDir = path.join(dir, 'build');
  const binary = existsSync(buildDir) && readdirSync(buildDir).some((f) => f.startsWith('tb_'));
  if (!binary) {
    const oom = /out of memory|virtual memory exhausted|std::bad_alloc|Cannot allocate memory/i.test(first.stderr);
    const why = oom ? `out of memory at the ${o.maxMB} MB cap (ulimit -v)` : (first.stderr.trim().split('\n').slice(-1)[0] ?? '').slice(0, 200);
    return { ...empty, buildS: built.seconds, compileS: hasTime ? gxxS : first.seconds, peakMB, exact: 'n/a', note: `compile failed after ${(hasTime ? gxxS : first.seconds).toFixed(0)} s: ${why}` };
  }
  // The run alone (the binary is up to date), in the default stack; a SIGSEGV is retried with an unlimited stack.
  let again = await run(...limited(limits, ['make', '-s', '-C', dir, 'csim', ...vars]), { timeoutS: o.timeoutS });
  let note = '';
  const segv = (r: Result) => /Segmentation fault|signal 11|SIGSEGV/i.test(r.stderr) || r.signal === 'SIGSEGV';
  if (again.code !== 0 && segv(again)) {
    again = await run(...limited(`${limits}; ulimit -s unlimited 2>/dev/null`, ['make', '-s', '-C', dir, 'csim', ...vars]), { timeoutS: o.timeoutS });
    note = 'run needs a large stack (ulimit -s unlimited): feature maps are arrays on the top function\'s stack';
  }
  const compileS = hasTime ? gxxS : Math.max(0, first.seconds - again.seconds);
  let exact = again.code === 0 ? (note ? 'yes*' : 'yes') : 'NO';
  if (again.code !== 0 && !note) note = (again.stdout + again.stderr).trim().split('\n').slice(-1)[0] ?? '';
  let perSourceS: number | null = null;
  if (hasTime && readFileSync(path.join(dir, 'Makefile'), 'utf8').includes('CSIM_UNITY')) {
    const sep = await timedMake(['CSIM_UNITY=0']);
    perSourceS = sep.r.timedOut ? null : sep.gxxS;
    if (sep.r.code !== 0 && !(note && segv(sep.r))) {
      exact = 'NO';
      note ||= `per-source build: ${(sep.r.stdout + sep.r.stderr).trim().split('\n').slice(-1)[0] ?? ''}`;
    }
  }
  return { spec, params, buildS: built.seconds, compileS, peakMB, runS: again.seconds, exact, note, perSourceS };
}

function table(rows: readonly Row[]): string[] {
  const head = ['model', 'params', 'build s', 'compile s', 'per-source s', 'speed-up', 'peak MB', 'run s', 'bit-exact', 'target'];
  const f = (x: number | null, d = 1) => (x === null ? 'n/a' : x.toFixed(d));
  const body = rows.map((r) => {
    if (r.buildS === null) return [r.spec.name, r.params, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a (not built)'];
    const ok = r.compileS !== null && r.compileS <= r.spec.maxS && (r.spec.maxMB === undefined || (r.peakMB !== null && r.peakMB <= r.spec.maxMB));
    const target = `${ok ? 'ok' : 'MISS'} (≤ ${r.spec.maxS} s${r.spec.maxMB ? `, ≤ ${r.spec.maxMB} MB` : ''})`;
    const speedUp = r.compileS && r.perSourceS !== null ? `${(r.perSourceS / r.compileS).toFixed(2)}×` : 'n/a';
    return [r.spec.name, r.params, f(r.buildS), f(r.compileS), f(r.perSourceS), speedUp, r.peakMB === null ? 'n/a' : String(Math.round(r.peakMB)), f(r.runS, 2), r.exact, target];
  });
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 || k === cells.length - 1 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-bench-csim-'));
  const gen = path.join(tmp, 'models');
  const all = specs(o.models, gen);
  const chosen = o.only ? all.filter((s) => o.only!.some((p) => s.name.includes(p))) : all;
  writeGenerated(gen, new Set(chosen.map((s) => s.name)));
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const gxx = await run('g++', ['--version'], { timeoutS: 30 });
  console.log(`fpgac bench:csim: ${os.cpus().length} CPU(s) (${cpu}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB; ${gxx.stdout.split('\n')[0]}`);
  console.log(`fpgac at ${o.root}; CXXFLAGS ${o.cxxflags ?? 'Makefile default (-std=c++14 -O2)'}; ap_types ${o.apInclude ?? 'fpgac host headers (tb/ap_types)'}`);
  console.log(existsSync(TIME)
    ? 'compile s / peak MB: GNU time around each compiler command (wall s summed, max RSS of g++ and cc1plus); run s: a second make csim (nothing to compile)'
    : 'no /usr/bin/time: compile s = first make csim - second (run only); peak n/a');
  const rows: Row[] = [];
  try {
    for (const s of chosen) {
      const r = await benchOne(s, o, tmp);
      rows.push(r);
      console.log(`  ${s.name}: compile ${r.compileS === null ? 'n/a' : r.compileS.toFixed(1) + ' s'}, peak ${r.peakMB === null ? 'n/a' : Math.round(r.peakMB) + ' MB'}, run ${r.runS === null ? 'n/a' : r.runS.toFixed(2) + ' s'}, bit-exact ${r.exact}${r.note ? ` (${r.note})` : ''}`);
    }
  } finally {
    if (!o.keep) rmSync(tmp, { recursive: true, force: true });
    else console.log(`kept ${tmp}`);
  }
  console.log('');
  for (const l of table(rows)) console.log(l);
  const notes = rows.filter((r) => r.note);
  if (notes.length) console.log('');
  for (const r of notes) console.log(`${r.exact === 'yes*' ? '* ' : ''}${r.spec.name}: ${r.note}`);
}

main().catch((e: unknown) => {
  console.log(`bench:csim failed: ${(e as Error).stack ?? String(e)}`);
});
