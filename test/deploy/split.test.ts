/**
 * Splitting a model between the CPU and the fabric (src/deploy/split.ts). Every expectation on values comes from ONNX
 * Runtime: the head, fabric and tail parts run one after another in ONNX Runtime (chained by name) must give what
 * ONNX Runtime gives on the whole model; on dsodenet-digits the fabric part also runs through fpgac's float
 * reference, chained with ONNX Runtime's head and tail, against the whole model's float reference.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { splitModel, splitModelNodes, type SplitResult } from '../../src/deploy/split.js';
import { DiagnosticError, formatDiagnostic } from '../../src/diagnostics.js';
import { decodeModel, loadModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runFloat } from '../../src/reference.js';
import { compileModel } from '../../src/compile.js';
import { readNpy } from '../../src/npy.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { REPO } from '../support/harness.js';
import { SHARED_MODELS, toleranceRatio } from '../support/models.js';
import { odeModel } from '../regions/ode-models.js';

const { onnx } = onnxProto;

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-split-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Feeds = Record<string, ort.Tensor>;

async function run(model: Uint8Array | string, feeds: Feeds): Promise<Feeds> {
  const s = typeof model === 'string'
    ? await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' })
    : await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
  const ins: Feeds = {};
  for (const n of s.inputNames) {
    if (!feeds[n]) throw new Error(`no value for input '${n}'`);
    ins[n] = feeds[n];
  }
  return (await s.run(ins)) as Feeds;
}

/** Runs the parts in ONNX Runtime one after another, every output handed on by name, as the driver does. */
async function chain(r: SplitResult, feeds: Feeds): Promise<Feeds> {
  const env: Feeds = { ...feeds };
  for (const part of [r.head, r.fabric, r.tail]) if (part) Object.assign(env, await run(part, env));
  return env;
}

/** The chained parts give ONNX Runtime's outputs of the whole model (within float32 rounding). */
async function expectChainMatches(model: Uint8Array | string, r: SplitResult, feeds: Feeds): Promise<void> {
  const want = await run(model, feeds);
  const got = await chain(r, feeds);
  for (const [name, t] of Object.entries(want)) {
    expect(got[name], name).toBeDefined();
    expect(got[name].dims).toEqual(t.dims);
    expect(toleranceRatio(got[name].data as Float32Array, t.data as Float32Array, 1e-6, 1e-6), name).toBeLessThanOrEqual(1);
  }
}

const decode = (b: Uint8Array) => onnx.ModelProto.decode(b);
const graphOf = (b: Uint8Array | undefined) => decode(b!).graph!;
const names = (l: { name?: string | null }[] | null | undefined) => (l ?? []).map((x) => x.name ?? '');
/** A value's declared dims: numbers, or the symbol of a symbolic one. */
function dims(vi: onnxProto.onnx.IValueInfoProto): (number | string)[] {
  return (vi.type!.tensorType!.shape!.dim ?? []).map((d) => d.dimParam || Number(d.dimValue));
}

function f32(shape: number[], seed: number): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.from(values(shape.reduce((a, b) => a * b, 1), seed, 2)), shape);
}

/** The one diagnostic `f` throws, formatted: it must be a single line. */
function diagnostic(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DiagnosticError);
    const d = (e as DiagnosticError).diagnostics;
    expect(d).toHaveLength(1);
    const line = formatDiagnostic(d[0]);
    expect(line.includes('\n')).toBe(false);
    return line;
  }
  throw new Error('expected a diagnostic');
}

const BYTES: Record<string, number> = { float32: 4, int8: 1, uint8: 1, int64: 8 };
/** bytesPerSample = elements × element size, checked with this test's own sizes. */
function expectCutSizes(r: SplitResult): void {
  for (const c of r.cuts) expect(c.bytesPerSample, c.name).toBe(c.shape.reduce((a, b) => a * b, 1) * BYTES[c.dtype]);
}

