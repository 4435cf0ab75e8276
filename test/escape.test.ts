/**
 * No name from a model reaches C++, Tcl, sh, Markdown, HTML or a terminal unescaped (src/util/escape.ts). Each
 * escaping function is checked for the property it promises, with the real consumer where there is one: g++
 * compiles comments made from 500 hostile strings and proves no line was swallowed and nothing was defined; tclsh
 * and sh evaluate the quoted words and give back exactly the bytes; then a model whose every name is a payload is
 * built, compiled and run (make csim) bit-exact against the simulator, with no payload executed and none raw in
 * the reports or on the terminal.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { cppComment, cppString, htmlText, markdownText, shellQuote, tclQuote, terminalLine, terminalText } from '../src/util/escape.js';
import { formatDiagnostic } from '../src/diagnostics.js';
import { buildProject } from '../src/build.js';
import { readNpy } from '../src/npy.js';
import { computeLayers, type Design, type Layer } from '../src/ir/design.js';
import { layerConstants } from '../src/kinds/index.js';
import { buildModel, values, type ModelSpec } from './support/onnx-builder.js';
import { REPO, rng } from './support/harness.js';

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-escape-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Pieces hostile to one language or another; random strings are made of these and random code points. */
const PIECES = [
  '\n', '\r', '\r\n', '\\', '\\\n', '??/', '??', '?', '*/', '/*', '//', '"', "'", '`', '\0', '\x1b', '\x1b[2K', '\x07', '\t', '\v', '\f',
  '\x7f', '\x85', '\x9b', '\u2028', '\u2029', '\u202e', '\u200f', '\u2066', '\ufeff', 'é', '漢', '😀', '{', '}', '{{', '}}', '$', '[', ']',
  ';', '%', '%25', '#', '|', '<', '>', '&', '&amp;', '*', '_', '~', '!', ' ', 'a', 'Z', '0', '_x_', '$(touch PWNED)', '`touch PWNED`',
  '[exec touch PWNED]', '$env(HOME)', '\\u0041', '\\x41', '\\', '<script>', '#include <x>', '\nsystem("touch PWNED");//',
];

/** A seeded random hostile string (no lone surrogates: no consumer can hold one, see the shell and Tcl notes). */
function hostile(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.7) s += PIECES[Math.floor(rand() * PIECES.length)];
    else if (r < 0.85) s += String.fromCharCode(Math.floor(rand() * 0x80));
    else {
      let cp = Math.floor(rand() * 0x110000);
      if (cp >= 0xd800 && cp < 0xe000) cp = 0x2028;
      s += String.fromCodePoint(cp);
    }
  }
  return s;
}

function hostileStrings(seed: number, n: number): string[] {
  const rand = rng(seed);
  const fixed = ['', 'a\\', 'b??/', 'x\nsystem("touch PWNED");//', '$(touch PWNED2)', '\u001b[2K\rbuild succeeded', '<script>alert(1)</script>', '}{', '{', '\\{', '{a}\\', '?', '??', '???/'];
  return [...fixed, ...Array.from({ length: n - fixed.length }, () => hostile(rand))];
}

const hexOf = (s: string) => Buffer.from(s, 'utf8').toString('hex');

