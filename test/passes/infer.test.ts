/**
 * Import in topological order (Kahn's algorithm: linear, the original order among ready nodes) and the listing of
 * every problem node: every unknown op of the graph, whatever it reads, and at lowering every node that fails,
 * because a failed node still declares its outputs for its readers.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Graph, Node } from '../../src/ir/graph.js';
import { topoSort, inferAndFold } from '../../src/passes/infer.js';
import { loadModel } from '../../src/onnx/load.js';
import { compileModel } from '../../src/compile.js';
import { DiagnosticError, formatDiagnostic } from '../../src/diagnostics.js';
import { buildModel, values } from '../support/onnx-builder.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-infer-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (name: string, inputs: string[], outputs: string[]): Node => ({ name, op: 'Relu', domain: '', inputs, outputs, attrs: {} });
const graph = (nodes: Node[]): Graph => ({
  name: 'g', opset: 13, inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2] }], outputs: [], constants: new Map(), nodes, values: new Map(),
});
const order = (g: Graph) => topoSort(g).map((n) => n.name);

function lines(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  return [];
}

describe('topoSort', () => {
  it('leaves a sorted graph unchanged and sorts a reversed chain', () => {
    const chain = Array.from({ length: 6 }, (_, i) => node(`n${i}`, [i ? `v${i}` : 'x'], [`v${i + 1}`]));
    expect(order(graph(chain))).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
    expect(order(graph([...chain].reverse()))).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  });

  it('keeps the original order among ready nodes', () => {
    // b and c both wait for a; d is ready at once; the original order decides among ready nodes.
    const g = graph([node('b', ['a1'], ['b1']), node('d', ['x'], ['d1']), node('a', ['x'], ['a1']), node('c', ['a1'], ['c1'])]);
    expect(order(g)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('puts nodes that never become ready (a cycle, a missing input) last, in their original order', () => {
    const g = graph([node('p', ['q1'], ['p1']), node('ok', ['x'], ['o1']), node('q', ['p1'], ['q1']), node('m', ['nowhere'], ['m1'])]);
    expect(order(g)).toEqual(['ok', 'p', 'q', 'm']);
  });

  it('sorts 100,000 nodes in reverse order (linear: the quadratic search took minutes)', () => {
    const n = 100_000;
    const chain = Array.from({ length: n }, (_, i) => node(`n${i}`, [i ? `v${i}` : 'x', 'x'], [`v${i + 1}`])).reverse();
    const sorted = topoSort(graph(chain));
    expect(sorted[0].name).toBe('n0');
    expect(sorted[n - 1].name).toBe(`n${n - 1}`);
  });
});

describe('every unsupported op is listed', () => {
  it('Sin → Erf → Foo: all three, though each reads the one before', () => {
    const file = path.join(dir, 'chain.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Sin', inputs: ['x'], outputs: ['a'], name: 't' },
        { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'r' },
        { op: 'Erf', inputs: ['b'], outputs: ['c'], name: 'l' },
        { op: 'Foo', domain: 'com.example', inputs: ['c'], outputs: ['y'], name: 'f' },
      ],
    }, file);
    expect(lines(() => inferAndFold(loadModel(file).graph))).toEqual([
      "error FPGAC002: node 't' (op Sin): unsupported op",
      "error FPGAC002: node 'l' (op Erf): unsupported op",
      "error FPGAC002: node 'f' (op com.example:Foo): unsupported op",
    ]);
  });
});

describe('lowering lists every failing node', () => {
  it('a node that fails to lower still declares its outputs: the later failing nodes are reported too', () => {
    // Two Gathers of run-time tensors (not lowered) in series, with a Conv between them.
    const file = path.join(dir, 'two-gathers.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: ['N', 2, 4, 4] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [2, 2, 1, 1], values: values(4, 3) }, { name: 'idx', dims: [2], values: [1, 0], type: 7 }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu' },
        { op: 'Gather', inputs: ['r', 'idx'], outputs: ['c1'], attrs: { axis: 1 }, name: 'cat1' },
        { op: 'Conv', inputs: ['c1', 'w'], outputs: ['v'], name: 'conv' },
        { op: 'Gather', inputs: ['v', 'idx'], outputs: ['y'], attrs: { axis: 1 }, name: 'cat2' },
      ],
    }, file);
    expect(lines(() => compileModel(file))).toEqual([
      "error FPGAC002: node 'cat1' (op Gather): supported only when constant folding removes it, but input 'r' is computed at run time",
      "error FPGAC002: node 'cat2' (op Gather): supported only when constant folding removes it, but input 'v' is computed at run time",
    ]);
  });
});
