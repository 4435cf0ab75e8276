/**
 * Robustness: seeded mutations of a real model (random bytes overwritten) must either compile or be rejected
 * with coded diagnostics — never an internal error (exit 1) or a crash. Truncations likewise.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../src/compile.js';
import { DiagnosticError } from '../src/diagnostics.js';
import { REPO, rng } from './support/harness.js';

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
