/**
 * Robustness: seeded mutations of a real model (random bytes overwritten, and structure-aware mutations of its
 * graph) must either compile or be rejected with coded diagnostics — never an internal error (exit 1) or a crash.
 * Truncations likewise. Every problem node of a graph is listed; long node chains compile in linear time.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../src/compile.js';
import { DiagnosticError } from '../src/diagnostics.js';
import { main } from '../src/cli.js';
import { REPO, rng } from './support/harness.js';
import { buildModel } from './support/onnx-builder.js';
import { baseModels, fireModel, mutant } from './onnx/mutator.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-fuzz-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function outcome(bytes: Uint8Array, file: string): 'ok' | 'diagnostic' | string {
  writeFileSync(file, bytes);
  try {
    compileModel(file);
    return 'ok';
  } catch (e) {
    return e instanceof DiagnosticError ? 'diagnostic' : `internal: ${(e as Error).message}`;
  }
}

describe('malformed and mutated models', () => {
  const base = readFileSync(path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx'));

  it('200 byte-mutated copies compile or get diagnostics, never internal errors', () => {
    const rand = rng(2024);
    const internal: string[] = [];
    let diagnostics = 0;
    for (let t = 0; t < 200; t++) {
      const b = Buffer.from(base);
      for (let k = 0, n = 1 + Math.floor(rand() * 4); k < n; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const r = outcome(b, path.join(dir, 'm.onnx'));
      if (r === 'diagnostic') diagnostics++;
      else if (r !== 'ok') internal.push(`mutation ${t}: ${r}`);
    }
    expect(internal).toEqual([]);
    expect(diagnostics).toBeGreaterThan(20); // the mutations really do break models
  });

  it('a tensor claiming ~1e176 elements (found by this fuzzing) is refused before allocation', () => {
    const file = path.join(REPO, 'test', 'fixtures', 'huge-dim.onnx');
    expect(() => compileModel(file)).toThrow(/FPGAC001: .*invalid shape/);
  });

  it('every truncation point is a diagnostic', () => {
    const internal: string[] = [];
    for (let cut = 0; cut < base.length; cut += Math.max(1, Math.floor(base.length / 60))) {
      const r = outcome(base.subarray(0, cut), path.join(dir, 't.onnx'));
      if (r.startsWith('internal')) internal.push(`cut ${cut}: ${r}`);
    }
    expect(internal).toEqual([]);
  });
});

describe('structure-aware mutations', () => {
  it('400 seeded graph mutations (inputs, outputs, ops, attributes, initializers, dims, cycles) compile or get coded diagnostics', () => {
    const bases = baseModels(dir, readFileSync(path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx')));
    const rand = rng(10);
    const counts = { ok: 0, diagnostic: 0 };
    const internal: string[] = [];
    const codes = new Map<string, number>();
    for (let t = 0; t < 400; t++) {
      const base = bases[t % bases.length];
      const m = mutant(base.bytes, rand);
      const file = path.join(dir, 'mut.onnx');
      writeFileSync(file, m.bytes);
      try {
        compileModel(file);
        counts.ok++;
      } catch (e) {
        if (!(e instanceof DiagnosticError)) {
          internal.push(`case ${t} (${base.name}: ${m.what.join('; ')}): ${(e as Error).message}`);
          continue;
        }
        counts.diagnostic++;
        for (const d of e.diagnostics) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
        expect(e.message.split('\n')).toHaveLength(e.diagnostics.length); // one line per diagnostic
      }
    }
    console.log(`structure-aware mutations: ${counts.ok} ok, ${counts.diagnostic} diagnostics (${[...codes].sort().map(([c, k]) => `${c} ${k}`).join(', ')}), ${internal.length} internal`);
    expect(internal).toEqual([]);
    expect(counts.ok).toBeGreaterThan(20);
    expect(codes.size).toBeGreaterThanOrEqual(6);
  });
});

describe('every problem node is listed', () => {
  it('8 SqueezeNet fire modules, each with a run-time Pow: all 8 Pows are reported, one line each, exit 2 (lowering continues past a failed node)', async () => {
    const file = path.join(dir, 'fire8.onnx');
    fireModel(file, 8, true);
    const err: string[] = [];
    const code = await main(['node', 'fpgac', 'build', file, '-o', path.join(dir, 'fire-out')], { out: () => {}, err: (s) => err.push(s) });
    expect(code).toBe(2);
    expect(err).toEqual(Array.from({ length: 8 }, (_, i) =>
      `error FPGAC003: node 'fire${i + 1}_pow' (op Pow): the exponent 'cat${i + 1}' is computed at run time; a run-time base needs a constant exponent (only 2, 1, 0.5 and -1 build)`));
  });

  it('8 SqueezeNet fire modules with run-time Concats build (Concat is a hardware layer)', async () => {
    const file = path.join(dir, 'fire8-ok.onnx');
    fireModel(file, 8);
    const err: string[] = [];
    const code = await main(['node', 'fpgac', 'build', file, '-o', path.join(dir, 'fire-ok-out')], { out: () => {}, err: (s) => err.push(s) });
    expect(err).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('long node chains', () => {
  const chain = (file: string, count: number, op: (i: number, x: string, y: string) => { op: string; inputs: string[]; outputs: string[] }, reverse = false) => {
    const nodes = Array.from({ length: count }, (_, i) => ({ ...op(i, i ? `v${i}` : 'x', i === count - 1 ? 'y' : `v${i + 1}`), name: `n${i}` }));
    buildModel({
      inputs: [{ name: 'x', dims: ['N', 8] }], outputs: [{ name: 'y' }], initializers: [{ name: 'c', dims: [1], values: [0.5] }],
      nodes: reverse ? nodes.reverse() : nodes,
    }, file);
  };
  const cases: [string, (i: number, x: string, y: string) => { op: string; inputs: string[]; outputs: string[] }, number, boolean][] = [
    ['Relu', (_i, x, y) => ({ op: 'Relu', inputs: [x], outputs: [y] }), 20_000, false],
    ['Relu, nodes in reverse order', (_i, x, y) => ({ op: 'Relu', inputs: [x], outputs: [y] }), 20_000, true],
    ['Add', (_i, x, y) => ({ op: 'Add', inputs: [x, 'c'], outputs: [y] }), 20_000, false],
    ['Add → Relu (10,000 fusions)', (i, x, y) => (i % 2 ? { op: 'Relu', inputs: [x], outputs: [y] } : { op: 'Add', inputs: [x, 'c'], outputs: [y] }), 20_000, false],
  ];
  for (const [name, op, count, reverse] of cases) {
    it(`a ${count.toLocaleString('en-US')}-node ${name} chain compiles (no quadratic pass, no recursion over the chain)`, () => {
      const file = path.join(dir, 'chain.onnx');
      chain(file, count, op, reverse);
      const t0 = performance.now();
      const c = compileModel(file);
      console.log(`${count}-node ${name} chain: compileModel ${((performance.now() - t0) / 1000).toFixed(2)} s, ${c.design.layers.length} layers`);
      expect(c.design.layers.length).toBe(name.startsWith('Add →') ? count / 2 : count);
    });
  }
});
