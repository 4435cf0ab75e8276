/**
 * The seeded fuzzer of issue 10 (bench/fuzz/), a few hundred cases in-process: byte-mutated and truncated models,
 * structure-aware protobuf mutations, models whose every name and file name is hostile, hostile paths and option
 * values, bad data files, and size bombs. Each case must end in success or coded diagnostics, with nothing changed
 * outside the folder it may write, nothing copied in from outside the model's folder, no raw control character on
 * the terminal and no hostile name in code; three hostile-name projects are also compiled and run with g++
 * (`make csim`, which must pass its own bit-for-bit check and run nothing). `npm run fuzz` runs thousands, in child
 * processes with time and memory limits, and the signal cases; test/outdir-signals.test.ts kills builds here.
 */
import { describe, it, expect } from 'vitest';
import { makeCase, type Family } from '../bench/fuzz/cases.js';
import { runCase, type CaseResult } from '../bench/fuzz/run.js';
import { rng } from './support/harness.js';

async function family(f: Family, n: number, seed: number, csim = false): Promise<CaseResult[]> {
  const rand = rng(seed);
  const out: CaseResult[] = [];
  for (let k = 0; k < n; k++) out.push(await runCase(makeCase(f, rand), { csim }));
  return out;
}

function summary(rs: readonly CaseResult[]): string {
  return `${rs.length} cases: ${rs.filter((r) => r.outcome === 'ok').length} ok, ${rs.filter((r) => r.outcome === 'diagnostic').length} diagnostics`;
}

const failures = (rs: readonly CaseResult[]) => rs.filter((r) => r.outcome === 'fail').map((r) => `${r.label}: ${r.problems.join('; ')}`);

describe('fuzzing the CLI in-process (seeded)', () => {
  const plan: [Family, number, number][] = [['bytes', 50, 11], ['structure', 60, 12], ['names', 40, 13], ['paths', 40, 14], ['data', 40, 15], ['bombs', 6, 16]];
  for (const [f, n, seed] of plan) {
    it(`${f}: ${n} cases end in success or coded diagnostics, change nothing outside their output, leak nothing`, async () => {
      const rs = await family(f, n, seed);
      console.log(`fuzz ${f}: ${summary(rs)}`);
      expect(failures(rs)).toEqual([]);
      // The family does exercise both paths (a fuzzer whose cases all fail early tests little).
      if (f !== 'bombs') expect(rs.some((r) => r.outcome === 'ok') || f === 'paths', `${f}: no case built`).toBe(true);
    });
  }

  it('three hostile-name projects compile with g++, pass their own bit-for-bit csim check and run no name', async () => {
    const rs = await family('names', 3, 17, true);
    expect(failures(rs)).toEqual([]);
    expect(rs.every((r) => r.outcome === 'ok')).toBe(true);
  });
});
