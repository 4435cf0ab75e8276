// Constants in the emitted weights headers (templates/firmware/weight.h.hbs): for C-simulation the raws as one string
// that fpgac::load_raws parses into the ap_fixed array before main, for HLS synthesis (`__SYNTHESIS__`) a static
// const ap_fixed array whose initializers are the raws times the format's power of two (a macro R, saved and
// restored). Both spellings must hold the simulator's raws in every format family (signed and unsigned, widths 1..52, fraction bits negative, zero and more than the width, every
// quantization and overflow mode), with fpgac's host headers and with the official Xilinx ones.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fixed, formatToCpp, maxRaw, minRaw, toDouble, type FixedFormat, type OMode, type QMode } from '../../sim/fixed.js';
import type { ConstData, DTensor, EltwiseLayer, Layer } from '../../src/ir/design.js';
import { renderProject } from '../../src/emit/project.js';
import { writeOutputDir } from '../../src/outdir.js';
import {
  constData, csimSamples, expectSameOutputs, itMatchesGxx, makeDesign, officialApInclude, REPO, referenceStrides, rng,
  simulateSamples,
} from '../support/harness.js';

const execFileAsync = promisify(execFile);

// [width, int, signed, q, o, n]: every family the design IR can hold.
const SPECS: readonly [number, number, boolean, QMode?, OMode?, number?][] = [
  [1, 1, true], [1, 1, false], [1, -4, false], [1, 6, true], [2, 2, true], [3, 20, true], [4, 9, true], [5, -2, true],
  [6, 13, false], [7, 0, true], [8, 0, false], [8, 3, true, 'AP_RND', 'AP_SAT_SYM'], [8, 8, false],
  [9, 4, true, 'AP_TRN_ZERO', 'AP_WRAP_SM', 3], [10, 5, true, 'AP_RND_INF', 'AP_SAT_SYM'],
  [12, 4, true, 'AP_RND_MIN_INF', 'AP_SAT_ZERO'], [16, 2, false, 'AP_RND', 'AP_SAT'], [16, 6, true, 'AP_RND_CONV', 'AP_SAT'],
  [16, 16, true], [17, 5, false], [24, -6, true], [31, 12, true], [32, 1, true], [32, 32, false], [33, 33, true],
  [33, 1, false], [40, -8, true, 'AP_RND_ZERO', 'AP_WRAP', 0], [45, -5, false], [48, 20, true, 'AP_RND', 'AP_SAT_SYM'],
  [52, 26, true], [52, -4, true], [52, 60, true], [52, 52, false], [52, 10, false, 'AP_TRN', 'AP_SAT'],
];
const FORMATS: FixedFormat[] = SPECS.map(([w, i, signed, q, o, n]) => fixed(w, i, { signed, ...(q ? { q } : {}), ...(o ? { o } : {}), ...(n !== undefined ? { n } : {}) }));

/** AP_SAT_SYM (signed, W > 1) excludes its most negative code: no C++ initializer or cast can produce it. */
const lowest = (f: FixedFormat) => (f.signed && f.o === 'AP_SAT_SYM' && f.width > 1 ? minRaw(f) + 1 : minRaw(f));

/** `count` raws of `f`: the edges (lowest, highest, 0, ±1 and their neighbours) then uniform ones over the range. */
function raws(f: FixedFormat, count: number, rand: () => number): number[] {
  const lo = lowest(f);
  const hi = maxRaw(f);
  const edges = [...new Set([lo, hi, 0, 1, -1, lo + 1, hi - 1, Math.trunc(hi / 2), Math.trunc(lo / 2)])].filter((r) => r >= lo && r <= hi);
  const out = [...edges];
  while (out.length < count) out.push(lo + Math.floor(rand() * (hi - lo + 1)));
  return out;
}

const N = 40;
const rand = rng(2024);
const constants: ConstData[] = FORMATS.map((f, k) => constData(`c_k${k}`, [N], f, raws(f, N, rand)));
// out_k = c_k * one, `one` an input of 0s and 1s (ap_ufixed<1,1>): the product is exact and fits out_k's format (c_k's),
// so the outputs are the constants themselves wherever one is 1.
const one: DTensor = { name: 'one', onnxName: 'one', shape: [N], format: fixed(1, 1, { signed: false }) };
const outs: DTensor[] = FORMATS.map((f, k) => ({ name: `out_k${k}`, onnxName: `out ${k}`, shape: [N], format: f }));
const layers: Layer[] = constants.map((c, k): EltwiseLayer => ({
  kind: 'eltwise', name: `mul_k${k}`, sources: [`node ${k}`], inputs: ['one'], output: outs[k].name, op: 'mul',
  a: { constant: c }, b: { tensor: 'one' }, outShape: [1, 1, 1, 1, 1, N], aStrides: referenceStrides([N]), bStrides: referenceStrides([N]),
  act: { kind: 'none' },
}));
const design = makeDesign('constants_test', [one, ...outs], layers, outs.map((t) => t.name));
const ones = Array.from({ length: N }, () => 1);
const bits = rng(5);
const samples = [[ones], [ones.map(() => (bits() < 0.5 ? 0 : 1))]];
const sim = simulateSamples(design, samples);

