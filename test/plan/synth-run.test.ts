/**
 * runSynthesis end to end without Xilinx tools: fake `vitis_hls` / `vivado_hls` executables in a temporary
 * directory put first on PATH.
 *
 * - A POSIX shell fake checks the exact command line, writes a real csynth report (from ../shared/hls-reports) where
 *   csynth_design would, and prints to the log.
 * - When tclsh is installed, a second fake runs the real build_prj.tcl template (rendered with Handlebars in strict
 *   mode, with the variables the emitter provides) under tclsh with stub HLS commands that record their arguments:
 *   this checks the Tcl-side tool detection, the per-tool open_solution / cflags / export_design, and the step
 *   arguments. The Vivado HLS stub rejects `open_solution -flow_target` as the real tool does.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Handlebars from 'handlebars';
import { runSynthesis, stepArgs, findHlsTool, whichOnPath } from '../../src/plan/synth-run.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { HLS4ML_REPORT, REPORTS } from './hls4ml-report.js';

const REPO = path.resolve(__dirname, '../..');
const XML = path.join(REPORTS, 'hls4ml-test-report', 'myproject_csynth.xml');
const RPT = path.join(REPORTS, 'hls4ml-test-report', 'myproject_csynth.rpt');
const HAVE_REPORTS = existsSync(XML) && existsSync(RPT);
const POSIX = process.platform !== 'win32';
const TCLSH = POSIX ? whichOnPath('tclsh') ?? whichOnPath('tclsh8.6') : undefined;

const EXPECTED = HLS4ML_REPORT;

let tmp: string;
const savedPath = process.env.PATH;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-synth-run-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => { process.env.PATH = savedPath; });

let counter = 0;
function freshDir(prefix: string): string {
  const d = path.join(tmp, `${prefix}-${counter++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

function writeExe(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

/** PATH for the code under test: only these directories (the fakes set their own PATH for the commands they use). */
function usePath(...dirs: string[]): void {
  process.env.PATH = dirs.join(path.delimiter);
}

function diagnostic(f: () => unknown): { code: string; message: string; hint?: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DiagnosticError);
    return (e as DiagnosticError).diagnostics[0];
  }
  throw new Error('expected a DiagnosticError');
}

/** A shell fake: checks its arguments, records $FPGAC_HLS_TOOL, writes the real report where csynth_design would. */
function shellFake(bin: string, name: string, opts: { fail?: boolean; noReport?: boolean } = {}): void {
  writeExe(path.join(bin, name), `#!/bin/sh
PATH=/usr/bin:/bin:$PATH
echo "fake ${name}: $*"
echo "fake ${name}: FPGAC_HLS_TOOL=$FPGAC_HLS_TOOL"
echo "fake ${name}: stderr line" >&2
case "$*" in
  "-f build_prj.tcl -tclargs "*) ;;
  *) echo "ERROR: [fake] unexpected arguments: $*"; exit 9 ;;
esac
[ -f build_prj.tcl ] || { echo "ERROR: [fake] not run in the build directory"; exit 8; }
${opts.fail ? 'echo "ERROR: [HLS 200-70] Compilation errors found: In file included from firmware/top.cpp:1"; exit 1' : ''}
echo "$*" > args.txt
top=$(sed -n 's/^set_top \\([A-Za-z_0-9]*\\).*$/\\1/p' build_prj.tcl)
${opts.noReport ? 'exit 0' : ''}
mkdir -p "\${top}_prj/solution1/syn/report"
cp "${XML}" "\${top}_prj/solution1/syn/report/\${top}_csynth.xml"
cp "${RPT}" "\${top}_prj/solution1/syn/report/\${top}_csynth.rpt"
exit 0
`);
}

function buildDir(top = 'fpgac_top'): string {
  const d = freshDir('build');
  writeFileSync(path.join(d, 'build_prj.tcl'), `# stand-in\nset_top ${top}\n`);
  return d;
}