// x → scale (head) → mm → relu (fabric) → skip = relu + h (tail): h goes around the fabric to the tail.
function skipSpec(nodeNames?: string[]): ModelSpec {
  const nm = (i: number, n: string) => nodeNames?.[i] ?? n;
  return {
    inputs: [{ name: 'x', dims: ['batch', 4] }],
    outputs: [{ name: 'y', dims: ['batch', 4] }],
    initializers: [
      { name: 'k', dims: [4], values: values(4, 1) },
      { name: 'w', dims: [4, 4], values: values(16, 2) },
    ],
    nodes: [
      { op: 'Mul', inputs: ['x', 'k'], outputs: ['h'], name: nm(0, 'scale') },
      { op: 'MatMul', inputs: ['h', 'w'], outputs: ['m'], name: nm(1, 'mm') },
      { op: 'Relu', inputs: ['m'], outputs: ['r'], name: nm(2, 'relu') },
      { op: 'Add', inputs: ['r', 'h'], outputs: ['y'], name: nm(3, 'skip') },
    ],
  };
}

describe('skip connection around the fabric', () => {
  const model = buildModel(skipSpec());
  const x = { x: f32([5, 4], 11) };

  it('the head value read by the fabric and the tail is one head output, a tail input and two cuts', async () => {
    const r = splitModel(model, 'mm', 'relu');
    expect([r.headNodes, r.fabricNodes, r.tailNodes]).toEqual([['scale'], ['mm', 'relu'], ['skip']]);
    expect(r.cuts).toEqual([
      { name: 'h', shape: [1, 4], dtype: 'float32', bytesPerSample: 16, from: 'head', to: 'fabric' },
      { name: 'h', shape: [1, 4], dtype: 'float32', bytesPerSample: 16, from: 'head', to: 'tail' },
      { name: 'r', shape: [1, 4], dtype: 'float32', bytesPerSample: 16, from: 'fabric', to: 'tail' },
    ]);
    const [head, fabric, tail] = [graphOf(r.head), graphOf(r.fabric), graphOf(r.tail)];
    expect([names(head.input), names(head.output)]).toEqual([['x'], ['h']]);
    expect([names(fabric.input), names(fabric.output)]).toEqual([['h'], ['r']]);
    expect([names(tail.input), names(tail.output)]).toEqual([['r', 'h'], ['y']]);
    // Initializers go with their readers; the batch axis stays symbolic; the graph input keeps its declaration.
    expect([names(head.initializer), names(fabric.initializer), names(tail.initializer)]).toEqual([['k'], ['w'], []]);
    expect(dims(head.input![0])).toEqual(['batch', 4]);
    expect(dims(fabric.input![0])).toEqual(['N', 4]);
    expect(dims(tail.input![0])).toEqual(['N', 4]);
    // Same IR version and opsets.
    for (const part of [r.head!, r.fabric, r.tail!]) {
      const m = decode(part);
      expect(Number(m.irVersion)).toBe(8);
      expect(m.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    }
    expect(r.notes).toEqual([]);
    await expectChainMatches(model, r, x);
  });

  it('with no head: the region starts at the graph input (named by the input or by its reader)', async () => {
    for (const from of ['x', 'scale']) {
      const r = splitModel(model, from, 'relu');
      expect(r.head).toBeUndefined();
      expect([r.headNodes, r.fabricNodes, r.tailNodes]).toEqual([[], ['scale', 'mm', 'relu'], ['skip']]);
      expect(r.cuts.map((c) => `${c.name} ${c.from}→${c.to}`)).toEqual(['x input→fabric', 'r fabric→tail', 'h fabric→tail']);
      expect(r.notes).toEqual(["head: none, the fabric part reads graph input 'x' directly"]);
      expect(names(graphOf(r.fabric).output)).toEqual(['r', 'h']);
      await expectChainMatches(model, r, x);
    }
  });

  it('with no tail: the region ends at the graph output', async () => {
    const r = splitModel(model, 'mm', 'y');
    expect(r.tail).toBeUndefined();
    expect([r.headNodes, r.fabricNodes, r.tailNodes]).toEqual([['scale'], ['mm', 'relu', 'skip'], []]);
    expect(r.cuts.map((c) => `${c.name} ${c.from}→${c.to}`)).toEqual(['h head→fabric', 'y fabric→output']);
    expect(r.notes).toEqual(['tail: none, the graph outputs are computed before it']);
    expect(dims(graphOf(r.fabric).output![0])).toEqual(['N', 4]);
    await expectChainMatches(model, r, x);
  });

  it('the whole graph on the fabric: neither head nor tail', async () => {
    const r = splitModel(model, 'x', 'skip');
    expect([r.head, r.tail]).toEqual([undefined, undefined]);
    expect(r.fabricNodes).toEqual(['scale', 'mm', 'relu', 'skip']);
    await expectChainMatches(model, r, x);
  });

  it('unnamed nodes are named as the loader names them; the parts keep them unnamed', async () => {
    const unnamed = buildModel(skipSpec(['', '', '', '']));
    const r = splitModel(unnamed, 'MatMul_1', 'Relu_2');
    expect([r.headNodes, r.fabricNodes, r.tailNodes]).toEqual([['Mul_0'], ['MatMul_1', 'Relu_2'], ['Add_3']]);
    expect(graphOf(r.fabric).node!.map((n) => n.name)).toEqual(['', '']);
    await expectChainMatches(unnamed, r, x);
    // A repeated name gets the node's index appended (src/onnx/load.ts).
    const repeated = buildModel(skipSpec(['n', 'n', 'n', 'last']));
    expect(splitModel(repeated, 'n_1', 'n_2').fabricNodes).toEqual(['n_1', 'n_2']);
  });

  it('nodes leading to no graph output are dropped, and said so', async () => {
    const spec = skipSpec();
    spec.nodes.push({ op: 'Sigmoid', inputs: ['h'], outputs: ['unused'], name: 'dead' });
    const m = buildModel(spec);
    const r = splitModel(m, 'mm', 'relu');
    expect(r.notes).toEqual(['1 node leading to no graph output dropped']);
    expect([...r.headNodes, ...r.fabricNodes, ...r.tailNodes]).not.toContain('dead');
    expect(diagnostic(() => splitModel(m, 'dead', 'dead'))).toBe(
      "error FPGAC005: node 'dead' (op Sigmoid): nothing reads what the fabric part computes: this node leads to no graph output",
    );
  });
});

// Two inputs, four outputs: b = relu(x2) (head), a = x1·k, c = a + b (fabric), e = c·b and d = sin(a) (tail; Sin is an
// op fpgac does not support: the tail is ONNX Runtime's), graph outputs e, d, c, b.
const multiSpec: ModelSpec = {
  inputs: [{ name: 'x1', dims: ['N', 3] }, { name: 'x2', dims: ['N', 3] }],
  outputs: [{ name: 'e', dims: ['N', 3] }, { name: 'd', dims: ['N', 3] }, { name: 'c', dims: ['N', 3] }, { name: 'b', dims: ['N', 3] }],
  initializers: [{ name: 'k', dims: [3], values: [0.5, -1.25, 2] }],
  nodes: [
    { op: 'Relu', inputs: ['x2'], outputs: ['b'], name: 'b' },
    { op: 'Mul', inputs: ['x1', 'k'], outputs: ['a'], name: 'a' },
    { op: 'Add', inputs: ['a', 'b'], outputs: ['c'], name: 'c' },
    { op: 'Mul', inputs: ['c', 'b'], outputs: ['e'], name: 'e' },
    { op: 'Sin', inputs: ['a'], outputs: ['d'], name: 'd' },
  ],
};

describe('several inputs and outputs', () => {
  const model = buildModel(multiSpec);
  const feeds = { x1: f32([3, 3], 5), x2: f32([3, 3], 6) };

  it('a region with a graph input and a head input, read by the tail and giving a graph output', async () => {
    const r = splitModel(model, 'a', 'c');
    expect([r.headNodes, r.fabricNodes, r.tailNodes]).toEqual([['b'], ['a', 'c'], ['e', 'd']]);
    expect(r.cuts.map((c) => `${c.name} ${c.from}→${c.to}`)).toEqual([
      'x1 input→fabric', 'b head→fabric', 'b head→tail', 'c fabric→tail', 'a fabric→tail', 'b head→output', 'c fabric→output',
    ]);
    expectCutSizes(r);
    const [head, fabric, tail] = [graphOf(r.head), graphOf(r.fabric), graphOf(r.tail)];
    expect([names(head.input), names(head.output)]).toEqual([['x2'], ['b']]);
    expect([names(fabric.input), names(fabric.output)]).toEqual([['x1', 'b'], ['c', 'a']]);
    expect([names(tail.input), names(tail.output)]).toEqual([['c', 'b', 'a'], ['e', 'd']]);
    await expectChainMatches(model, r, feeds);
  });

  it('several --fpga-from nodes: both input branches on the fabric, no head', async () => {
    const r = splitModel(model, ['a', 'b'], 'c');
    expect(r.head).toBeUndefined();
    expect(r.fabricNodes).toEqual(['b', 'a', 'c']);
    expect(names(graphOf(r.fabric).input)).toEqual(['x1', 'x2']);
    await expectChainMatches(model, r, feeds);
  });

  it('several --fpga-to nodes', async () => {
    const r = splitModel(model, 'a', ['c', 'e']);
    expect([r.headNodes, r.fabricNodes, r.tailNodes]).toEqual([['b'], ['a', 'c', 'e'], ['d']]);
    expect(names(graphOf(r.fabric).output)).toEqual(['e', 'c', 'a']);
    await expectChainMatches(model, r, feeds);
  });
});

describe('refusals: one line naming the node and why', () => {
  const skip = buildModel(skipSpec());
  const multi = buildModel(multiSpec);

  it('an unknown name', () => {
    expect(diagnostic(() => splitModel(skip, 'nope', 'relu'))).toBe(
      "error FPGAC005: --fpga-from 'nope': the model has no node or value of that name (hint: a node's name is its ONNX NodeProto.name, or op_index (Relu_3) for an unnamed node; a value's name means the node producing it)",
    );
    expect(diagnostic(() => splitModel(skip, 'mm', 'nope'))).toMatch(/^error FPGAC005: --fpga-to 'nope': the model has no node or value of that name/);
    expect(diagnostic(() => splitModelNodes(skip, ['mm', 'nope']))).toMatch(/^error FPGAC005: fabric node 'nope': the model has no node of that name/);
  });

  it('--fpga-to not reachable from --fpga-from', () => {
    expect(diagnostic(() => splitModel(multi, 'b', 'a'))).toBe(
      "error FPGAC005: node 'a' (op Mul): --fpga-to: no chain of values leads from --fpga-from 'b' to this node",
    );
    expect(diagnostic(() => splitModel(skip, 'relu', 'mm'))).toBe(
      "error FPGAC005: node 'mm' (op MatMul): --fpga-to: no chain of values leads from --fpga-from 'relu' to this node",
    );
    // With several: every --fpga-from node must lead to some --fpga-to node.
    expect(diagnostic(() => splitModel(multi, ['a', 'b'], 'd'))).toBe(
      "error FPGAC005: node 'b' (op Relu): --fpga-from: no chain of values leads from this node to --fpga-to 'd'",
    );
  });

  it('a fabric part that is not convex', () => {
    expect(diagnostic(() => splitModelNodes(skip, ['mm', 'skip']))).toBe(
      "error FPGAC005: node 'relu' (op Relu): the fabric part is not convex: this node reads values computed by fabric node 'mm' and fabric node 'skip' depends on it, so the CPU would run in the middle of the fabric part (put it on the fabric too)",
    );
    // The same set made convex is accepted, and equals the from/to interval.
    const r = splitModelNodes(skip, ['mm', 'relu', 'skip']);
    expect(r.fabricNodes).toEqual(splitModel(skip, 'mm', 'skip').fabricNodes);
  });

  it('names that cannot bound the fabric part: a graph input as --fpga-to, an initializer, a constant node', () => {
    expect(diagnostic(() => splitModel(skip, 'mm', 'x'))).toBe(
      "error FPGAC005: --fpga-to 'x' is a graph input; name the last node of the fabric part (or the value it computes)",
    );
    expect(diagnostic(() => splitModel(skip, 'w', 'relu'))).toBe(
      "error FPGAC005: --fpga-from 'w' is an initializer (a constant); name a node or a value a node computes",
    );
    const spec = skipSpec();
    spec.nodes.unshift({ op: 'Constant', inputs: [], outputs: ['c0'], name: 'const', attrs: { value: { tensor: { name: 'c0', dims: [4], values: [1, 2, 3, 4] } } } });
    spec.nodes.push({ op: 'Add', inputs: ['y', 'c0'], outputs: ['y2'], name: 'bias' });
    spec.outputs = [{ name: 'y2', dims: ['batch', 4] }];
    expect(diagnostic(() => splitModel(buildModel(spec), 'const', 'bias'))).toBe(
      "error FPGAC005: node 'const' (op Constant): --fpga-from: this node computes a constant (it reads no graph input), so the fabric part cannot start at it; constants go with the nodes reading them",
    );
  });

  it('a model with external data needs its folder', () => {
    const file = path.join(dir, 'ext-refused.onnx');
    const spec = skipSpec();
    spec.initializers![1].storage = 'external';
    const bytes = buildModel(spec, file);
    expect(diagnostic(() => splitModel(bytes, 'mm', 'relu'))).toBe(
      "error FPGAC001: 'model' keeps tensors in external data files; splitting it needs the model's folder (baseDir) to inline them",
    );
  });
});

describe('constants, Loop bodies, external data, integer cuts', () => {
  it('constant nodes and shared initializers are copied into every part that reads them', async () => {
    const spec = skipSpec();
    spec.nodes.splice(1, 0, { op: 'Constant', inputs: [], outputs: ['two'], name: 'two', attrs: { value: { tensor: { name: 'two', dims: [], values: [2] } } } });
    spec.nodes.push({ op: 'Mul', inputs: ['y', 'two'], outputs: ['y2'], name: 'double' }, { op: 'Mul', inputs: ['h', 'k'], outputs: ['hk'], name: 'mulk' });
    spec.nodes.find((n) => n.name === 'relu')!.inputs = ['m2'];
    spec.nodes.push({ op: 'Mul', inputs: ['m', 'two'], outputs: ['m2'], name: 'scale2' });
    spec.nodes.push({ op: 'Add', inputs: ['y2', 'hk'], outputs: ['z'], name: 'sum' });
    spec.outputs = [{ name: 'z', dims: ['batch', 4] }];
    const model = buildModel(spec);
    const r = splitModel(model, 'mm', 'relu');
    expect(r.fabricNodes).toEqual(['two', 'mm', 'scale2', 'relu']);
    expect(r.tailNodes).toEqual(['two', 'skip', 'double', 'mulk', 'sum']);
    expect(r.cuts.map((c) => c.name)).not.toContain('two');
    // k is read by the head (scale) and the tail (mulk): both hold a copy.
    expect(names(graphOf(r.head).initializer)).toEqual(['k']);
    expect(names(graphOf(r.tail).initializer)).toEqual(['k']);
    await expectChainMatches(model, r, { x: f32([2, 4], 3) });
  });

  it('a Loop on the fabric keeps its body; the outer-scope initializers it reads go with it', async () => {
    const file = path.join(dir, 'ode-loop.onnx');
    odeModel(file, { steps: 3, form: 'loop', h: 0.3 });
    const model = readFileSync(file);
    const r = splitModel(model, 'ode_loop', 'gap');
    expect([r.headNodes, r.fabricNodes, r.tailNodes]).toEqual([['stem'], ['ode_loop', 'gap'], ['flatten', 'fc']]);
    const loop = graphOf(r.fabric).node![0];
    const original = graphOf(model).node!.find((n) => n.name === 'ode_loop')!;
    expect(onnx.NodeProto.encode(loop).finish()).toEqual(onnx.NodeProto.encode(original).finish());
    expect(names(graphOf(r.fabric).initializer).sort()).toEqual(['M', 'cond', 'dw_b', 'dw_w', 'h', 'pw_b', 'pw_w']);
    expect(r.cuts.map((c) => `${c.name} ${c.shape.join('x')} ${c.bytesPerSample}`)).toEqual(['s0 1x4x6x6 576', 'g 1x4x1x1 16']);
    const x = f32([4, 1, 6, 6], 9);
    await expectChainMatches(model, r, { x });
    // The fabric through fpgac's float reference, between ONNX Runtime's head and tail.
    const fabric = inferAndFold(decodeModel(r.fabric, dir).graph).graph;
    const whole = inferAndFold(loadModel(file).graph).graph;
    const s0 = (await run(r.head!, { x })).s0;
    for (let s = 0; s < 4; s++) {
      const g = runFloat(fabric, [(s0.data as Float32Array).subarray(s * 144, (s + 1) * 144)]).outputs[0].data;
      const y = (await run(r.tail!, { g: new ort.Tensor('float32', Float32Array.from(g), [1, 4, 1, 1]) })).y.data as Float32Array;
      const want = runFloat(whole, [(x.data as Float32Array).subarray(s * 36, (s + 1) * 36)]).outputs[0].data;
      expect(toleranceRatio(y, want, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    }
  });

  it('a Loop body in the tail reading a head value from the outer scope makes it a cut', async () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: ['N', 4] }],
      outputs: [{ name: 'out', dims: ['N', 4] }],
      initializers: [
        { name: 'M', dims: [], values: [3], type: 7 },
        { name: 'cond', dims: [], values: [1], type: 9 },
        { name: 'k', dims: [4], values: values(4, 4) },
      ],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['h'], name: 'pre' },
        { op: 'Mul', inputs: ['h', 'k'], outputs: ['f'], name: 'mul' },
        {
          op: 'Loop', inputs: ['M', 'cond', 'f'], outputs: ['out'], name: 'loop',
          attrs: {
            body: {
              graph: {
                inputs: [{ name: 'i', dims: [], type: 7 }, { name: 'c_in', dims: [], type: 9 }, { name: 's' }],
                outputs: [{ name: 'c_out', dims: [], type: 9 }, { name: 's2' }],
                nodes: [{ op: 'Identity', inputs: ['c_in'], outputs: ['c_out'] }, { op: 'Add', inputs: ['s', 'h'], outputs: ['s2'] }],
              },
            },
          },
        },
      ],
    };
    const model = buildModel(spec);
    const r = splitModel(model, 'mul', 'mul');
    expect([r.headNodes, r.fabricNodes, r.tailNodes]).toEqual([['pre'], ['mul'], ['loop']]);
    expect(r.cuts.map((c) => `${c.name} ${c.from}→${c.to}`)).toEqual(['h head→fabric', 'h head→tail', 'f fabric→tail']);
    expect(names(graphOf(r.tail).initializer)).toEqual(['M', 'cond']);
    await expectChainMatches(model, r, { x: f32([3, 4], 8) });
  });

  it('external-data initializers are inlined as raw_data in every part', async () => {
    const file = path.join(dir, 'ext.onnx');
    const spec = skipSpec();
    spec.initializers!.forEach((t) => { t.storage = 'external'; });
    const model = buildModel(spec, file);
    const r = splitModel(model, 'mm', 'relu', { baseDir: dir });
    for (const part of [r.head!, r.fabric, r.tail!]) {
      for (const t of graphOf(part).initializer ?? []) {
        expect(t.dataLocation ?? 0).toBe(0);
        expect(t.externalData ?? []).toEqual([]);
        expect(t.rawData!.length).toBe(4 * t.dims!.reduce((a, b) => Number(a) * Number(b), 1));
      }
    }
    // The parts run from their bytes alone (the whole model, from its file, reads model.data next to it).
    await expectChainMatches(file, r, { x: f32([2, 4], 12) });
  });

  it('an int8 cut: quantized on the CPU, dequantized on the fabric (one byte per element)', async () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: ['N', 8] }],
      outputs: [{ name: 'y', dims: ['N', 4] }],
      initializers: [
        { name: 's', dims: [], values: [0.05] },
        { name: 'z', dims: [], values: [0], type: 3 },
        { name: 'w', dims: [8, 4], values: values(32, 21) },
      ],
      nodes: [
        { op: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['q'], name: 'quant' },
        { op: 'DequantizeLinear', inputs: ['q', 's', 'z'], outputs: ['d'], name: 'dequant' },
        { op: 'MatMul', inputs: ['d', 'w'], outputs: ['y'], name: 'mm' },
      ],
    };
    const model = buildModel(spec);
    const r = splitModel(model, 'dequant', 'mm');
    expect(r.cuts).toEqual([
      { name: 'q', shape: [1, 8], dtype: 'int8', bytesPerSample: 8, from: 'head', to: 'fabric' },
      { name: 'y', shape: [1, 4], dtype: 'float32', bytesPerSample: 16, from: 'fabric', to: 'output' },
    ]);
    expect(graphOf(r.fabric).input![0].type!.tensorType!.elemType).toBe(3);
    expect(names(graphOf(r.head).initializer)).toEqual(['s', 'z']);
    expect(names(graphOf(r.fabric).initializer)).toEqual(['s', 'z', 'w']);
    await expectChainMatches(model, r, { x: f32([4, 8], 13) });
  });

  it('a head op fpgac cannot infer: the model\'s value_info gives the cut, otherwise the op is reported', async () => {
    const spec = skipSpec();
    spec.nodes[0] = { op: 'Sin', inputs: ['x'], outputs: ['h'], name: 'scale' };
    const bare = buildModel(spec);
    expect(diagnostic(() => splitModel(bare, 'mm', 'relu'))).toBe("error FPGAC002: node 'scale' (op Sin): unsupported op");
    const m = decode(bare);
    m.graph!.valueInfo = [{ name: 'h', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 4 }] } } } }];
    const declared = onnx.ModelProto.encode(m).finish();
    const r = splitModel(declared, 'mm', 'relu');
    expect(r.cuts[0]).toEqual({ name: 'h', shape: [1, 4], dtype: 'float32', bytesPerSample: 16, from: 'head', to: 'fabric' });
    expect(dims(graphOf(r.fabric).input![0])).toEqual(['N', 4]);
    await expectChainMatches(declared, r, { x: f32([2, 4], 14) });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// dsodenet-digits: the stem on the CPU, both ODE blocks and the pooling on the fabric, the classifier on the CPU.