/** The W-bit two's-complement pattern of a raw, as an unsigned decimal (what range().to_uint64() prints). */
const pattern = (raw: number, f: FixedFormat) => ((BigInt(raw) % 2n ** BigInt(f.width) + 2n ** BigInt(f.width)) % 2n ** BigInt(f.width)).toString();

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The emitted project, written as `fpgac build` would (so its own Makefile and layout are used). */
function project(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fpgac-const-'));
  dirs.push(root);
  const dir = path.join(root, 'prj');
  writeOutputDir(dir, renderProject(design, { part: 'xczu7ev-ffvc1156-2-e', clockNs: 5, defaultInputs: [] }).files, { version: 'test' });
  return dir;
}

describe('emitted constants, every format family', () => {
  it('the simulator holds the constants themselves (sanity of the design: out = c where one = 1)', () => {
    constants.forEach((c, k) => {
      expect(Array.from(sim[0][k])).toEqual(c.raw.map((r) => toDouble(r, c.format)));
    });
  });

  itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc }), sim));

  it('the C-simulation spelling is a string of raws, the synthesis spelling R(raw) with R scaling by 2^-frac, in one header', () => {
    const files = renderProject(design, { part: 'xczu7ev-ffvc1156-2-e', clockNs: 5, defaultInputs: [] }).files;
    const h = String((files.get('firmware/weights/c_k7.h') as () => string | Uint8Array)()); // ap_fixed<5,-2>: multiples of 2^-7
    const f = FORMATS[7];
    expect(formatToCpp(f)).toBe('ap_fixed<5,-2>');
    const syn = h.slice(h.indexOf('#ifdef __SYNTHESIS__'), h.indexOf('#else'));
    const csim = h.slice(h.indexOf('#else'), h.lastIndexOf('#endif'));
    expect(syn).toContain('static const c_k7_t c_k7[40] = {');
    expect(syn).toContain('#define R(r) ((r) * 0.0078125)');
    expect(syn).toContain('  R(-16),R(15),0,R(1),R(-1),R(-15),R(14),R(7),R(-8)');
    expect(h.indexOf('#pragma push_macro("R")')).toBeLessThan(h.indexOf('#define R('));
    expect(h.indexOf('#pragma pop_macro("R")')).toBeGreaterThan(h.indexOf('static const c_k7_t'));
    expect(csim).toContain('static c_k7_t c_k7[40];');
    expect(csim).toContain('load_raws(::c_k7,\n  "-16 15 0 1 -1 -15 14 7 -8 ');
    // Nothing but digits, '-' and spaces inside the C-simulation string: no escape or trigraph can form.
    const text = [...csim.slice(csim.indexOf('load_raws(')).matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('');
    expect(text).toMatch(/^[-0-9 ]+$/);
    expect(text.trim().split(/ +/).map(Number)).toEqual(constants[7].raw);
  });

  it('is deterministic: the same design renders the same bytes', () => {
    const a = renderProject(design, { part: 'xczu7ev-ffvc1156-2-e', clockNs: 5, defaultInputs: [] }).files;
    const b = renderProject(design, { part: 'xczu7ev-ffvc1156-2-e', clockNs: 5, defaultInputs: [] }).files;
    const text = (v: unknown) => String(typeof v === 'function' ? (v as () => string | Uint8Array)() : v);
    for (const c of constants) expect(text(b.get(`firmware/weights/${c.name}.h`))).toBe(text(a.get(`firmware/weights/${c.name}.h`)));
  });

  // A program printing every element's W-bit pattern from each header, compiled with the synthesis branch and with
  // the C-simulation branch. The official open-source headers refuse __SYNTHESIS__ (#error), so the synthesis
  // branch is selected by defining __SYNTHESIS__ after <ap_fixed.h> is included: the headers stay the host models,
  // and the initializers go through exactly the conversion HLS's ap_fixed applies.
  const dumpProgram = (synthesisBranch: boolean) => [
    '#include <ap_fixed.h>',
    '#include <cstdio>',
    ...(synthesisBranch ? ['#define __SYNTHESIS__ 1'] : []),
    ...constants.map((c) => `#include "weights/${c.name}.h"`),
    'int main() {',
    ...constants.map((c) => `  for (int i = 0; i < ${c.raw.length}; i++) std::printf("%llu\\n", (unsigned long long)${c.name}[i].range().to_uint64());`),
    '  return 0;',
    '}',
  ].join('\n');
  const expected = constants.flatMap((c) => c.raw.map((r) => pattern(r, c.format))).join('\n') + '\n';

  async function dump(dir: string, inc: string, synthesisBranch: boolean): Promise<string> {
    const src = path.join(dir, 'firmware', `dump_${synthesisBranch ? 'syn' : 'csim'}.cpp`);
    writeFileSync(src, dumpProgram(synthesisBranch));
    const bin = `${src}.${inc === officialApInclude() ? 'official' : 'host'}.bin`;
    await execFileAsync('g++', ['-std=c++14', '-O1', `-I${inc}`, `-I${path.join(dir, 'firmware')}`, '-o', bin, src], { maxBuffer: 64 << 20 });
    return (await execFileAsync(bin, [], { maxBuffer: 64 << 20 })).stdout;
  }

  const headerSets: [string, () => string | undefined][] = [
    ['fpgac host headers', () => path.join(REPO, 'hw', 'include')],
    ['official Xilinx headers', officialApInclude],
  ];
  for (const [label, inc] of headerSets) {
    (inc() ? it : it.skip)(`the synthesis branch and the C-simulation branch hold the simulator's raws bit for bit (${label}${inc() ? '' : ', skipped: XILINX_AP_INCLUDE not set'})`, async () => {
      const dir = project();
      const [syn, csim] = await Promise.all([dump(dir, inc()!, true), dump(dir, inc()!, false)]);
      expect(csim).toBe(expected);
      expect(syn).toBe(expected);
    });
  }

  it('the whole project compiles as C++ with __SYNTHESIS__ defined (fpgac host headers, syntax only)', async () => {
    const dir = project();
    await execFileAsync('g++', ['-std=c++14', '-fsyntax-only', '-D__SYNTHESIS__', `-I${path.join(dir, 'tb', 'ap_types')}`, `-I${path.join(dir, 'firmware')}`, path.join(dir, 'firmware', 'top.cpp')]);
    // ... and the C-simulation branch is what the default compile sees (the raws string, not the R(raw) list).
    const pre = (await execFileAsync('g++', ['-std=c++14', '-E', '-P', `-I${path.join(dir, 'tb', 'ap_types')}`, `-I${path.join(dir, 'firmware')}`, path.join(dir, 'firmware', 'top.cpp')], { maxBuffer: 256 << 20 })).stdout;
    expect(pre).toContain('load_raws(::c_k7,');
    expect(pre).not.toContain('R(-16),R(15)');
  });

  it("the synthesis branch leaves the including code's own macro R as it was", async () => {
    const dir = project();
    const src = path.join(dir, 'firmware', 'own_r.cpp');
    writeFileSync(src, ['#include <ap_fixed.h>', '#define R(x) ((x) + 1000)', '#define __SYNTHESIS__ 1', '#include "weights/c_k7.h"',
      'static_assert(R(1) == 1001, "R restored");', 'int main() { return c_k7[0] == -0.125 ? 0 : 1; }'].join('\n'));
    await execFileAsync('g++', ['-std=c++14', `-I${path.join(REPO, 'hw', 'include')}`, `-I${path.join(dir, 'firmware')}`, '-o', `${src}.bin`, src]);
    await execFileAsync(`${src}.bin`, []);
  });

  it('a C-simulation header whose raws were edited to the wrong count stops the program before main, saying so', async () => {
    const dir = project();
    const file = path.join(dir, 'firmware', 'weights', 'c_k0.h');
    const h = readFileSync(file, 'utf8');
    writeFileSync(file, h.replace(/ "\);/, ' 0 ");')); // one value too many
    const src = path.join(dir, 'firmware', 'bad.cpp');
    writeFileSync(src, '#include <ap_fixed.h>\n#include "weights/c_k0.h"\nint main() { return c_k0[0].to_int(); }\n');
    await execFileAsync('g++', ['-std=c++14', `-I${path.join(dir, 'tb', 'ap_types')}`, `-I${path.join(dir, 'firmware')}`, '-o', `${src}.bin`, src]);
    const run = execFileAsync(`${src}.bin`, []);
    await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('does not hold exactly 40 raw integers') });
  });

  it('refuses a constant holding the most negative code of an AP_SAT_SYM format (no initializer can spell it)', () => {
    const f = fixed(8, 3, { o: 'AP_SAT_SYM' });
    const c = constData('c_sym', [2], f, [minRaw(f), 0]);
    const t: DTensor = { name: 'y', onnxName: 'y', shape: [2], format: f };
    const l: EltwiseLayer = {
      kind: 'eltwise', name: 'mul_sym', sources: [], inputs: ['one2'], output: 'y', op: 'mul', a: { constant: c }, b: { tensor: 'one2' },
      outShape: [1, 1, 1, 1, 1, 2], aStrides: referenceStrides([2]), bStrides: referenceStrides([2]), act: { kind: 'none' },
    };
    const d = makeDesign('sym_test', [{ ...one, name: 'one2', shape: [2] }, t], [l]);
    expect(() => renderProject(d, { part: 'xczu7ev-ffvc1156-2-e', clockNs: 5, defaultInputs: [] })).toThrow(/most negative code/);
  });

  it('the weights header template takes no model name, only generated identifiers and numbers', () => {
    const h = readFileSync(path.join(REPO, 'templates', 'firmware', 'weight.h.hbs'), 'utf8');
    expect(h).not.toMatch(/\{\{\{?(onnxName|modelFile)/);
  });
});
