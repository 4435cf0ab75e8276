/**
 * build_bd.tcl (src/deploy/blockdesign.ts, templates/build_bd.tcl.hbs) without Vivado: the rendered script runs under
 * tclsh, started by a fake `vivado -mode batch -source build_bd.tcl -tclargs ...`, with stub Vivado commands that
 * record every call and its arguments (as JSON, with each argument also split as a Tcl list by Tcl itself) and act
 * just enough: `create_bd_cell` returns the cell, `get_bd_*` return their arguments, `get_ipdefs` finds the HLS IP
 * only in the folder `ip_repo_paths` names (so a mangled path fails), `launch_runs` writes a fake bitstream and .hwh
 * where Vivado would, `get_property` answers STATUS/PROGRESS/DIRECTORY/STATS.WNS from the environment;
 * `assign_bd_address` gives each AXI master that reaches the HP port through the memory SmartConnect (by the recorded
 * connections) the PS's DDR segment, which `get_bd_addr_segs -of_objects` on the master's address space returns.
 *
 * Expected values come from hw/boards/boards.json, the view, and the PS port/parameter names of the product guides
 * (PG201 for Zynq UltraScale+, UG585/PG082 for Zynq-7000) written out below, never from the renderer.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderBlockDesign, type BlockDesignView } from '../../src/deploy/blockdesign.js';
import { boards, resolveBoard, type Board } from '../../src/plan/boards.js';
import { whichOnPath } from '../../src/plan/synth-run.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { buildProject } from '../../src/build.js';
import { exampleModel } from '../../src/paths.js';

const POSIX = process.platform !== 'win32';
const TCLSH = POSIX ? whichOnPath('tclsh') ?? whichOnPath('tclsh8.6') : undefined;
const ZYNQ = ['zcu104', 'zcu102', 'ultra96v2', 'kv260', 'pynq-z2'];
const ALVEO = ['u50', 'u250'];

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-bd-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
function freshDir(prefix: string): string {
  const d = path.join(tmp, `${prefix}-${counter++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

function board(name: string): Board {
  const b = boards().get(name);
  if (!b) throw new Error(`no board ${name}`);
  return b;
}

function view(b: Board, over: Partial<BlockDesignView> = {}): BlockDesignView {
  const iface = over.interface ?? 'axis';
  const name = over.name ?? 'fpgac_top';
  const top = `${name}_${iface === 'axis' ? 'axis' : 'maxi'}`;
  return { name, top, ipName: top, interface: iface, board: b, clockMHz: b.clockMHz, busBits: b.dmaBits ?? 512, inPorts: 1, outPorts: 1, version: '0.0.0-test', ...over };
}

function diagnostic(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DiagnosticError);
    return (e as DiagnosticError).diagnostics[0];
  }
  throw new Error('expected a DiagnosticError');
}

// ---------------------------------------------------------------------------------------------------------------
describe('board presets (hw/boards/boards.json)', () => {
  it('every Zynq board has a board part, PS, HP port, DMA width and PL clock with a source; Alveo boards have none', () => {
    expect([...boards().keys()].sort()).toEqual([...ZYNQ, ...ALVEO].sort());
    for (const name of ZYNQ) {
      const b = board(name);
      expect(b.part, name).toMatch(/^(xczu|xck26|xc7z)/);
      expect(b.boardPart, name).toMatch(/^[a-z0-9.]+:[a-z0-9_-]+:part0:[0-9.]+$/);
      expect(b.bdSource?.length ?? 0, name).toBeGreaterThan(40);
      expect(b.bdSource, name).toContain(`${b.boardPart!.split(':')[1]}/`);
      if (b.part.startsWith('xc7z')) {
        expect([b.ps, b.hpPort, b.dmaBits, b.plClock], name).toEqual(['processing_system7', 'S_AXI_HP0', 64, 'FCLK_CLK0']);
      } else {
        expect([b.ps, b.hpPort, b.dmaBits, b.plClock], name).toEqual(['zynq_ultra_ps_e', 'S_AXI_HP0_FPD', 128, 'pl_clk0']);
      }
    }
    expect(board('zcu104').boardPart).toBe('xilinx.com:zcu104:part0:1.1');
    expect(board('zcu102').boardPart).toBe('xilinx.com:zcu102:part0:3.4');
    expect(board('ultra96v2').boardPart).toBe('avnet.com:ultra96v2:part0:1.2');
    expect(board('kv260').boardPart).toBe('xilinx.com:kv260_som:part0:1.3');
    expect(board('pynq-z2').boardPart).toBe('tul.com.tw:pynq-z2:part0:1.0');
    for (const name of ALVEO) {
      const b = board(name) as unknown as Record<string, unknown>;
      for (const k of ['boardPart', 'ps', 'hpPort', 'dmaBits', 'plClock', 'bdSource']) expect(b[k], `${name}.${k}`).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('renderBlockDesign', () => {
  it('renders in strict mode: every value a word, no Handlebars left, no path', () => {
    for (const name of ZYNQ) for (const iface of ['axis', 'm_axi'] as const) {
      const s = renderBlockDesign(view(board(name), { interface: iface }));
      expect(s).not.toContain('{{'); // (a Tcl `}}` closing two braces is fine)
      expect(s).toContain(`set board_part ${board(name).boardPart}`);
      expect(s).toContain('set here [file dirname [file normalize [info script]]]');
      expect(s).not.toContain(tmp);
    }
  });

  it('refuses a board without a processing system (FPGAC005)', () => {
    for (const name of ALVEO) {
      const d = diagnostic(() => renderBlockDesign(view(board(name), { interface: 'm_axi', busBits: 512 })));
      expect(d.code).toBe('FPGAC005');
      expect(d.message).toContain(`board ${name} has no processing system`);
    }
  });

  it('refuses a --part that is not the board part\'s part; a part some board has resolves to that board', () => {
    const d = diagnostic(() => renderBlockDesign(view(resolveBoard('zcu104', 'xczu9eg-ffvb1156-2-i'))));
    expect(d.code).toBe('FPGAC005');
    expect(d.message).toMatch(/--part xczu9eg-ffvb1156-2-i is not the part of board zcu104/);
    expect(renderBlockDesign(view(resolveBoard('zcu104', 'XCK26-SFVC784-2LV-C')))).toContain('set board_part xilinx.com:kv260_som:part0:1.3');
  });

  it('refuses more inputs and outputs than the memory SmartConnect takes (FPGAC010); the weight image is one more master', () => {
    expect(() => renderBlockDesign(view(board('zcu104'), { inPorts: 8, outPorts: 8 }))).not.toThrow();
    expect(diagnostic(() => renderBlockDesign(view(board('zcu104'), { inPorts: 9, outPorts: 8 }))).code).toBe('FPGAC010');
    expect(() => renderBlockDesign(view(board('zcu104'), { inPorts: 8, outPorts: 7, weightImage: true }))).not.toThrow();
    const d = diagnostic(() => renderBlockDesign(view(board('pynq-z2'), { interface: 'm_axi', inPorts: 8, outPorts: 8, weightImage: true })));
    expect(d.code).toBe('FPGAC010');
    expect(d.message).toContain('the weight image from DDR needs one more');
  });

  it('rejects names that are not identifiers and bad numbers as internal errors', () => {
    const b = board('zcu104');
    for (const over of [{ top: 'a b' }, { name: 'x;exit' }, { ipName: 'ip[exit]' }, { clockMHz: 0 }, { busBits: 48 }, { inPorts: -1 }, { outPorts: 0 }, { version: '1\nexit 3' }]) {
      expect(() => renderBlockDesign(view(b, over)), JSON.stringify(over)).toThrow(/internal error/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The rendered script under tclsh with stub Vivado commands.

const STUBS_TCL = String.raw`
set script [lindex $argv 0]
set argv [lrange $argv 1 end]
set argc [llength $argv]
proc env_or {k d} { if {[info exists ::env($k)]} { return $::env($k) } else { return $d } }

proc jstr {s} {
  set out "\""
  foreach ch [split $s ""] {
    scan $ch %c c
    if {$ch eq "\""} { append out "\\\"" } elseif {$ch eq "\\"} { append out "\\\\" } elseif {$c < 32 || $c > 126} { append out [format "\\u%04x" $c] } else { append out $ch }
  }
  return "$out\""
}
proc jlist {l} { set p {}; foreach e $l { lappend p [jstr $e] }; return "\[[join $p ,]\]" }
proc jdict {d} { set p {}; foreach {k v} $d { lappend p "[jstr $k]:[jstr $v]" }; return "{[join $p ,]}" }
# One JSON object per call: cmd, args, each argument split as a Tcl list (null when it is not one), and kv for a
# -dict / -config argument.
proc rec {cmd arglist {kv {}}} {
  set lists {}
  foreach a $arglist { if {[string is list $a]} { lappend lists [jlist $a] } else { lappend lists null } }
  set line "{\"cmd\":[jstr $cmd],\"args\":[jlist $arglist],\"lists\":\[[join $lists ,]\]"
  if {$kv ne {}} { append line ",\"kv\":[jdict $kv]" }
  set f [open $::env(FAKE_CALLS) a]
  fconfigure $f -encoding utf-8
  puts $f "$line}"
  close $f
}
proc optval {arglist opt} { set i [lsearch -exact $arglist $opt]; if {$i < 0} { return {} }; return [lindex $arglist [expr {$i + 1}]] }
proc positional {arglist valued} {
  set out {}
  for {set i 0} {$i < [llength $arglist]} {incr i} {
    set a [lindex $arglist $i]
    if {[lsearch -exact $valued $a] >= 0} { incr i; continue }
    if {[string match -* $a]} continue
    lappend out $a
  }
  return $out
}
proc ret1 {arglist} { if {[llength $arglist] == 1} { return [lindex $arglist 0] }; return $arglist }

set ::ip_repo_paths {}
set ::versions {zynq_ultra_ps_e 3.5 processing_system7 5.5 smartconnect 1.0 proc_sys_reset 5.0 axi_dma 7.1}
proc set_param {args} { rec set_param $args }
proc get_param {args} { return {} }
proc get_board_parts {args} {
  set pat [lindex [positional $args {}] 0]
  set out {}
  foreach b [env_or FAKE_BOARD_PARTS {}] { if {[string match $pat $b]} { lappend out $b } }
  return $out
}
proc create_project {args} {
  rec create_project $args
  set pos [positional $args {-part}]
  set ::proj_name [lindex $pos 0]
  set ::proj_dir [lindex $pos 1]
  file mkdir $::proj_dir
}
proc current_project {args} { return $::proj_name }
proc current_fileset {args} { return sources_1 }
proc set_property {args} {
  set d [optval $args -dict]
  rec set_property $args $d
  if {[lindex $args 0] eq "ip_repo_paths"} { set ::ip_repo_paths [lindex $args 1] }
}
proc update_ip_catalog {args} { rec update_ip_catalog $args }
proc get_ipdefs {args} {
  set pat [lindex [positional $args {}] 0]
  set p [split $pat :]
  if {[lindex $p 1] eq "hls"} {
    # The exported IP is found only through the repository folder, intact.
    set repo [lindex $::ip_repo_paths 0]
    if {![file isfile [file join $repo component.xml]]} { return {} }
    set have [string trim [read [set f [open [file join $repo component.xml]]]][close $f]]
    if {[string match [lindex $p 2] $have]} { return [list xilinx.com:hls:$have:1.0] }
    return {}
  }
  if {[dict exists $::versions [lindex $p 2]]} { return [list [join [lreplace $p 3 3 [dict get $::versions [lindex $p 2]]] :]] }
  return {}
}
proc get_property {args} {
  set prop [lindex $args 0]
  set obj [lindex $args 1]
  switch -glob -- $prop {
    VLNV { return $obj }
    STATUS { if {$obj eq "impl_1"} { return [env_or FAKE_IMPL_STATUS "write_bitstream Complete!"] } else { return [env_or FAKE_SYNTH_STATUS "synth_design Complete!"] } }
    PROGRESS { return [env_or FAKE_PROGRESS 100%] }
    DIRECTORY { return [file join $::proj_dir $::proj_name.runs $obj] }
    STATS.WNS { return [env_or FAKE_WNS 0.125] }
    CONFIG.*ACT* { return 199.998 }
    default { error "stub get_property: unknown property $prop" }
  }
}
proc create_bd_design {args} { rec create_bd_design $args; set ::bd [lindex $args end] }
proc create_bd_cell {args} { rec create_bd_cell $args; return [lindex $args end] }
proc apply_bd_automation {args} { rec apply_bd_automation $args [optval $args -config] }
proc get_bd_cells {args} { return [ret1 $args] }
proc get_bd_pins {args} { return [ret1 $args] }
proc get_bd_intf_pins {args} { return [ret1 $args] }
proc get_bd_ports {args} { return [ret1 $args] }
proc connect_bd_net {args} { rec connect_bd_net $args }
set ::intf_nets {}
proc connect_bd_intf_net {args} { rec connect_bd_intf_net $args; lappend ::intf_nets $args }
# Address assignment as Vivado does it for masters reaching a slave: a master pin cell/M gets, in its address space
# cell/Data_M (the HLS IP's spaces are Data_m_axi_<bundle>), the DDR segment of the HP port the memory SmartConnect
# drives (SEG_<ps>_HPn_DDR_LOW on Zynq UltraScale+, SEG_<ps>_HPn_DDR_LOWOCM on Zynq-7000). FAKE_NO_DDR=1: nothing
# gets one (as when the master is left unconnected).
array set ::segs {}
proc assign_bd_address {args} {
  rec assign_bd_address $args
  if {[env_or FAKE_NO_DDR 0]} return
  set seg {}
  foreach n $::intf_nets {
    foreach {a b} $n break
    foreach {x y} [list $a $b $b $a] {
      if {$x eq "axi_mem_sc/M00_AXI" && [regexp {^(.+)/S_AXI_(HP[0-3])(_FPD)?$} $y -> ps hp fpd]} {
        set seg [expr {$fpd ne "" ? "SEG_[set ps]_[set hp]_DDR_LOW" : "SEG_[set ps]_[set hp]_DDR_LOWOCM"}]
      }
    }
  }
  if {$seg eq {}} return
  foreach n $::intf_nets {
    foreach {a b} $n break
    foreach {x y} [list $a $b $b $a] {
      if {[regexp {^axi_mem_sc/S[0-9][0-9]_AXI$} $x] && [regexp {^(.+)/([^/]+)$} $y -> cell pin]} { lappend ::segs($cell/Data_$pin) $seg }
    }
  }
}
proc get_bd_addr_spaces {args} { rec get_bd_addr_spaces $args; return [ret1 [positional $args {}]] }
proc get_bd_addr_segs {args} {
  rec get_bd_addr_segs $args
  set space [optval $args -of_objects]
  set pat *
  regexp {^NAME =~ "?([^"]*)"?$} [optval $args -filter] -> pat
  set out {}
  if {[info exists ::segs($space)]} { foreach g $::segs($space) { if {[string match $pat $g]} { lappend out $g } } }
  return $out
}
proc validate_bd_design {args} { rec validate_bd_design $args }
proc save_bd_design {args} { rec save_bd_design $args }
proc get_files {args} { return [ret1 $args] }
proc make_wrapper {args} { rec make_wrapper $args; return [file join $::proj_dir $::proj_name.gen sources_1 bd $::bd hdl $::bd\_wrapper.v] }
proc add_files {args} { rec add_files $args }
proc update_compile_order {args} { rec update_compile_order $args }
proc get_runs {args} { return [ret1 $args] }
proc launch_runs {args} {
  rec launch_runs $args
  if {[env_or FAKE_NO_BIT 0]} return
  set run [file join $::proj_dir $::proj_name.runs impl_1]
  file mkdir $run
  set f [open [file join $run $::bd\_wrapper.bit] w]; puts -nonewline $f "fake bitstream of $::proj_name"; close $f
  set hw [file join $::proj_dir $::proj_name.[env_or FAKE_HWH_IN gen] sources_1 bd $::bd hw_handoff]
  file mkdir $hw
  set f [open [file join $hw $::bd.hwh] w]; puts -nonewline $f "fake hwh of $::bd"; close $f
}
proc wait_on_run {args} { rec wait_on_run $args }
if {[env_or FAKE_WAIT_ON_RUNS 0]} { proc wait_on_runs {args} { rec wait_on_runs $args } }
proc close_project {args} { rec close_project $args }
source $script
`;

interface Call { cmd: string; args: string[]; lists: (string[] | null)[]; kv?: Record<string, string> }
interface Run { status: number | null; out: string; calls: Call[]; dir: string }

/** The PS names of the product guides (PG201, UG585/PG082) for a board's hpPort and plClock. */
function psNames(b: Board): { master: string; masterClk: string; masterUse: string; hpClk: string; hpUse: string; hpWidth: string; freq: string; reset: string } {
  if (b.ps === 'zynq_ultra_ps_e') {
    const hp = Number(/^S_AXI_HP(\d)_FPD$/.exec(b.hpPort!)![1]);
    const n = /^pl_clk(\d)$/.exec(b.plClock!)![1];
    return {
      master: 'M_AXI_HPM0_FPD', masterClk: 'maxihpm0_fpd_aclk', masterUse: 'CONFIG.PSU__USE__M_AXI_GP0',
      hpClk: `saxihp${hp}_fpd_aclk`, hpUse: `CONFIG.PSU__USE__S_AXI_GP${hp + 2}`, hpWidth: `CONFIG.PSU__SAXIGP${hp + 2}__DATA_WIDTH`,
      freq: `CONFIG.PSU__CRL_APB__PL${n}_REF_CTRL__FREQMHZ`, reset: `pl_resetn${n}`,
    };
  }
  const hp = /^S_AXI_HP(\d)$/.exec(b.hpPort!)![1];
  const n = /^FCLK_CLK(\d)$/.exec(b.plClock!)![1];
  return {
    master: 'M_AXI_GP0', masterClk: 'M_AXI_GP0_ACLK', masterUse: 'CONFIG.PCW_USE_M_AXI_GP0',
    hpClk: `S_AXI_HP${hp}_ACLK`, hpUse: `CONFIG.PCW_USE_S_AXI_HP${hp}`, hpWidth: `CONFIG.PCW_S_AXI_HP${hp}_DATA_WIDTH`,
    freq: `CONFIG.PCW_FPGA${n}_PERIPHERAL_FREQMHZ`, reset: `FCLK_RESET${n}_N`,
  };
}