describe('step arguments', () => {
  it('default synth only, in the documented order; synth always on; vsynth only when asked', () => {
    expect(stepArgs()).toEqual(['csim=0', 'synth=1', 'cosim=0', 'export=0']);
    expect(stepArgs('')).toEqual(['csim=0', 'synth=1', 'cosim=0', 'export=0']);
    expect(stepArgs('csim, export')).toEqual(['csim=1', 'synth=1', 'cosim=0', 'export=1']);
    expect(stepArgs('synth=0 cosim=1')).toEqual(['csim=0', 'synth=1', 'cosim=1', 'export=0']);
    expect(stepArgs('vsynth')).toEqual(['csim=0', 'synth=1', 'cosim=0', 'export=0', 'vsynth=1']);
  });

  it('an unknown step is FPGAC005', () => {
    const d = diagnostic(() => stepArgs('synth,place'));
    expect(d.code).toBe('FPGAC005');
    expect(d.message).toContain("'place'");
  });
});

describe.skipIf(!POSIX)('finding the tool', () => {
  it('FPGAC005 naming both tools when neither is on PATH', () => {
    usePath(freshDir('empty'));
    const d = diagnostic(() => runSynthesis(buildDir()));
    expect(d.code).toBe('FPGAC005');
    expect(d.message).toMatch(/vitis_hls or vivado_hls not found on PATH/);
    expect(d.hint).toMatch(/settings64\.sh/);
  });

  it('FPGAC005 for an asked-for tool that is missing, even when the other one is there', () => {
    const bin = freshDir('bin');
    shellFake(bin, 'vitis_hls');
    usePath(bin);
    const d = diagnostic(() => runSynthesis(buildDir(), { tool: 'vivado_hls' }));
    expect(d.code).toBe('FPGAC005');
    expect(d.message).toMatch(/^vivado_hls not found on PATH/);
  });

  it("the tool the project was built for (source/build.json hlsTool) unless one is asked for", () => {
    const bin = freshDir('bin');
    shellFake(bin, 'vitis_hls');
    usePath(bin);
    const dir = buildDir();
    mkdirSync(path.join(dir, 'source'));
    writeFileSync(path.join(dir, 'source', 'build.json'), JSON.stringify({ top: 'fpgac_top', hlsTool: 'vivado' }));
    const d = diagnostic(() => runSynthesis(dir));
    expect(d.code).toBe('FPGAC005');
    expect(d.message).toMatch(/^vivado_hls not found on PATH \(the project was built with --hls-tool vivado\)/);
    if (HAVE_REPORTS) {
      expect(runSynthesis(dir, { tool: 'vitis_hls' }).part).toBe('xc7z020-clg400-1');
      writeFileSync(path.join(dir, 'source', 'build.json'), JSON.stringify({ top: 'fpgac_top', hlsTool: 'vitis' }));
      expect(runSynthesis(dir).part).toBe('xc7z020-clg400-1');
      expect(readFileSync(path.join(dir, 'synth.log'), 'utf8')).toContain('FPGAC_HLS_TOOL=vitis');
    }
  });

  it('vitis_hls is preferred over vivado_hls; a non-executable file does not count', () => {
    const bin1 = freshDir('bin');
    const bin2 = freshDir('bin');
    shellFake(bin1, 'vivado_hls');
    shellFake(bin2, 'vitis_hls');
    writeFileSync(path.join(bin1, 'vitis_hls'), 'not executable');
    chmodSync(path.join(bin1, 'vitis_hls'), 0o644);
    usePath(bin1, bin2);
    expect(findHlsTool()).toEqual({ tool: 'vitis_hls', path: path.join(bin2, 'vitis_hls') });
    expect(findHlsTool('vivado_hls')).toEqual({ tool: 'vivado_hls', path: path.join(bin1, 'vivado_hls') });
  });
});

