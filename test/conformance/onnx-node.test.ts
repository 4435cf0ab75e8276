/**
 * ONNX backend node tests (../shared/models/onnx-node) against fpgac's float reference. For every test of an op
 * in the registry, fpgac either reproduces ONNX's stored outputs or rejects the model with a coded diagnostic
 * (an attribute or type it does not support). Tolerances are the ONNX backend runner's (rtol 1e-3, atol 1e-7):
 * the stored outputs are often rounded to 4 decimals — never a crash and never a wrong answer. Tests of other ops must be
 * rejected with FPGAC002 naming the op. Expected values are ONNX's own test data.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadModel } from '../../src/onnx/load.js';
import { OPS } from '../../src/ops/registry.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { loaderPlaceholder, SHARED_MODELS, runNodeTestFloat, testDataSets, toleranceRatio } from '../support/models.js';

const NODE_DIR = path.join(SHARED_MODELS, 'onnx-node');
const have = existsSync(NODE_DIR);

type Outcome = { test: string; op: string; status: 'pass' | 'rejected' | 'mismatch' | 'crash'; detail?: string };

function runCase(test: string): Outcome {
  const file = path.join(NODE_DIR, test, 'model.onnx');
  let op = '?';
  try {
    const m = loadModel(file);
    op = m.graph.nodes[0]?.op ?? '?';
    for (const ds of testDataSets(path.join('onnx-node', test))) {
      const placeholder = loaderPlaceholder(m.graph.inputs, ds.inputs);
      if (placeholder) return { test, op, status: 'rejected', detail: placeholder };
      const r = { outputs: runNodeTestFloat(m.graph, ds) };
      for (let k = 0; k < ds.outputs.length; k++) {
        const want = ds.outputs[k];
        const got = r.outputs[k];
        if (got.shape.join() !== want.shape.join()) return { test, op, status: 'mismatch', detail: `shape [${got.shape}] != [${want.shape}]` };
        const ratio = toleranceRatio(got.data, want.data, 1e-3, 1e-7);
        if (ratio > 1) return { test, op, status: 'mismatch', detail: `output ${k} off by ${ratio.toFixed(1)}x tolerance` };
      }
    }
    return { test, op, status: 'pass' };
  } catch (e) {
    if (e instanceof DiagnosticError) return { test, op, status: 'rejected', detail: e.diagnostics.map((d) => `${d.code} ${d.op ?? ''} ${d.message}`).join('; ') };
    return { test, op, status: 'crash', detail: (e as Error).stack };
  }
}

describe.skipIf(!have)('ONNX node conformance (float reference)', () => {
  const tests = have ? readdirSync(NODE_DIR).filter((d) => d.startsWith('test_')).sort() : [];
  const outcomes = tests.map(runCase);

  it('never crashes and never gives a wrong answer', () => {
    const bad = outcomes.filter((o) => o.status === 'crash' || o.status === 'mismatch');
    expect(bad.map((o) => `${o.test} (${o.op}): ${o.status} ${o.detail}`)).toEqual([]);
  });

  it('rejects ops outside the registry with a coded diagnostic (FPGAC002 naming the op, or an unsupported type)', () => {
    const named = (o: Outcome) => o.detail?.includes(`FPGAC002 ${o.op} `) || o.detail?.includes(`FPGAC002 ai.onnx:${o.op} `);
    const wrong = outcomes.filter((o) => !OPS.has(o.op) && o.op !== '?' && !(o.status === 'rejected' && (named(o) || o.detail?.startsWith('FPGAC007'))));
    expect(wrong.map((o) => `${o.test} (${o.op}): ${o.status}`)).toEqual([]);
  });

  it('every node test of every registered op passes, or is refused by a variant its registry entry documents (docs/ops.md)', () => {
    const documented = (o: Outcome) => (OPS.get(o.op)?.unsupported ?? []).some((u) => u.diagnostic.test(o.detail ?? ''));
    const mine = outcomes.filter((o) => OPS.has(o.op));
    const byOp = new Map<string, Outcome[]>();
    for (const o of mine) byOp.set(o.op, [...(byOp.get(o.op) ?? []), o]);
    const table = [...byOp].sort(([a], [b]) => a.localeCompare(b)).map(([op, os]) => {
      const refused = os.filter((o) => o.status === 'rejected');
      return `${op}: ${os.filter((o) => o.status === 'pass').length}/${os.length} pass${refused.length ? `, ${refused.length} refused (${refused.map((o) => o.test.replace('test_', '')).join(', ')})` : ''}`;
    });
    console.log(`ONNX node tests per registered op (float reference):\n${table.join('\n')}`);
    const undocumented = mine.filter((o) => o.status !== 'pass' && !(o.status === 'rejected' && documented(o)));
    expect(undocumented.map((o) => `${o.test} (${o.op}): ${o.status} ${o.detail}`)).toEqual([]);
    // Every variant a registry entry documents is one a node test or a unit test really meets (no stale entries
    // here: an entry no node test triggers is still listed, since most refusals have no node test of their own).
    expect(mine.filter((o) => o.status === 'pass').length).toBeGreaterThanOrEqual(280);
  });
});

if (!(have)) describe('ONNX node conformance', () => {
  it.skip(`skipped: ${NODE_DIR} not found`, () => {});
});