describe.skipIf(!TCLSH)('build_bd.tcl under tclsh with stub Vivado commands', () => {
  let bin: string;
  beforeAll(() => {
    bin = freshDir('bin');
    const stubs = path.join(bin, 'vivado_stubs.tcl');
    writeFileSync(stubs, STUBS_TCL);
    // The command line make and the docs use: vivado -mode batch -source build_bd.tcl [-tclargs ...].
    writeFileSync(path.join(bin, 'vivado'), `#!/bin/sh
[ "$1" = "-mode" ] && [ "$2" = "batch" ] && [ "$3" = "-source" ] || { echo "usage: vivado -mode batch -source FILE [-tclargs ...]" >&2; exit 2; }
script="$4"; shift 4
[ "$1" = "-tclargs" ] && shift
exec "${TCLSH}" "${stubs}" "$script" "$@"
`);
    chmodSync(path.join(bin, 'vivado'), 0o755);
  });

  /** A build folder with the rendered script and a fake exported IP (component.xml names the IP). */
  function project(v: BlockDesignView, dir = freshDir('build'), exported: string | null = v.ipName): string {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'build_bd.tcl'), renderBlockDesign(v));
    if (exported !== null) {
      const repo = path.join(dir, `${v.name}_prj`, 'solution1', 'impl', 'ip');
      mkdirSync(repo, { recursive: true });
      writeFileSync(path.join(repo, 'component.xml'), exported);
    }
    return dir;
  }

  function run(dir: string, opts: { args?: string[]; env?: Record<string, string>; cwd?: string; script?: string } = {}): Run {
    const calls = path.join(freshDir('calls'), 'calls.jsonl');
    const b = opts.env?.FAKE_BOARD_PARTS;
    const r = spawnSync(path.join(bin, 'vivado'), ['-mode', 'batch', '-source', opts.script ?? 'build_bd.tcl', ...(opts.args ? ['-tclargs', ...opts.args] : [])], {
      cwd: opts.cwd ?? dir, encoding: 'utf8',
      env: { PATH: process.env.PATH, FAKE_CALLS: calls, ...opts.env, FAKE_BOARD_PARTS: b ?? '' },
    });
    const lines = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean) : [];
    return { status: r.status, out: r.stdout + r.stderr, calls: lines.map((l) => JSON.parse(l) as Call), dir };
  }

  const installed = (b: Board): Record<string, string> => ({ FAKE_BOARD_PARTS: b.boardPart! });
  const find = (r: Run, cmd: string, pred: (c: Call) => boolean = () => true): Call[] => r.calls.filter((c) => c.cmd === cmd && pred(c));
  const index = (r: Run, cmd: string): number => r.calls.findIndex((c) => c.cmd === cmd);
  /** connect_bd_(intf_)net calls joining exactly the pins a and b (either order). */
  const joined = (r: Run, cmd: string, a: string, b: string): boolean =>
    find(r, cmd).some((c) => c.args.length === 2 && ((c.args[0] === a && c.args[1] === b) || (c.args[0] === b && c.args[1] === a)));
  const cellProps = (r: Run, cell: string): Record<string, string> =>
    Object.assign({}, ...find(r, 'set_property', (c) => c.kv !== undefined && c.args[c.args.length - 1] === cell).map((c) => c.kv));

  /** Everything the recorded calls must show for one board and view. */
  function checkDesign(r: Run, b: Board, v: BlockDesignView): void {
    expect(r.status, r.out).toBe(0);
    const ps = `${b.ps}_0`;
    const ip = `${v.top}_0`;
    const n = psNames(b);

    // Project for the board part, on the board's part, with the exported IP repository.
    const cp = find(r, 'create_project')[0];
    expect(cp.args).toEqual(['-force', `${v.name}_vivado`, path.join(r.dir, `${v.name}_vivado`), '-part', b.part]);
    expect(find(r, 'set_property', (c) => c.args[0] === 'board_part')[0].args).toEqual(['board_part', b.boardPart, `${v.name}_vivado`]);
    const repo = find(r, 'set_property', (c) => c.args[0] === 'ip_repo_paths')[0];
    expect(repo.lists[1]).toEqual([path.join(r.dir, `${v.name}_prj`, 'solution1', 'impl', 'ip')]);
    expect(index(r, 'update_ip_catalog')).toBeGreaterThan(r.calls.indexOf(repo));

    // The PS with the board preset; one master port, one HP port of dmaBits, the PL clock at the plan's clock.
    const cells = find(r, 'create_bd_cell');
    expect(cells.find((c) => c.args[c.args.length - 1] === ps)?.args[3]).toMatch(new RegExp(`^xilinx\\.com:ip:${b.ps}:[0-9.]+$`));
    const auto = find(r, 'apply_bd_automation')[0];
    expect(auto.args.slice(0, 2)).toEqual(['-rule', `xilinx.com:bd_rule:${b.ps}`]);
    expect(auto.args[auto.args.length - 1]).toBe(ps);
    expect(auto.kv?.apply_board_preset).toBe('1');
    if (b.ps === 'processing_system7') expect(auto.kv?.make_external).toBe('FIXED_IO, DDR');
    const psc = cellProps(r, ps);
    expect(Number(psc[n.freq]), n.freq).toBe(v.clockMHz);
    expect(psc[n.hpUse]).toBe('1');
    expect(Number(psc[n.hpWidth])).toBe(b.dmaBits);
    expect(psc[n.masterUse]).toBe('1');

    // The HLS IP from the exported repository (found only through ip_repo_paths), after the catalog update.
    const ipCell = cells.find((c) => c.args[c.args.length - 1] === ip)!;
    expect(ipCell.args.slice(0, 3)).toEqual(['-type', 'ip', '-vlnv']);
    expect(ipCell.args[3]).toBe(`xilinx.com:hls:${v.ipName}:1.0`);
    expect(r.calls.indexOf(ipCell)).toBeGreaterThan(index(r, 'update_ip_catalog'));

    // Control: PS master -> SmartConnect -> the IP's s_axi_control (and each DMA's S_AXI_LITE).
    expect(joined(r, 'connect_bd_intf_net', `${ps}/${n.master}`, 'axi_ctrl_sc/S00_AXI')).toBe(true);
    const ctrlOut = (pin: string): boolean => find(r, 'connect_bd_intf_net').some((c) => c.args.includes(pin) && c.args.some((a) => /^axi_ctrl_sc\/M\d\d_AXI$/.test(a)));
    expect(ctrlOut(`${ip}/s_axi_control`)).toBe(true);
    // Memory: every master -> SmartConnect -> the HP port.
    expect(joined(r, 'connect_bd_intf_net', 'axi_mem_sc/M00_AXI', `${ps}/${b.hpPort}`)).toBe(true);
    const toMem = (pin: string): boolean => find(r, 'connect_bd_intf_net').some((c) => c.args.includes(pin) && c.args.some((a) => /^axi_mem_sc\/S\d\d_AXI$/.test(a)));
    const memSi = find(r, 'connect_bd_intf_net').flatMap((c) => c.args).filter((a) => /^axi_mem_sc\/S\d\d_AXI$/.test(a));
    expect(new Set(memSi).size).toBe(memSi.length);
    // One memory master per input and output, and one more for the weight image when weights stream from DDR.
    const masters = v.inPorts + v.outPorts + (v.weightImage ? 1 : 0);
    expect(Number(cellProps(r, 'axi_mem_sc')['CONFIG.NUM_SI'])).toBe(masters);
    expect(memSi.length).toBe(masters);
    // Weights from DDR: the IP's m_axi_wimg master (bundle wimg of the generated wrapper) goes through the memory
    // SmartConnect to the HP port, and after assign_bd_address the script checks that its address space
    // (Data_m_axi_wimg) holds a DDR segment; without streamed weights no such master is touched.
    const wimgCalls = r.calls.filter((c) => c.args.some((a) => a.includes('wimg')));
    if (v.weightImage) {
      expect(toMem(`${ip}/m_axi_wimg`)).toBe(true);
      expect(find(r, 'connect_bd_intf_net', (c) => c.args.includes(`${ip}/m_axi_wimg`))).toHaveLength(1);
      const spaces = find(r, 'get_bd_addr_spaces', (c) => c.args.includes(`${ip}/Data_m_axi_wimg`));
      expect(spaces).toHaveLength(1);
      expect(r.calls.indexOf(spaces[0])).toBeGreaterThan(index(r, 'assign_bd_address'));
      expect(r.calls.indexOf(spaces[0])).toBeLessThan(index(r, 'validate_bd_design'));
      const seg = b.ps === 'zynq_ultra_ps_e' ? `SEG_${ps}_${b.hpPort!.replace(/^S_AXI_(HP\d)_FPD$/, '$1')}_DDR_LOW` : `SEG_${ps}_${b.hpPort!.replace(/^S_AXI_/, '')}_DDR_LOWOCM`;
      expect(r.out).toContain(`fpgac: weight-image master ${ip}/m_axi_wimg reaches ${seg}`);
    } else {
      expect(wimgCalls).toEqual([]);
      expect(r.out).not.toContain('weight-image');
    }

    const dmas = cells.filter((c) => /^xilinx\.com:ip:axi_dma:/.test(c.args[3] ?? ''));
    if (v.interface === 'axis') {
      const count = Math.max(v.inPorts, v.outPorts);
      expect(dmas.map((c) => c.args[4])).toEqual(Array.from({ length: count }, (_, k) => `axi_dma_${k}`));
      expect(Number(cellProps(r, 'axi_ctrl_sc')['CONFIG.NUM_MI'])).toBe(1 + count);
      for (let k = 0; k < count; k++) {
        const dma = `axi_dma_${k}`;
        const p = cellProps(r, dma);
        expect(p['CONFIG.c_include_sg'], dma).toBe('0');
        expect(p['CONFIG.c_sg_length_width'], dma).toBe('26');
        expect(p['CONFIG.c_include_mm2s'], dma).toBe(k < v.inPorts ? '1' : '0');
        expect(p['CONFIG.c_include_s2mm'], dma).toBe(k < v.outPorts ? '1' : '0');
        expect(ctrlOut(`${dma}/S_AXI_LITE`), dma).toBe(true);
        expect(joined(r, 'connect_bd_net', `${ps}/${b.plClock}`, `${dma}/s_axi_lite_aclk`)).toBe(true);
        expect(joined(r, 'connect_bd_net', 'rst_pl/peripheral_aresetn', `${dma}/axi_resetn`)).toBe(true);
        if (k < v.inPorts) {
          // Memory to stream: the DMA's stream master drives the IP's input in<k>.
          expect(Number(p['CONFIG.c_m_axis_mm2s_tdata_width'])).toBe(v.busBits);
          const c = find(r, 'connect_bd_intf_net', (x) => x.args.includes(`${ip}/in${k}`));
          expect(c.map((x) => x.args)).toEqual([[`${dma}/M_AXIS_MM2S`, `${ip}/in${k}`]]);
          expect(toMem(`${dma}/M_AXI_MM2S`)).toBe(true);
          expect(joined(r, 'connect_bd_net', `${ps}/${b.plClock}`, `${dma}/m_axi_mm2s_aclk`)).toBe(true);
        }
        if (k < v.outPorts) {
          // Stream to memory: the IP's output out<k> drives the DMA's stream slave.
          expect(Number(p['CONFIG.c_s_axis_s2mm_tdata_width'])).toBe(v.busBits);
          const c = find(r, 'connect_bd_intf_net', (x) => x.args.includes(`${ip}/out${k}`));
          expect(c.map((x) => x.args)).toEqual([[`${ip}/out${k}`, `${dma}/S_AXIS_S2MM`]]);
          expect(toMem(`${dma}/M_AXI_S2MM`)).toBe(true);
          expect(joined(r, 'connect_bd_net', `${ps}/${b.plClock}`, `${dma}/m_axi_s2mm_aclk`)).toBe(true);
        }
      }
      expect(find(r, 'connect_bd_intf_net', (c) => c.args.some((a) => a.includes('m_axi_gmem')))).toEqual([]);
    } else {
      expect(dmas).toEqual([]);
      expect(Number(cellProps(r, 'axi_ctrl_sc')['CONFIG.NUM_MI'])).toBe(1);
      for (let k = 0; k < v.inPorts; k++) expect(toMem(`${ip}/m_axi_gmem_in${k}`), `in${k}`).toBe(true);
      for (let k = 0; k < v.outPorts; k++) expect(toMem(`${ip}/m_axi_gmem_out${k}`), `out${k}`).toBe(true);
    }

    // Clocks from the PL clock, resets through proc_sys_reset.
    for (const pin of [`${ip}/ap_clk`, `${ps}/${n.masterClk}`, `${ps}/${n.hpClk}`, 'axi_ctrl_sc/aclk', 'axi_mem_sc/aclk', 'rst_pl/slowest_sync_clk']) {
      expect(joined(r, 'connect_bd_net', `${ps}/${b.plClock}`, pin), pin).toBe(true);
    }
    expect(cells.find((c) => c.args[c.args.length - 1] === 'rst_pl')?.args[3]).toMatch(/^xilinx\.com:ip:proc_sys_reset:/);
    expect(joined(r, 'connect_bd_net', `${ps}/${n.reset}`, 'rst_pl/ext_reset_in')).toBe(true);
    expect(joined(r, 'connect_bd_net', 'rst_pl/peripheral_aresetn', `${ip}/ap_rst_n`)).toBe(true);
    for (const sc of ['axi_ctrl_sc', 'axi_mem_sc']) expect(find(r, 'connect_bd_net', (c) => c.args.includes(`${sc}/aresetn`) && c.args.some((a) => a.startsWith('rst_pl/'))).length, sc).toBe(1);
    // No pin is driven twice (one connect per sink).
    const sinks = find(r, 'connect_bd_net').map((c) => c.args[1]);
    expect(new Set(sinks).size).toBe(sinks.length);

    // Addresses, validation, save, wrapper, then the runs; the bitstream and .hwh copied under the same base name.
    const order = ['assign_bd_address', 'validate_bd_design', 'save_bd_design', 'make_wrapper', 'launch_runs', 'wait_on_run'].map((c) => index(r, c));
    expect(order.every((i) => i >= 0), JSON.stringify(order)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(index(r, 'assign_bd_address')).toBeGreaterThan(r.calls.lastIndexOf(find(r, 'connect_bd_net').at(-1)!));
    const launch = find(r, 'launch_runs')[0].args;
    expect(launch[0]).toBe('impl_1');
    expect(launch.slice(launch.indexOf('-to_step'), launch.indexOf('-to_step') + 2)).toEqual(['-to_step', 'write_bitstream']);
    expect(launch[launch.indexOf('-jobs') + 1]).toMatch(/^[1-9][0-9]*$/);
    expect(readFileSync(path.join(r.dir, 'bitstream', `${v.name}.bit`), 'utf8')).toBe(`fake bitstream of ${v.name}_vivado`);
    expect(readFileSync(path.join(r.dir, 'bitstream', `${v.name}.hwh`), 'utf8')).toBe('fake hwh of fpgac_bd');
    expect(r.out).toContain(`wrote bitstream/${v.name}.bit and bitstream/${v.name}.hwh`);
  }

  for (const name of ZYNQ) {
    for (const iface of ['axis', 'm_axi'] as const) {
      it(`${name}, ${iface}: board part, PS preset, HP port, PL clock, IP, ${iface === 'axis' ? 'DMA' : 'm_axi masters'}, control, addresses, bitstream`, () => {
        const b = board(name);
        const v = view(b, { interface: iface });
        checkDesign(run(project(v), { env: installed(b) }), b, v);
      });
    }
  }

  // Weights from DDR: the view as src/build.ts gives it for a plan that streams weights.
  for (const name of ZYNQ) {
    for (const iface of ['axis', 'm_axi'] as const) {
      it(`${name}, ${iface}, weights from DDR: m_axi_wimg through the memory SmartConnect to the HP port, its DDR address assigned`, () => {
        const b = board(name);
        const v = view(b, { interface: iface, weightImage: true });
        checkDesign(run(project(v), { env: installed(b) }), b, v);
      });
    }
  }

  it('weights from DDR, real builds (dsodenet --weights ddr) on zcu104 and pynq-z2, axis and m_axi: the build\'s build_bd.tcl connects m_axi_wimg and assigns its address; the same builds without --weights ddr have no such master', () => {
    for (const name of ['zcu104', 'pynq-z2']) {
      for (const iface of ['axis', 'm_axi'] as const) {
        for (const ddr of [true, false]) {
          const what = `${name} ${iface}${ddr ? ' --weights ddr' : ''}`;
          const dir = path.join(freshDir('real'), 'build');
          buildProject(exampleModel(), dir, { board: name, interface: iface, ...(ddr ? { weightsFrom: 'ddr' as const } : {}) });
          // What the build says about itself: the plan streams weights (or not), the IP and its ports (design.json).
          const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { plan: { clockMHz: number; weightImage?: unknown } };
          expect(report.plan.weightImage !== undefined, what).toBe(ddr);
          const desc = JSON.parse(readFileSync(path.join(dir, 'driver', 'design.json'), 'utf8')) as { top: string; ip: string; busBits: number; ports: { direction: string }[] };
          expect(existsSync(path.join(dir, 'tb_data', 'weights.bin')), what).toBe(ddr);
          const b = board(name);
          const v = view(b, {
            interface: iface, name: desc.top, top: desc.ip, ipName: desc.ip, clockMHz: report.plan.clockMHz, busBits: desc.busBits,
            inPorts: desc.ports.filter((p) => p.direction === 'in').length, outPorts: desc.ports.filter((p) => p.direction === 'out').length, weightImage: ddr,
          });
          // The HLS export the script needs, faked: the IP repository naming the wrapper.
          const repo = path.join(dir, `${desc.top}_prj`, 'solution1', 'impl', 'ip');
          mkdirSync(repo, { recursive: true });
          writeFileSync(path.join(repo, 'component.xml'), desc.ip);
          checkDesign(run(dir, { env: installed(b) }), b, v);
        }
      }
    }
  });

  it('weights from DDR: a weight-image master that assign_bd_address leaves without DDR stops the script in one line before validation', () => {
    for (const name of ['zcu104', 'pynq-z2']) {
      const b = board(name);
      const v = view(b, { interface: 'm_axi', weightImage: true });
      const r = run(project(v), { env: { ...installed(b), FAKE_NO_DDR: '1' } });
      expect(r.status, name).toBe(1);
      expect(r.out.trim().split('\n').filter((l) => l.startsWith('ERROR'))).toEqual([
        `ERROR: [fpgac] assign_bd_address gave the weight-image master ${v.top}_0/m_axi_wimg no DDR segment, so the IP could not read its weights`,
      ]);
      expect(index(r, 'validate_bd_design')).toBe(-1);
      expect(index(r, 'launch_runs')).toBe(-1);
    }
  });

  it('several inputs and outputs: one DMA per pair (spare channels left out), every m_axi bundle on the HP port', () => {
    const b = board('zcu104');
    for (const [inPorts, outPorts] of [[2, 1], [1, 3]]) {
      const v = view(b, { inPorts, outPorts, clockMHz: 142.5 });
      checkDesign(run(project(v), { env: installed(b) }), b, v);
    }
    const m = view(board('pynq-z2'), { interface: 'm_axi', inPorts: 3, outPorts: 2, name: 'net' });
    checkDesign(run(project(m), { env: installed(board('pynq-z2')) }), board('pynq-z2'), m);
  });

  it('jobs=N reaches launch_runs; bitstream=0 stops after the saved design; an unknown argument fails', () => {
    const b = board('kv260');
    const v = view(b);
    const r = run(project(v), { env: installed(b), args: ['jobs=12'] });
    expect(r.status, r.out).toBe(0);
    expect(find(r, 'launch_runs')[0].args).toEqual(['impl_1', '-to_step', 'write_bitstream', '-jobs', '12']);
    const r0 = run(project(v), { env: installed(b), args: ['bitstream=0'] });
    expect(r0.status, r0.out).toBe(0);
    expect(index(r0, 'save_bd_design')).toBeGreaterThan(0);
    expect(index(r0, 'launch_runs')).toBe(-1);
    expect(existsSync(path.join(r0.dir, 'bitstream'))).toBe(false);
    for (const bad of ['jobs=0', 'frobnicate=1', 'bitstream=yes']) {
      const rb = run(project(v), { env: installed(b), args: [bad] });
      expect(rb.status, bad).toBe(1);
      expect(rb.out).toMatch(/ERROR: \[fpgac\] /);
      expect(rb.calls).toEqual([]);
    }
  });

  it('a failing implementation exits 1 naming both runs, copies nothing and removes the previous bitstream', () => {
    const b = board('zcu102');
    const v = view(b);
    const dir = project(v);
    mkdirSync(path.join(dir, 'bitstream'));
    writeFileSync(path.join(dir, 'bitstream', `${v.name}.bit`), 'stale');
    writeFileSync(path.join(dir, 'bitstream', `${v.name}.hwh`), 'stale');
    const r = run(dir, { env: { ...installed(b), FAKE_IMPL_STATUS: 'route_design ERROR', FAKE_PROGRESS: '85%', FAKE_NO_BIT: '1' } });
    expect(r.status).toBe(1);
    expect(r.out).toContain("ERROR: [fpgac] no bitstream: synth_1 'synth_design Complete!', impl_1 'route_design ERROR'");
    expect(r.out).toContain('fpgac_top_vivado/fpgac_top_vivado.runs/impl_1/runme.log');
    expect(existsSync(path.join(dir, 'bitstream', `${v.name}.bit`))).toBe(false);
    expect(existsSync(path.join(dir, 'bitstream', `${v.name}.hwh`))).toBe(false);
    // A failed synthesis is reported the same way (impl_1 never started).
    const r2 = run(project(v), { env: { ...installed(b), FAKE_SYNTH_STATUS: 'synth_design ERROR', FAKE_IMPL_STATUS: 'Not started', FAKE_PROGRESS: '0%', FAKE_NO_BIT: '1' } });
    expect(r2.status).toBe(1);
    expect(r2.out).toContain("synth_1 'synth_design ERROR', impl_1 'Not started'");
  });

  it('missed timing is an error unless timing=warn (then the bitstream is copied)', () => {
    const b = board('ultra96v2');
    const v = view(b);
    const r = run(project(v), { env: { ...installed(b), FAKE_WNS: '-0.412' } });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/ERROR: \[fpgac\] implementation missed timing at 200 MHz \(worst negative slack -0\.412 ns\)/);
    expect(existsSync(path.join(r.dir, 'bitstream', `${v.name}.bit`))).toBe(false);
    const w = run(project(v), { env: { ...installed(b), FAKE_WNS: '-0.412' }, args: ['timing=warn'] });
    expect(w.status, w.out).toBe(0);
    expect(w.out).toMatch(/WARNING: \[fpgac\] implementation missed timing/);
    expect(existsSync(path.join(w.dir, 'bitstream', `${v.name}.bit`))).toBe(true);
  });

  it('older Vivado: the .hwh under .srcs; newer Vivado: wait_on_runs', () => {
    const b = board('pynq-z2');
    const v = view(b);
    checkDesign(run(project(v), { env: { ...installed(b), FAKE_HWH_IN: 'srcs' } }), b, v);
    const r = run(project(v), { env: { ...installed(b), FAKE_WAIT_ON_RUNS: '1' } });
    expect(r.status, r.out).toBe(0);
    expect(find(r, 'wait_on_runs')[0].args).toEqual(['impl_1']);
    expect(index(r, 'wait_on_run')).toBe(-1);
  });

  it('board files: another installed version of the board is used with a warning; none is an error; FPGAC_BOARD_REPO is added', () => {
    const b = board('kv260');
    const v = view(b);
    const r = run(project(v), { env: { FAKE_BOARD_PARTS: 'xilinx.com:kv260_som:part0:1.2 xilinx.com:kv260_som:part0:1.4 xilinx.com:zcu104:part0:1.1' } });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('WARNING: [fpgac] board part xilinx.com:kv260_som:part0:1.3 is not installed; using xilinx.com:kv260_som:part0:1.4');
    expect(find(r, 'set_property', (c) => c.args[0] === 'board_part')[0].args[1]).toBe('xilinx.com:kv260_som:part0:1.4');
    const none = run(project(v), { env: { FAKE_BOARD_PARTS: 'xilinx.com:zcu104:part0:1.1' } });
    expect(none.status).toBe(1);
    expect(none.out).toContain('ERROR: [fpgac] Vivado has no board files for xilinx.com:kv260_som:part0:1.3');
    expect(index(none, 'create_project')).toBe(-1);
    const repoDir = path.join(tmp, 'board files [x] $y');
    const withRepo = run(project(v), { env: { ...installed(b), FPGAC_BOARD_REPO: repoDir } });
    expect(withRepo.status, withRepo.out).toBe(0);
    expect(find(withRepo, 'set_param')[0].args[0]).toBe('board.repoPaths');
    expect(find(withRepo, 'set_param')[0].lists[1]).toEqual([repoDir]);
  });

  it('no exported IP, or an exported IP of another name: a clear error before or right after the project', () => {
    const b = board('zcu104');
    const v = view(b);
    const r = run(project(v, freshDir('build'), null), { env: installed(b) });
    expect(r.status).toBe(1);
    expect(r.out).toContain('ERROR: [fpgac] no exported HLS IP in fpgac_top_prj/solution1/impl/ip: run vitis_hls -f build_prj.tcl -tclargs csim=0 synth=1 export=1 first');
    expect(r.calls).toEqual([]);
    const other = run(project(v, freshDir('build'), 'fpgac_top'), { env: installed(b) });
    expect(other.status).toBe(1);
    expect(other.out).toContain('ERROR: [fpgac] fpgac_top_prj/solution1/impl/ip holds no IP xilinx.com:hls:fpgac_top_axis');
    expect(index(other, 'create_bd_design')).toBe(-1);
  });

  it("a folder path with spaces, $, [ ], ; and quotes: every path stays one word (the script never pastes its own path)", () => {
    const b = board('zcu104');
    const v = view(b);
    const hostile = path.join(tmp, `my build $HOME [exit 7] ; "q" 'a' {b`);
    const dir = project(v, hostile);
    const r = run(dir, { env: installed(b) });
    checkDesign(r, b, v);
    expect(r.out).toContain("WARNING: [fpgac] this folder's path holds spaces or special characters");
    // Started from elsewhere with the absolute path of the script: the same folder is used.
    const elsewhere = freshDir('cwd');
    rmSync(path.join(dir, 'bitstream'), { recursive: true });
    const r2 = run(dir, { env: installed(b), cwd: elsewhere, script: path.join(dir, 'build_bd.tcl') });
    checkDesign(r2, b, v);
    expect(existsSync(path.join(elsewhere, 'bitstream'))).toBe(false);
  });
});

if (!TCLSH) describe('build_bd.tcl under tclsh with stub Vivado commands', () => {
  it.skip('SKIPPED: needs tclsh on PATH (apt-get install tcl)', () => {});
});