const EXAMPLE = path.join(REPO, 'examples', 'dsodenet-digits');
const SHARED_X = path.join(SHARED_MODELS, 'dsodenet-digits', 'test_x.npy');
const FROM = '/ode1/f/dw/Conv';
const TO = '/GlobalAveragePool';

function argmax(d: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (d[off + k] > d[off + best]) best = k;
  return best;
}

describe('dsodenet-digits (examples/dsodenet-digits/model.onnx)', () => {
  const file = path.join(EXAMPLE, 'model.onnx');
  const model = readFileSync(file);
  const r = splitModel(model, FROM, TO);

  it('stem on the head, ODE blocks and pooling on the fabric, classifier on the tail; the fabric compiles', () => {
    expect(r.headNodes).toEqual(['/stem/stem.0/Conv', '/stem/stem.2/Relu']);
    expect(r.tailNodes).toEqual(['/Flatten', '/fc/Gemm']);
    expect(r.fabricNodes[0]).toBe(FROM);
    expect(r.fabricNodes.at(-1)).toBe(TO);
    expect(r.fabricNodes).toHaveLength(57 - 4);
    expect(r.cuts).toEqual([
      { name: '/stem/stem.2/Relu_output_0', shape: [1, 16, 16, 16], dtype: 'float32', bytesPerSample: 16384, from: 'head', to: 'fabric' },
      { name: '/GlobalAveragePool_output_0', shape: [1, 32, 1, 1], dtype: 'float32', bytesPerSample: 128, from: 'fabric', to: 'tail' },
    ]);
    const fabricFile = path.join(dir, 'dsodenet-fabric.onnx');
    writeFileSync(fabricFile, r.fabric);
    const c = compileModel(fabricFile);
    expect([c.design.inputs.length, c.design.outputs.length]).toEqual([1, 1]);
    expect(c.reference.inputs.map((i) => i.shape)).toEqual([[1, 16, 16, 16]]);
    expect(c.reference.outputs.map((o) => o.shape)).toEqual([[1, 32, 1, 1]]);
  });

  it('the chained parts equal the whole model in ONNX Runtime on the bundled samples', async () => {
    const x = readNpy(path.join(EXAMPLE, 'sample_x.npy'));
    await expectChainMatches(model, r, { input: new ort.Tensor('float32', Float32Array.from(x.data), x.shape) });
  });

  const have = existsSync(SHARED_X);
  it.skipIf(!have)(`the 360 test samples: ONNX Runtime chained = whole, and fpgac's float reference for the fabric${have ? '' : ` (skipped: ${SHARED_X} not found)`}`, async () => {
    const x = readNpy(SHARED_X);
    const n = x.shape[0];
    const input = new ort.Tensor('float32', Float32Array.from(x.data), x.shape);
    const want = (await run(model, { input })).logits.data as Float32Array;
    const env = await chain(r, { input });
    const got = env.logits.data as Float32Array;
    expect(toleranceRatio(got, want, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    for (let s = 0; s < n; s++) expect(argmax(got, s * 10, 10)).toBe(argmax(want, s * 10, 10));

    // Fabric through the float reference (float64), head and tail in ONNX Runtime, against the whole model's float
    // reference.
    const fabric = inferAndFold(decodeModel(r.fabric, EXAMPLE).graph).graph;
    const whole = inferAndFold(loadModel(file).graph).graph;
    const cut = env['/stem/stem.2/Relu_output_0'].data as Float32Array;
    const per = 16 * 16 * 16;
    const pooled = new Float32Array(n * 32);
    for (let s = 0; s < n; s++) pooled.set(runFloat(fabric, [cut.subarray(s * per, (s + 1) * per)]).outputs[0].data, s * 32);
    const logits = (await run(r.tail!, { '/GlobalAveragePool_output_0': new ort.Tensor('float32', pooled, [n, 32, 1, 1]) })).logits.data as Float32Array;
    let worst = 0;
    for (let s = 0; s < n; s++) {
      const ref = runFloat(whole, [x.data.subarray(s * 256, (s + 1) * 256)]).outputs[0].data;
      worst = Math.max(worst, toleranceRatio(logits.subarray(s * 10, s * 10 + 10), ref, 1e-4, 1e-4));
      expect(argmax(logits, s * 10, 10)).toBe(argmax(ref, 0, 10));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});
