/**
 * The loader on hand-built models: every initializer storage form, external data, Constant nodes, symbolic and
 * oversized batch dims, exporter shape chains, malformed files. Expected values come from ONNX Runtime running
 * the same file, or from the values written into it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runFloat } from '../../src/reference.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { buildModel, values, type Storage } from '../support/onnx-builder.js';
import { toleranceRatio } from '../support/models.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-load-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ortRun(file: string, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array[]> {
  const s = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
  const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  return s.outputNames.map((n) => r[n].data as Float32Array);
}

function diagnosticsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => `${d.code} ${d.message}`);
    throw e;
  }
  return [];
}

describe('initializer storage forms', () => {
  const forms: [Storage, number][] = [['raw', 1], ['float_data', 1], ['double_data', 11], ['external', 1]];
  for (const [storage, type] of forms) {
    it(`reads ${storage} (${type === 11 ? 'double' : 'float'}) exactly`, () => {
      const w = values(12, 3);
      const file = path.join(dir, `st-${storage}.onnx`);
      buildModel({
        inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }],
        initializers: [{ name: 'W', dims: [4, 3], values: w, type, storage }],
        nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
      }, file);
      const g = loadModel(file).graph;
      expect(Array.from(g.constants.get('W')!.data)).toEqual(w);
      expect(g.constants.get('W')!.shape).toEqual([4, 3]);
    });
  }

  it('reads int64_data and int32_data', () => {
    const file = path.join(dir, 'ints.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: [1, 6] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 's', dims: [2], values: [2, 3], type: 7, storage: 'int64_data' }, { name: 'k', dims: [2], values: [-7, 9], type: 6, storage: 'int32_data' }],
      nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }],
    }, file);
    const g = loadModel(file).graph;
    expect(Array.from(g.constants.get('s')!.data)).toEqual([2, 3]);
    expect(Array.from(g.constants.get('k')!.data)).toEqual([-7, 9]);
  });

  it('reports a missing external data file', () => {
    const file = path.join(dir, 'ext-missing.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: [1, 2] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'b', dims: [2], values: [1, 2], storage: 'external' }],
      nodes: [{ op: 'Add', inputs: ['x', 'b'], outputs: ['y'] }],
    }, file);
    rmSync(`${file}.data`);
    expect(diagnosticsOf(() => loadModel(file)).join()).toMatch(/FPGAC001 .*external data file 'ext-missing.onnx.data' not found/);
  });
});

describe('batch axis and exporter patterns', () => {
  it('treats a symbolic or oversized first dimension as the batch axis and keeps small concrete ones', () => {
    const mk = (dim: number | string, name: string) => {
      const file = path.join(dir, name);
      buildModel({ inputs: [{ name: 'x', dims: [dim, 3] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }, file);
      return loadModel(file).graph.inputs[0].shape;
    };
    expect(mk('batch', 'sym.onnx')).toEqual([1, 3]);
    expect(mk(789444, 'big.onnx')).toEqual([1, 3]);
    expect(mk(3, 'small.onnx')).toEqual([3, 3]);
  });

  it('folds Constant nodes and the Shape → Gather → Unsqueeze → Concat → Reshape chain, matching ONNX Runtime', async () => {
    const file = path.join(dir, 'chain.onnx');
    buildModel({
      opset: 11,
      inputs: [{ name: 'x', dims: ['N', 2, 3, 4] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'idx', dims: [], values: [0], type: 7 }, { name: 'W', dims: [24, 5], values: values(120, 7) }],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'idx'], outputs: ['b'], attrs: { axis: 0 } },
        { op: 'Unsqueeze', inputs: ['b'], outputs: ['b1'], attrs: { axes: [0] } },
        { op: 'Constant', inputs: [], outputs: ['m1'], attrs: { value: { tensor: { name: 'm1', dims: [1], values: [-1], type: 7 } } } },
        { op: 'Concat', inputs: ['b1', 'm1'], outputs: ['shape'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
        { op: 'MatMul', inputs: ['flat', 'W'], outputs: ['y'] },
      ],
    }, file);
    const r = inferAndFold(loadModel(file).graph);
    expect(r.graph.nodes.map((n) => n.op)).toEqual(['Reshape', 'MatMul']);
    expect(Array.from(r.graph.constants.get(r.graph.nodes[0].inputs[1])!.data)).toEqual([1, -1]);
    const x = Float32Array.from(values(24, 11));
    const [want] = await ortRun(file, { x: { data: x, dims: [1, 2, 3, 4] } });
    expect(toleranceRatio(runFloat(r.graph, [x]).outputs[0].data, want, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
  });
});

describe('malformed input', () => {
  it('rejects a file that is not ONNX with FPGAC001', () => {
    const file = path.join(dir, 'junk.onnx');
    writeFileSync(file, Buffer.from('this is not a protobuf \xff\xff\xff\xff'));
    expect(diagnosticsOf(() => loadModel(file))[0]).toMatch(/^FPGAC001 /);
  });

  it('rejects a missing file with FPGAC001', () => {
    expect(diagnosticsOf(() => loadModel(path.join(dir, 'nope.onnx')))[0]).toMatch(/^FPGAC001 .*not found/);
  });

  it('reports every unsupported op at once', () => {
    const file = path.join(dir, 'unsupported.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Sin', inputs: ['x'], outputs: ['a'], name: 'first' },
        { op: 'Relu', inputs: ['a'], outputs: ['b'] },
        { op: 'Erf', inputs: ['x'], outputs: ['c'], name: 'second' },
        { op: 'Add', inputs: ['b', 'c'], outputs: ['y'] },
      ],
    }, file);
    const d = diagnosticsOf(() => inferAndFold(loadModel(file).graph));
    expect(d).toEqual(['FPGAC002 unsupported op', 'FPGAC002 unsupported op']);
  });
});