function run(cmd: string, args: string[], cwd: string, input?: string) {
  const r = spawnSync(cmd, args, { cwd, input, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr.toString('utf8') };
}

/** Files anywhere under `dir` that a payload would create (`touch PWNED`, `touch PWNED2`, ...). */
function pwned(dir: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (/^PWNED\d*$/.test(f)) hits.push(p);
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return hits;
}

/** The characters the escapes promise never to leave raw (terminalText keeps \n and \t). */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('C++', () => {
  const strings = hostileStrings(1, 500);

  /** One struct whose members are exactly guard_0..guard_N-1, each after a comment made from a string. */
  function guardedFile(comment: (s: string) => string): string {
    const lines = ['struct Guards {'];
    strings.forEach((s, i) => lines.push(`// ${comment(s)}`, `int guard_${i};`));
    lines.push('};');
    // Every guard exists (a swallowed line would leave one undeclared) and nothing else was declared (the size).
    lines.push(`int Guards::* const all_guards[] = {\n${strings.map((_, i) => `  &Guards::guard_${i}`).join(',\n')}\n};`);
    lines.push(`static_assert(sizeof(Guards) == ${strings.length} * sizeof(int), "a comment leaked a declaration");`);
    lines.push(`static_assert(sizeof(all_guards) / sizeof(all_guards[0]) == ${strings.length}, "guards");`);
    return lines.join('\n') + '\n';
  }

  function gxx(file: string, extra: string[]) {
    return run('g++', ['-std=c++14', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-Werror=comment', ...extra, file], tmp);
  }

  it('cppComment: 500 hostile strings as // comments, each followed by a declaration: g++ (trigraphs on) sees exactly the declarations', () => {
    const file = path.join(tmp, 'comments.cpp');
    writeFileSync(file, guardedFile(cppComment));
    for (const flags of [[], ['-trigraphs']]) {
      const r = gxx(file, flags);
      expect(r.err, `g++ ${flags.join(' ')}`).toBe('');
      expect(r.code).toBe(0);
    }
    for (const s of strings) expect(cppComment(s)).toMatch(/^[\x20-\x7e]*$/);
    for (const s of strings) expect(cppComment(s)).not.toMatch(/\\|\?\?/);
  });

  it('the same file with the raw strings does not compile (the check above can fail)', () => {
    const file = path.join(tmp, 'raw-comments.cpp');
    writeFileSync(file, guardedFile((s) => s));
    expect(gxx(file, ['-trigraphs']).code).not.toBe(0);
  });

  it('cppComment keeps ordinary names readable and is one-to-one', () => {
    for (const s of ['/conv1/Conv_output_0', '/layer1/conv/Conv_output_0', 'StatefulPartitionedCall/model/dense/MatMul:0', 'a b (c) = d, e; f?'])
      expect(cppComment(s)).toBe(s);
    expect(cppComment('a\\')).toBe('a%5C');
    expect(cppComment('b??/')).toBe('b?%3F/');
    expect(cppComment('x\ny')).toBe('x%0Ay');
    expect(cppComment('100%')).toBe('100%25');
    expect(cppComment('é')).toBe('%C3%A9');
    const seen = new Map<string, string>();
    for (const s of strings) {
      const e = cppComment(s);
      if (seen.has(e)) expect(seen.get(e)).toBe(s);
      seen.set(e, s);
    }
  });

  it('cppString: a program printing each literal gives back exactly the UTF-8 bytes', () => {
    const some = strings.slice(0, 200);
    const src = [
      '#include <cstdio>',
      'static void hex(const char* s, unsigned long n) { for (unsigned long i = 0; i < n; i++) std::printf("%02x", (unsigned char)s[i]); std::printf("\\n"); }',
      'int main() {',
      ...some.map((s) => `  { static const char lit[] = "${cppString(s)}"; hex(lit, sizeof(lit) - 1); }`),
      '  return 0;',
      '}',
    ].join('\n');
    const file = path.join(tmp, 'strings.cpp');
    const exe = path.join(tmp, 'strings');
    writeFileSync(file, src);
    const c = run('g++', ['-std=c++14', '-trigraphs', '-Wall', '-Werror', '-o', exe, file], tmp);
    expect(c.err).toBe('');
    const r = run(exe, [], tmp);
    expect(r.out.toString('utf8').split('\n').slice(0, -1)).toEqual(some.map(hexOf));
  });
});

describe('Tcl', () => {
  it('tclQuote: tclsh evaluates each word to exactly the string and runs nothing', () => {
    const dir = path.join(tmp, 'tcl');
    mkdirSync(dir);
    const strings = [...hostileStrings(2, 400), '[exec touch PWNED]', '$env(HOME)', '{[exec touch PWNED]', 'a}b{c', '\\', '\\\\', '{\\}', '"', '"x"', '#', ';', '\n', ' ', '😀x'];
    const script = strings.map((s) => `set v ${tclQuote(s)}; puts [binary encode hex [encoding convertto utf-8 $v]]`).join('\n') + '\n';
    // The words are ASCII (non-ASCII becomes \u escapes), so the script means the same in any source encoding.
    expect(script).toMatch(/^[\x20-\x7e\n]*$/);
    writeFileSync(path.join(dir, 'q.tcl'), script);
    const r = run('tclsh', ['q.tcl'], dir);
    expect(r.err).toBe('');
    expect(r.out.toString('utf8').split('\n').slice(0, -1)).toEqual(strings.map(hexOf));
    expect(pwned(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['q.tcl']);
  });

  it('tclQuote leaves part numbers and identifiers bare, braces simple text', () => {
    expect(tclQuote('xczu7ev-ffvc1156-2-e')).toBe('xczu7ev-ffvc1156-2-e');
    expect(tclQuote('fpgac_top')).toBe('fpgac_top');
    expect(tclQuote('fpgac_top, generated by fpgac 0.1.0')).toBe('{fpgac_top, generated by fpgac 0.1.0}');
    expect(tclQuote('')).toBe('{}');
    expect(tclQuote('a}b{c')).toBe('a\\}b\\{c');
  });
});

describe('sh', () => {
  it('shellQuote: sh prints each word back exactly and runs nothing', () => {
    const dir = path.join(tmp, 'sh');
    mkdirSync(dir);
    // An sh word cannot hold NUL: those strings are left out here, and shellQuote refuses them.
    const strings = hostileStrings(3, 300).filter((s) => !s.includes('\0'));
    const script = strings.map((s) => `printf '%s\\0' ${shellQuote(s)}`).join('\n') + '\n';
    const r = run('sh', ['-c', script], dir);
    expect(r.err).toBe('');
    const parts: string[] = [];
    let start = 0;
    for (let i = 0; i < r.out.length; i++) if (r.out[i] === 0) { parts.push(r.out.subarray(start, i).toString('hex')); start = i + 1; }
    expect(parts).toEqual(strings.map(hexOf));
    expect(readdirSync(dir)).toEqual([]);
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('Markdown, HTML, terminal', () => {
  const strings = hostileStrings(4, 500);

  it('markdownText: one line, no raw control, tag, pipe or markup; unescaping gives back the (visibly escaped) text', () => {
    for (const s of strings) {
      const m = markdownText(s);
      expect(m).not.toMatch(CONTROL);
      // Every markup character is preceded by an odd run of backslashes (escaped), never raw.
      const raw = m.replace(/\\[\\`*_[\]<>|#!~&${}]/g, '');
      expect(raw, JSON.stringify(s)).not.toMatch(/[\\`*[\]<>|#!~&${}]/);
      expect(raw.replace(/[A-Za-z0-9]_(?=[A-Za-z0-9])/g, '')).not.toMatch(/(^|[^A-Za-z0-9])_|_($|[^A-Za-z0-9])/);
      expect(m.replace(/\\([\\`*_[\]<>|#!~&${}])/g, '$1')).toBe(terminalLine(s));
    }
    expect(markdownText('/conv1/Conv_output_0')).toBe('/conv1/Conv_output_0');
    expect(markdownText('a|b')).toBe('a\\|b');
    expect(markdownText('<script>')).toBe('\\<script\\>');
  });

  it('htmlText: no raw markup or control characters; decoding the entities gives back the (visibly escaped) text', () => {
    for (const s of strings) {
      const h = htmlText(s);
      expect(h).not.toMatch(CONTROL);
      expect(h).not.toMatch(/[<>"']/);
      expect(h.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toMatch(/&/);
      const decoded = h.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
      expect(decoded).toBe(terminalLine(s));
    }
    expect(htmlText('stem<script>alert("x")</script>&\'q\'')).toBe('stem&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;q&#39;');
  });

  it('terminalText / terminalLine: no control or bidi character reaches the terminal; JSON printed through it stays the same JSON', () => {
    for (const s of strings) {
      expect(terminalText(s).replace(/[\n\t]/g, '')).not.toMatch(CONTROL);
      expect(terminalLine(s)).not.toMatch(CONTROL);
      expect(JSON.parse(terminalText(JSON.stringify({ s }, null, 2))).s).toBe(s);
    }
    expect(terminalText('\x1b[2K\rok\n\tdone\u202e')).toBe('\\x1b[2K\\x0dok\n\tdone\\u202e');
    expect(terminalText('plain — ≥ é')).toBe('plain — ≥ é');
  });

  it('formatDiagnostic: exactly one line, no control character, for hostile node, op, message and hint', () => {
    const rand = rng(5);
    for (let i = 0; i < 300; i++) {
      const d = formatDiagnostic({ code: 'FPGAC002', node: hostile(rand), op: hostile(rand), message: `unsupported ${hostile(rand)}`, hint: hostile(rand) || undefined });
      expect(d).not.toMatch(CONTROL);
      expect(d.startsWith('error FPGAC002: ')).toBe(true);
    }
    expect(formatDiagnostic({ code: 'FPGAC002', node: 'a\nb', op: 'X', message: 'unsupported op' })).toBe("error FPGAC002: node 'a\\x0ab' (op X): unsupported op");
    expect(formatDiagnostic({ code: 'FPGAC002', node: 'act_tanh', op: 'Tanh', message: 'unsupported op' })).toBe("error FPGAC002: node 'act_tanh' (op Tanh): unsupported op");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// End to end: every name of a model is a payload.

const P = {
  cmd: 'x\nsystem("touch PWNED");//',
  err: 'q\n#error injected\n',
  backslash: 'a\\',
  trigraph: 'b??/',
  shell: '$(touch PWNED2)',
  esc: '\u001b[2K\rbuild succeeded',
  html: '<script>alert(1)</script>',
  bidi: 'rlo\u202eevil\u2028sep',
  tcl: '[exec touch PWNED3]{',
};

/** Dense → bias → ReLU → scale → offset, with payload names everywhere and library/keyword names. */
function hostileSpec(): ModelSpec {
  return {
    inputs: [{ name: P.shell, dims: ['N', 8] }],
    outputs: [{ name: P.tcl }],
    initializers: [
      { name: 'int', dims: [8, 4], values: values(32, 5) },
      { name: 'main', dims: [4], values: values(4, 6) },
      { name: 'y0', dims: [4], values: [0.5, 1.25, -0.75, 2] },
      { name: 'NULL', dims: [4], values: [0.125, -0.5, 0.25, 1] },
      { name: P.cmd.replace('PWNED', 'PWNED5'), dims: [4], values: [1, 0.5, 0.25, -1] },
    ],
    nodes: [
      { op: 'MatMul', inputs: [P.shell, 'int'], outputs: [P.cmd], name: P.cmd },
      { op: 'Add', inputs: [P.cmd, 'main'], outputs: [P.backslash], name: P.trigraph },
      { op: 'Relu', inputs: [P.backslash], outputs: [P.err], name: P.esc },
      { op: 'Mul', inputs: [P.err, 'y0'], outputs: ['printf'], name: 'printf' },
      { op: 'Add', inputs: ['printf', 'NULL'], outputs: [P.bidi], name: 'y0' },
      { op: 'Mul', inputs: [P.bidi, P.cmd.replace('PWNED', 'PWNED5')], outputs: ['assert'], name: P.html },
      { op: 'Add', inputs: ['assert', 'main'], outputs: [P.tcl], name: 'main' },
    ],
  };
}

/** Encodes the model with a hostile graph name and producer (the builder fixes those), into `file`. */
function writeHostileModel(file: string, spec: ModelSpec): void {
  const { onnx } = onnxProto;
  const m = onnx.ModelProto.decode(buildModel(spec));
  m.producerName = `${P.esc} ${P.cmd}`;
  m.graph!.name = `${P.err}${P.html}`;
  writeFileSync(file, onnx.ModelProto.encode(m).finish());
}

const IDENT = /^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$/;

/**
 * Builds `model` into `dir`, checks the names (every identifier generated, none reserved, no two emitted ones equal
 * even ignoring case), runs `make csim` (g++, trigraphs on) and compares with the simulator bit for bit.
 */
function buildAndCsim(model: string, dir: string): Design {
  const d = buildProject(model, dir, { schedule: 'sequential' }).compiled.design;
  const constants = [...new Set(computeLayers(d.layers).flatMap((l) => layerConstants(l).map((e) => e.data.name)))];
  for (const c of constants) expect(c).toMatch(/^c_/);
  for (const t of Object.keys(d.tensors)) expect(t).toMatch(/^(t|in|s|tmp)_/);
  const loops = (ls: readonly Layer[]): Layer[] => ls.flatMap((l) => (l.kind === 'loop' ? [l, ...loops(l.body)] : [l]));
  const layers = loops(d.layers).map((l) => l.name);
  for (const n of [...constants, ...Object.keys(d.tensors), ...layers]) expect(n).toMatch(IDENT);
  const emitted = [
    ...constants.flatMap((c) => [c, `${c}_t`]), ...Object.keys(d.tensors).flatMap((t) => [t, `${t}_t`]),
    ...layers.flatMap((l) => [`cfg_${l}`, `${l}_step`, `${l}_steps`, `${l}_pp`]), d.name,
  ].map((n) => n.toLowerCase());
  expect(new Set(emitted).size).toBe(emitted.length);
  const out = path.join(dir, '..', `${path.basename(dir)}-csim.npy`);
  const make = spawnSync('make', ['-s', '-C', dir, 'csim', `OUTPUT=${out}`, 'CXXFLAGS=-std=c++14 -O1 -trigraphs -Werror=comment'], { cwd: path.dirname(dir), encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(make.status, make.stderr).toBe(0);
  const a = readNpy(out);
  const b = readNpy(path.join(dir, 'tb_data', 'sim_output.npy'));
  expect(a.shape).toEqual(b.shape);
  expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);
  return d;
}

describe('identifiers: names that would collide once derived forms are added', () => {
  it('tensors a / a_t, layers r / R / r_step / cfg_r, a name shaped like a sparse encoding: all emitted names distinct', () => {
    const work = path.join(tmp, 'ids');
    mkdirSync(work);
    const file = path.join(work, 'ids.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
      initializers: [1, 2, 3, 4, 5].map((k) => ({ name: `k${k}`, dims: [4], values: values(4, k) })),
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'r' },
        { op: 'Mul', inputs: ['a', 'k1'], outputs: ['a_t'], name: 'R' },
        { op: 'Add', inputs: ['a_t', 'k2'], outputs: ['A'], name: 'r_step' },
        { op: 'Mul', inputs: ['A', 'k3'], outputs: ['w_sp4_v'], name: 'cfg_r' },
        { op: 'Add', inputs: ['w_sp4_v', 'k4'], outputs: ['c_R_b'], name: 'c_cfg_r_b' },
        { op: 'Mul', inputs: ['c_R_b', 'k5'], outputs: ['y'], name: 'x_sp2_v' },
      ],
    }, file);
    buildAndCsim(file, path.join(work, 'prj'));
  }, 120_000);
});

describe('end to end: a model whose every name is a payload', () => {
  const modelName = `m\n$(touch PWNED4)\u001b[31m;system("x")??=\\.onnx`; // no "/": a file name cannot hold one
  let dir: string;
  let work: string;

  beforeAll(() => {
    work = path.join(tmp, 'e2e');
    mkdirSync(work);
    writeHostileModel(path.join(work, modelName), hostileSpec());
    dir = path.join(work, 'prj');
  });

  it('builds, compiles with g++ (-trigraphs), csim equals the simulator bit for bit, nothing runs', () => {
    const d = buildAndCsim(path.join(work, modelName), dir);
    // Every emitted identifier is generated: constants carry the c_ prefix, nothing is a keyword or a libc name.
    expect(computeLayers(d.layers).flatMap((l) => layerConstants(l)).length).toBeGreaterThan(3);
    const cpp = ['firmware/top.cpp', 'firmware/defines.h', 'firmware/parameters.h', 'firmware/top.h'].map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
    expect(cpp).not.toMatch(/[^\x20-\x7e\n]/);
    expect(cpp).not.toMatch(/\?\?|\\/);
    expect(cpp).not.toMatch(/^\s*(system|#error|build succeeded)/m);
    expect(cpp.replace(/\/\/.*$/gm, '')).not.toMatch(/\b(int|main|printf|y0|NULL|assert)\s*\[/);
    expect(pwned(tmp)).toEqual([]);
    expect(existsSync(path.join(process.cwd(), 'PWNED'))).toBe(false);
    expect(existsSync(path.join(REPO, 'PWNED'))).toBe(false);
  }, 180_000);

  it('report.md and report.html hold no payload raw', () => {
    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    for (const text of [md, html]) {
      expect(text.replace(/\n/g, '')).not.toMatch(CONTROL);
      expect(text).not.toContain('<script>');
      for (const p of [P.cmd, P.err, P.esc, P.html, P.bidi]) expect(text).not.toContain(p);
    }
    // Names show up, escaped for the language: the node name in the layer table, the file name in the title.
    expect(md).toContain(markdownText(P.cmd));
    expect(markdownText(P.cmd)).toBe('x\\\\x0asystem("touch PWNED");//');
    expect(md).toContain(markdownText(P.html));
    expect(markdownText(P.html)).toBe('\\<script\\>alert(1)\\</script\\>');
    expect(md.split('\n')[0]).toBe(`# fpgac report: ${markdownText(modelName)}`);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(htmlText(modelName));
    expect(readFileSync(path.join(dir, 'build_prj.tcl'), 'utf8')).not.toMatch(/PWNED|[^\x20-\x7e\n]/);
  });
});

describe('CLI: escape sequences in names never reach the terminal', () => {
  const fpgac = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'fpgac.js'), ...args], { encoding: 'utf8' });
  const raw = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

  it('an unsupported node named with an escape sequence: one escaped line per problem on stderr', () => {
    const file = path.join(tmp, `bad\u001b[2K.onnx`);
    buildModel({
      inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Frobnicate\u001b]0;title\u0007', inputs: ['x'], outputs: ['a'], name: `${P.esc}\u001b[0m` },
        { op: 'Relu', inputs: ['a'], outputs: ['y'], name: `ok\u202e\n` },
      ],
    }, file);
    const r = fpgac('build', file, '-o', path.join(tmp, 'cli-bad'));
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).not.toMatch(raw);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const l of lines) expect(l).toMatch(/^error FPGAC\d{3}: /);
    expect(r.stderr).toContain('\\x1b[2K\\x0dbuild succeeded\\x1b[0m');
    const inspect = fpgac('inspect', file);
    expect(inspect.stdout + inspect.stderr).not.toMatch(raw);
    const json = fpgac('inspect', file, '--json');
    expect(json.stdout).not.toMatch(raw);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('Frobnicate\\u001b]0;title\\u0007');
  });

  it('a build of the payload model prints nothing raw', () => {
    const file = path.join(tmp, `cli\u001b[31m\r.onnx`);
    writeHostileModel(file, hostileSpec());
    const r = fpgac('build', file, '-o', path.join(tmp, 'cli-prj'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(raw);
    expect(r.stdout).toContain('cli\\x1b[31m\\x0d.onnx');
  }, 120_000);
});