describe.skipIf(!POSIX || !HAVE_REPORTS)('runSynthesis with a shell fake', () => {
  it('runs the tool in the build directory with the step arguments, logs to synth.log, parses the report', () => {
    const bin = freshDir('bin');
    shellFake(bin, 'vitis_hls');
    shellFake(bin, 'vivado_hls');
    usePath(bin);
    const dir = buildDir();
    const report = runSynthesis(dir);
    expect(report).toEqual(EXPECTED);
    expect(readFileSync(path.join(dir, 'args.txt'), 'utf8').trim()).toBe('-f build_prj.tcl -tclargs csim=0 synth=1 cosim=0 export=0');
    const log = readFileSync(path.join(dir, 'synth.log'), 'utf8');
    expect(log).toContain('fake vitis_hls: -f build_prj.tcl -tclargs csim=0 synth=1 cosim=0 export=0');
    expect(log).toContain('fake vitis_hls: FPGAC_HLS_TOOL=vitis');
    expect(log).toContain('fake vitis_hls: stderr line');
  });

  it('tool vivado_hls and extra steps', () => {
    const bin = freshDir('bin');
    shellFake(bin, 'vitis_hls');
    shellFake(bin, 'vivado_hls');
    usePath(bin);
    const dir = buildDir('net');
    expect(runSynthesis(dir, { tool: 'vivado_hls', steps: 'csim,vsynth' })).toEqual(EXPECTED);
    expect(readFileSync(path.join(dir, 'args.txt'), 'utf8').trim()).toBe('-f build_prj.tcl -tclargs csim=1 synth=1 cosim=0 export=0 vsynth=1');
    const log = readFileSync(path.join(dir, 'synth.log'), 'utf8');
    expect(log).toContain('fake vivado_hls: FPGAC_HLS_TOOL=vivado');
    expect(existsSync(path.join(dir, 'net_prj/solution1/syn/report/net_csynth.xml'))).toBe(true);
  });

  it('a failing tool is FPGAC011 (external tool failed) with the first ERROR line of the log as hint', () => {
    const bin = freshDir('bin');
    shellFake(bin, 'vitis_hls', { fail: true });
    usePath(bin);
    const d = diagnostic(() => runSynthesis(buildDir()));
    expect(d.code).toBe('FPGAC011');
    expect(d.message).toMatch(/^vitis_hls exited with status 1; see .*synth\.log$/);
    expect(d.hint).toBe('ERROR: [HLS 200-70] Compilation errors found: In file included from firmware/top.cpp:1');
  });

  it('no report written is FPGAC011; no build_prj.tcl is FPGAC005 before anything runs', () => {
    const bin = freshDir('bin');
    shellFake(bin, 'vitis_hls', { noReport: true });
    usePath(bin);
    const d = diagnostic(() => runSynthesis(buildDir()));
    expect(d.code).toBe('FPGAC011');
    expect(d.message).toMatch(/wrote no C-synthesis report/);
    const empty = freshDir('nobuild');
    const d2 = diagnostic(() => runSynthesis(empty));
    expect(d2.message).toMatch(/no build_prj\.tcl/);
    expect(existsSync(path.join(empty, 'synth.log'))).toBe(false);
  });
});

if (!(POSIX && HAVE_REPORTS)) describe('runSynthesis with a shell fake', () => {
  it.skip(`SKIPPED: needs a POSIX shell and the shared HLS reports at ${REPORTS}`, () => {});
});

// ---------------------------------------------------------------------------------------------------------------
// The real build_prj.tcl under tclsh with stub HLS commands.

/** Stub HLS commands; `flavor` is vitis or vivado. Records every call in calls.log in the working directory. */
const STUBS_TCL = `
set flavor [lindex $argv 0]
set script [lindex $argv 1]
set argv [lrange $argv 2 end]
set argc [llength $argv]
set ::calls [file join [pwd] calls.log]
proc record {args} { set f [open $::calls a]; puts $f [join $args " "]; close $f }
proc open_project {args} { record open_project {*}$args; set ::prj [lindex $args end]; file mkdir $::prj }
proc set_top {name} { record set_top $name; set ::top $name }
proc add_files {args} { record add_files {*}$args }
proc open_solution {args} {
  if {$::flavor eq "vivado" && [lsearch $args -flow_target] >= 0} { error "ERROR: \\[HLS 200-101\\] 'open_solution': Unknown option '-flow_target'." }
  record open_solution {*}$args
  set ::sol [lindex $args end]
}
proc set_part {args} { record set_part {*}$args }
proc create_clock {args} { record create_clock {*}$args }
proc set_clock_uncertainty {args} { record set_clock_uncertainty {*}$args }
proc csim_design {args} { record csim_design {*}$args }
proc cosim_design {args} { record cosim_design {*}$args }
proc export_design {args} { record export_design {*}$args }
proc csynth_design {} {
  record csynth_design
  set dir [file join $::prj $::sol syn report]
  file mkdir $dir
  file copy -force $::env(FAKE_XML) [file join $dir \${::top}_csynth.xml]
  file copy -force $::env(FAKE_RPT) [file join $dir \${::top}_csynth.rpt]
}
if {$flavor eq "vitis"} { proc config_storage {args} {} } else { proc config_core {args} {} }
puts "fake $flavor: argv=$argv"
source $script
`;

