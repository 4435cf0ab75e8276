/**
 * @fileoverview Running C synthesis on a build directory with the HLS tool found on PATH, and reading its report.
 *
 * `vitis_hls` is preferred, then `vivado_hls`. The tool runs `build_prj.tcl` in the build directory with the steps
 * given as `name=0|1` Tcl arguments; its standard output and error go to `DIR/synth.log`. The script detects which
 * tool runs it; FPGAC_HLS_TOOL is set for the child so the detection always agrees with the tool chosen here.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { SynthesisReport } from './types.js';
import { DiagnosticError, fail } from '../diagnostics.js';
import { findCsynthReport, readCsynthReport } from './synth-report.js';

export type HlsTool = 'vitis_hls' | 'vivado_hls';

export interface SynthesisOptions {
  /**
   * Tool to run. Default: the tool the project was built for (`hlsTool` in source/build.json, written by
   * `fpgac build --hls-tool`), since the pragmas differ; for a build without it, vitis_hls when on PATH, else
   * vivado_hls.
   */
  readonly tool?: HlsTool;
  /**
   * Steps of build_prj.tcl to run, comma or space separated: `csim`, `synth`, `cosim`, `export`, `vsynth`, or
   * `name=0|1`. Default `synth`. Steps not named are turned off; synth is always on (the report is the result).
   */
  readonly steps?: string;
}

const TOOLS: readonly HlsTool[] = ['vitis_hls', 'vivado_hls'];
const STEPS = ['csim', 'synth', 'cosim', 'export', 'vsynth'] as const;

/** Full path of an executable named `name` on PATH, or undefined. */
export function whichOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const exts = process.platform === 'win32' ? ['', '.exe', '.bat', '.cmd'] : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      try {
        if (!statSync(file).isFile()) continue;
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not there or not executable
      }
    }
  }
  return undefined;
}

/** `hlsTool` ('vitis' | 'vivado') of an fpgac build directory's source/build.json, as a tool name. */
export function builtForTool(dir: string): HlsTool | undefined {
  try {
    const t = (JSON.parse(readFileSync(path.join(dir, 'source', 'build.json'), 'utf8')) as { hlsTool?: unknown }).hlsTool;
    return t === 'vitis' ? 'vitis_hls' : t === 'vivado' ? 'vivado_hls' : undefined;
  } catch {
    return undefined;
  }
}

/** The HLS tool to run: the one asked for, or the first of vitis_hls, vivado_hls on PATH. Throws FPGAC005. */
export function findHlsTool(tool?: HlsTool, why = ''): { tool: HlsTool; path: string } {
  if (tool !== undefined && !TOOLS.includes(tool)) fail('FPGAC005', `unknown HLS tool '${String(tool)}'`, { hint: 'use vitis_hls or vivado_hls' });
  for (const t of tool ? [tool] : TOOLS) {
    const p = whichOnPath(t);
    if (p) return { tool: t, path: p };
  }
  const wanted = tool ?? 'vitis_hls or vivado_hls';
  return fail('FPGAC005', `${wanted} not found on PATH${why}; C synthesis needs the Xilinx HLS tools`, {
    hint: tool === 'vivado_hls' ? 'source <Vivado>/settings64.sh (Vivado HLS 2019.x/2020.1)' : 'source <Vitis or Vitis_HLS>/settings64.sh (2020.2 or later), or <Vivado>/settings64.sh for Vivado HLS',
  });
}

/** `name=0|1` Tcl arguments for a steps string (see SynthesisOptions.steps). */
export function stepArgs(steps = 'synth'): string[] {
  const on = new Map<string, boolean>(STEPS.map((s) => [s, false]));
  for (const word of steps.split(/[\s,]+/).filter(Boolean)) {
    const m = /^([a-z]+)(?:=([01]))?$/.exec(word);
    if (!m || !on.has(m[1])) fail('FPGAC005', `unknown synthesis step '${word}'`, { hint: `steps are ${STEPS.join(', ')} (or name=0|1)` });
    on.set(m[1], m[2] !== '0');
  }
  on.set('synth', true);
  // csim=0 synth=1 cosim=0 export=0, plus vsynth=1 only when asked (older scripts do not know it).
  return STEPS.filter((s) => s !== 'vsynth' || on.get(s)).map((s) => `${s}=${on.get(s) ? 1 : 0}`);
}

function firstErrorLine(log: string): string | undefined {
  const lines = log.split(/\r?\n/).filter((l) => /^(ERROR|CRITICAL WARNING)\b|\berror:/i.test(l.trim()));
  return lines[0]?.trim().slice(0, 300);
}

/**
 * Runs `<tool> -f build_prj.tcl -tclargs csim=0 synth=1 cosim=0 export=0` in `dir` (an fpgac build directory),
 * logging to `dir/synth.log`, and returns the parsed C-synthesis report. User-facing failures (no tool, tool
 * failed, no report) are FPGAC011 diagnostics (missing tool or bad arguments FPGAC005); an unreadable report is FPGAC006.
 */
export function runSynthesis(dir: string, opts: SynthesisOptions = {}): SynthesisReport {
  const root = path.resolve(dir);
  if (!existsSync(path.join(root, 'build_prj.tcl'))) {
    fail('FPGAC005', `no build_prj.tcl in ${dir}`, { hint: 'run fpgac build first and pass its output directory' });
  }
  const args = stepArgs(opts.steps);
  const built = opts.tool === undefined ? builtForTool(root) : undefined;
  const { tool, path: exe } = findHlsTool(opts.tool ?? built, built ? ` (the project was built with --hls-tool ${built === 'vitis_hls' ? 'vitis' : 'vivado'})` : '');
  const logFile = path.join(root, 'synth.log');
  const fd = openSync(logFile, 'w');
  let r: ReturnType<typeof spawnSync>;
  try {
    r = spawnSync(exe, ['-f', 'build_prj.tcl', '-tclargs', ...args], {
      cwd: root,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, FPGAC_HLS_TOOL: tool === 'vitis_hls' ? 'vitis' : 'vivado' },
      shell: process.platform === 'win32', // the tools are .bat files there
    });
  } finally {
    closeSync(fd);
  }
  const rel = path.relative(process.cwd(), logFile) || logFile;
  if (r.error) fail('FPGAC011', `could not run ${exe}: ${r.error.message}`);
  if (r.status !== 0) {
    const first = firstErrorLine(readFileSync(logFile, 'utf8'));
    const how = r.status === null ? `was killed by ${r.signal}` : `exited with status ${r.status}`;
    throw new DiagnosticError([{ code: 'FPGAC011', message: `${tool} ${how}; see ${rel}`, hint: first }]);
  }
  const report = findCsynthReport(root);
  if (!report) fail('FPGAC011', `${tool} finished but wrote no C-synthesis report under ${dir}; see ${rel}`);
  return readCsynthReport(report);
}