/**
 * The view emitProject gives build_prj.tcl.hbs (src/emit/project.ts): common + part and description (Tcl words),
 * the HLS top and its sources (the core alone here: the memory interface), clockNs, the default inputs and the
 * expected outputs the testbench compares with.
 */
const VIEW = {
  version: '0.0.0-test', modelFile: 'model.onnx', guard: 'FPGAC_TOP_H_', name: 'fpgac_top', part: 'xczu7ev-ffvc1156-2-e', clockNs: 5,
  hlsTop: 'fpgac_top', sources: ['firmware/top.cpp'],
  description: '{fpgac_top, generated by fpgac 0.0.0-test}', defaultInputList: ['tb_data/input_0.npy'], defaultExpectList: ['tb_data/sim_output.npy'],
};

function renderScript(): string {
  const t = Handlebars.compile(readFileSync(path.join(REPO, 'templates', 'build_prj.tcl.hbs'), 'utf8'), { noEscape: true, strict: true });
  return t(VIEW);
}

describe('build_prj.tcl template', () => {
  it('renders in strict mode with the emitter variables only', () => {
    const s = renderScript();
    expect(s).toContain('set_top fpgac_top');
    expect(s).toContain('open_project -reset fpgac_top_prj');
    expect(s).toContain('set_part xczu7ev-ffvc1156-2-e');
    expect(s).toContain('set_clock_uncertainty 12.5%');
    expect(s).toContain('create_clock -period 5 -name default');
    // Relative paths only: the tools paste -argv and -cflags into makefiles and shell lines.
    expect(s).toContain('set tb_args "tb_data/csim_output.npy tb_data/input_0.npy --expect tb_data/sim_output.npy"');
    expect(s).not.toContain('$here');
    expect(s).not.toMatch(/\{\{|\}\}/);
  });
});

describe.skipIf(!TCLSH || !HAVE_REPORTS)('build_prj.tcl under tclsh with stub HLS commands', () => {
  let bin: string;
  let stubs: string;
  beforeAll(() => {
    bin = freshDir('tclbin');
    stubs = path.join(bin, 'hls_stubs.tcl');
    writeFileSync(stubs, STUBS_TCL);
    for (const [name, flavor] of [['vitis_hls', 'vitis'], ['vivado_hls', 'vivado']]) {
      writeExe(path.join(bin, name), `#!/bin/sh
[ "$1" = "-f" ] || { echo "usage: ${name} -f script -tclargs ..." >&2; exit 2; }
script="$2"; shift 2
[ "$1" = "-tclargs" ] && shift
FAKE_XML="${XML}" FAKE_RPT="${RPT}" exec "${TCLSH}" "${stubs}" ${flavor} "$script" "$@"
`);
    }
  });

  function project(): string {
    const d = freshDir('tclbuild');
    writeFileSync(path.join(d, 'build_prj.tcl'), renderScript());
    return d;
  }

  function calls(dir: string): string[] {
    return readFileSync(path.join(dir, 'calls.log'), 'utf8').trim().split('\n');
  }

  it('Vitis HLS: -flow_target vivado, C++14, synth only', () => {
    usePath(bin);
    const dir = project();
    expect(runSynthesis(dir)).toEqual(EXPECTED);
    const c = calls(dir);
    expect(c).toContain('open_project -reset fpgac_top_prj');
    expect(c).toContain('set_top fpgac_top');
    expect(c).toContain('open_solution -reset -flow_target vivado solution1');
    expect(c.find((l) => l.startsWith('add_files firmware/top.cpp'))).toContain('-std=c++14');
    expect(c).toContain('set_part xczu7ev-ffvc1156-2-e');
    expect(c).toContain('create_clock -period 5 -name default');
    expect(c).toContain('csynth_design');
    expect(c.some((l) => /^(csim_design|cosim_design|export_design)/.test(l))).toBe(false);
    expect(readFileSync(path.join(dir, 'synth.log'), 'utf8')).toContain('fpgac: vitis HLS flow');
  });

  it('Vivado HLS: no -flow_target, C++0x, export options without -ipname', () => {
    usePath(bin);
    const dir = project();
    expect(runSynthesis(dir, { tool: 'vivado_hls', steps: 'csim,export' })).toEqual(EXPECTED);
    const c = calls(dir);
    expect(c).toContain('open_solution -reset solution1');
    expect(c.find((l) => l.startsWith('add_files firmware/top.cpp'))).toContain('-std=c++0x');
    expect(c.find((l) => l.startsWith('csim_design'))).toBe('csim_design -argv tb_data/csim_output.npy tb_data/input_0.npy --expect tb_data/sim_output.npy');
    expect(c.find((l) => l.startsWith('export_design'))).toBe('export_design -format ip_catalog -rtl verilog -version 1.0 -display_name fpgac_top -description fpgac_top, generated by fpgac 0.0.0-test');
  });

  it('vsynth: export with -flow syn (Vitis adds -ipname)', () => {
    usePath(bin);
    const dir = project();
    runSynthesis(dir, { steps: 'vsynth' });
    expect(calls(dir).find((l) => l.startsWith('export_design'))).toBe(
      'export_design -format ip_catalog -rtl verilog -version 1.0 -display_name fpgac_top -description fpgac_top, generated by fpgac 0.0.0-test -ipname fpgac_top -flow syn');
  });

  it('detects the tool inside Tcl without FPGAC_HLS_TOOL, and takes the steps as one quoted word too', () => {
    for (const [tool, solution, std] of [['vitis_hls', 'open_solution -reset -flow_target vivado solution1', '-std=c++14'], ['vivado_hls', 'open_solution -reset solution1', '-std=c++0x']]) {
      const dir = project();
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${path.delimiter}/usr/bin${path.delimiter}/bin` };
      delete env.FPGAC_HLS_TOOL;
      delete env.XILINX_HLS;
      delete env.XILINX_VIVADO_HLS;
      const r = spawnSync(path.join(bin, tool), ['-f', 'build_prj.tcl', '-tclargs', 'csim=0 synth=1 cosim=1 export=0'], { cwd: dir, env, encoding: 'utf8' });
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const c = calls(dir);
      expect(c).toContain(solution);
      expect(c.find((l) => l.startsWith('add_files firmware/top.cpp'))).toContain(std);
      expect(c.some((l) => l.startsWith('cosim_design -argv'))).toBe(true);
      expect(c.some((l) => l.startsWith('csim_design'))).toBe(false);
    }
  });

  it('FPGAC_HLS_TOOL overrides the detection', () => {
    const dir = project();
    const env = { ...process.env, FPGAC_HLS_TOOL: 'vivado' };
    const r = spawnSync(path.join(bin, 'vitis_hls'), ['-f', 'build_prj.tcl', '-tclargs', 'csim=0'], { cwd: dir, env, encoding: 'utf8' });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(calls(dir)).toContain('open_solution -reset solution1');
    expect(calls(dir).find((l) => l.startsWith('add_files firmware/top.cpp'))).toContain('-std=c++0x');
  });
});

if (!(!!TCLSH && HAVE_REPORTS)) describe('build_prj.tcl under tclsh with stub HLS commands', () => {
  it.skip(`SKIPPED: needs tclsh on PATH (apt-get install tcl) and the shared HLS reports at ${REPORTS}`, () => {});
});
