/**
 * Malformed graphs (GitHub issue 10, item 8): each case that used to end in an internal error ("Cannot read
 * properties of undefined", "Invalid typed array length", a stack overflow) or a wrong refusal is now a coded
 * diagnostic naming the node, or compiles. Every problem of a graph is listed, not only the first.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { compileModel } from '../../src/compile.js';
import { DiagnosticError, formatDiagnostic } from '../../src/diagnostics.js';
import { simulateSample } from '../../sim/simulate.js';
import { writeNpy } from '../../src/npy.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';

const { onnx } = onnxProto;

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-malformed-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function write(spec: ModelSpec, patch?: (m: onnxProto.onnx.IModelProto) => void): string {
  const file = path.join(dir, `m${count++}.onnx`);
  if (!patch) {
    buildModel(spec, file);
    return file;
  }
  const m = onnx.ModelProto.decode(buildModel(spec));
  patch(m);
  writeFileSync(file, onnx.ModelProto.encode(m).finish());
  return file;
}

/** The diagnostics of compiling `file` as one-line strings; an internal error fails the test. */
function lines(file: string): string[] {
  try {
    compileModel(file);
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  return [];
}

const relu = (x: string, y: string, name?: string) => ({ op: 'Relu', inputs: [x], outputs: [y], name });
const io = { inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }] };

describe('Identity chains', () => {
  it('x → Identity → Identity → Identity → y builds and simulates (was FPGAC004: stale nodes in removeIdentity)', () => {
    const file = write({ ...io, nodes: [
      { op: 'Identity', inputs: ['x'], outputs: ['a'], name: 'i1' },
      { op: 'Identity', inputs: ['a'], outputs: ['b'], name: 'i2' },
      { op: 'Identity', inputs: ['b'], outputs: ['y'], name: 'i3' },
    ] });
    const c = compileModel(file);
    expect(c.canonical.nodes.map((n) => `${n.name}:${n.inputs[0]}`)).toEqual(['i3:x']);
    const x = Float64Array.from([0.5, -0.25, 1.5, -2]);
    expect(Array.from(simulateSample(c.design, [x]).outputs[0])).toEqual(Array.from(x));
  });

  it('an Identity chain in the middle of a graph (Relu → 4 Identities → Relu) resolves to its source', () => {
    const file = write({ ...io, nodes: [
      relu('x', 'r', 'r1'),
      ...[0, 1, 2, 3].map((k) => ({ op: k % 2 ? 'Dropout' : 'Identity', inputs: [k ? `i${k - 1}` : 'r'], outputs: [`i${k}`], name: `id${k}` })),
      relu('i3', 'y', 'r2'),
    ] });
    expect(compileModel(file).canonical.nodes.map((n) => `${n.op}(${n.inputs[0]})`)).toEqual(['Relu(x)', 'Relu(r)']);
  });

  it('two Transposes that cancel keep the producer of a graph output', () => {
    const file = write({ inputs: [{ name: 'x', dims: ['N', 2, 3] }], outputs: [{ name: 'y' }], nodes: [
      relu('x', 'r'),
      { op: 'Transpose', inputs: ['r'], outputs: ['t'], attrs: { perm: [0, 2, 1] } },
      { op: 'Transpose', inputs: ['t'], outputs: ['y'], attrs: { perm: [0, 2, 1] } },
    ] });
    expect(compileModel(file).design.outputs).toHaveLength(1);
  });
});

describe('malformed structure: coded diagnostics, all of them', () => {
  it('nodes without input or output lists', () => {
    const file = write({ ...io, nodes: [relu('x', 'a', 'ok'), { op: 'Relu', inputs: [], outputs: ['b'], name: 'noinputs' }, { op: 'Add', inputs: ['a', 'b'], outputs: ['y'], name: 'add' }] });
    expect(lines(file)).toEqual(["error FPGAC001: node 'noinputs' (op Relu): expects 1 input, found 0"]);
    const file2 = write({ ...io, nodes: [relu('x', 'a', 'ok'), { op: 'Relu', inputs: ['a'], outputs: [], name: 'nooutputs' }, relu('a', 'y')] });
    expect(lines(file2)).toEqual(["error FPGAC001: node 'nooutputs' (op Relu): expects 1 output, found 0"]);
    const file3 = write({ ...io, nodes: [relu('x', 'y')] }, (m) => { m.graph!.node![0].input = undefined as never; });
    expect(lines(file3)[0]).toMatch(/FPGAC001: node 'Relu_0' \(op Relu\): expects 1 input, found 0/);
  });

  it('an empty required input, an empty op type, a second producer, an output that is a graph input: all listed', () => {
    const file = write({ ...io, nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'r1' },
      { op: '', inputs: ['a'], outputs: ['b'], name: 'noop' },
      { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'r2' },
      { op: 'Relu', inputs: ['a'], outputs: ['x'], name: 'r3' },
      relu('a', 'y', 'r4'),
    ] });
    expect(lines(file)).toEqual([
      "error FPGAC001: node 'noop': the node has no op type",
      "error FPGAC001: node 'r2' (op Relu): output 'a' is also produced by node 'r1'; every value must have one producer",
      "error FPGAC001: node 'r3' (op Relu): output 'x' is a graph input; every value must have one producer",
    ]);
    const empty = write({ ...io, nodes: [{ op: 'Add', inputs: ['x', ''], outputs: ['y'], name: 'add' }] });
    expect(lines(empty)).toEqual(["error FPGAC001: node 'add' (op Add): required input 1 is empty"]);
  });

  it('a graph output no node produces', () => {
    const file = write({ inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }, { name: 'ghost' }], nodes: [relu('x', 'y')] });
    expect(lines(file)).toEqual(["error FPGAC001: graph output 'ghost' is not produced by any node"]);
  });

  it('a cycle is reported once, as a cycle', () => {
    const file = write({ ...io, nodes: [
      { op: 'Add', inputs: ['x', 'c'], outputs: ['a'], name: 'a' },
      relu('a', 'b', 'b'),
      relu('b', 'c', 'c'),
      relu('c', 'y', 'out'),
    ] });
    expect(lines(file)).toEqual(["error FPGAC004: node 'a' (op Add): input 'c' comes from node 'c', which depends on this node's output (a cycle) or on an input nothing produces"]);
    const self = write({ ...io, nodes: [{ op: 'Add', inputs: ['x', 'y'], outputs: ['y'], name: 'loop' }] });
    expect(lines(self)).toEqual(["error FPGAC004: node 'loop' (op Add): input 'y' is produced by this node itself (a cycle)"]);
  });

  it('attributes of the wrong type: kernel_shape as a float, as a string; pads as a tensor', () => {
    const conv = (attrs: NonNullable<ModelSpec['nodes'][0]['attrs']>) => write({
      inputs: [{ name: 'x', dims: ['N', 1, 4, 4] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [2, 1, 3, 3], values: values(18, 1) }],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'conv', attrs }],
    });
    expect(lines(conv({ kernel_shape: { float: 3.5 } }))).toEqual(["error FPGAC003: node 'conv' (op Conv): attribute 'kernel_shape' should be a list of ints, found float"]);
    expect(lines(conv({ kernel_shape: '3,3' }))).toEqual(["error FPGAC003: node 'conv' (op Conv): attribute 'kernel_shape' should be a list of ints, found string"]);
    expect(lines(conv({ group: { float: 1 } }))[0]).toMatch(/FPGAC003: node 'conv' \(op Conv\): attribute 'group' should be an int, found float/);
    expect(lines(conv({ strides: [2 ** 31, 1] }))).toEqual([]); // one output row: the stride cannot matter
    expect(lines(conv({ pads: [2 ** 31, 0, 0, 0] }))[0]).toMatch(/FPGAC003: node 'conv' \(op Conv\): pads \[2147483648,0,0,0\] are implausibly large/);
    expect(lines(conv({ dilations: [0, 1] }))[0]).toMatch(/FPGAC003: .*must be positive whole numbers/);
  });

  it('a Loop without a body, a Constant without a value, a GRAPH attribute without a graph', () => {
    const loop = write({ ...io, initializers: [{ name: 'M', dims: [], values: [2], type: 7 }, { name: 'c', dims: [], values: [1], type: 9 }],
      nodes: [{ op: 'Loop', inputs: ['M', 'c', 'x'], outputs: ['y'], name: 'loop' }] });
    expect(lines(loop)).toEqual(["error FPGAC003: node 'loop' (op Loop): Loop has no body graph"]);
    const konst = write({ ...io, nodes: [{ op: 'Constant', inputs: [], outputs: ['k'], name: 'k' }, { op: 'Add', inputs: ['x', 'k'], outputs: ['y'] }] });
    expect(lines(konst)[0]).toMatch(/FPGAC003: node 'k' \(op Constant\): Constant has no supported value attribute/);
    const nograph = write({ ...io, initializers: [{ name: 'M', dims: [], values: [2], type: 7 }, { name: 'c', dims: [], values: [1], type: 9 }],
      nodes: [{ op: 'Loop', inputs: ['M', 'c', 'x'], outputs: ['y'], name: 'loop' }] }, (m) => { m.graph!.node![0].attribute = [{ name: 'body', type: 5 }]; });
    expect(lines(nograph)).toEqual(["error FPGAC003: node 'loop' (op Loop): Loop has no body graph"]);
  });

  it('initializers with missing dims or data, or without a name', () => {
    const spec = (patch: (t: onnxProto.onnx.ITensorProto) => void) => write({ ...io, initializers: [{ name: 'b', dims: [4], values: [1, 2, 3, 4] }],
      nodes: [{ op: 'Add', inputs: ['x', 'b'], outputs: ['y'], name: 'add' }] }, (m) => patch(m.graph!.initializer![0]));
    expect(lines(spec((t) => { t.dims = []; }))).toEqual(["error FPGAC001: tensor 'b' raw_data holds 16 bytes, its shape needs 4"]);
    expect(lines(spec((t) => { t.rawData = new Uint8Array(0); }))).toEqual(["error FPGAC001: tensor 'b' holds 0 values but its shape [4] needs 4"]);
    expect(lines(spec((t) => { t.name = ''; }))).toEqual(['error FPGAC001: an initializer has no name', "error FPGAC004: node 'add' (op Add): input 'b' is not produced by any node"].slice(0, 1));
  });

  it('graph inputs with no type, no shape, a negative or a huge dimension', () => {
    const patched = (f: (v: onnxProto.onnx.IValueInfoProto) => void) => write({ ...io, nodes: [relu('x', 'y')] }, (m) => f(m.graph!.input![0]));
    expect(lines(patched((v) => { v.type = undefined; }))).toEqual(["error FPGAC001: graph input 'x' has no tensor type"]);
    expect(lines(patched((v) => { v.type!.tensorType!.shape = undefined; }))).toEqual(["error FPGAC004: graph input 'x' has no shape; fpgac needs every dimension but the batch axis"]);
    expect(lines(patched((v) => { v.type!.tensorType!.shape!.dim![1] = { dimValue: -3 }; }))).toEqual(["error FPGAC004: graph input 'x' has an unknown dimension 1 ('?'); only the batch axis may be symbolic"]);
    expect(lines(patched((v) => { v.type!.tensorType!.shape!.dim![1] = { dimValue: 2 ** 31 }; }))).toEqual([
      'error FPGAC013: graph input \'x\' [1, 2147483648] has 2,147,483,648 elements, above the limit of 16,777,216 (raise it with --limit elements=N)',
    ]);
  });

  it('negative or huge shapes in Reshape and ConstantOfShape inputs', () => {
    const reshape = (shape: number[]) => write({ ...io, initializers: [{ name: 's', dims: [shape.length], values: shape, type: 7 }],
      nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'], name: 'reshape' }] });
    expect(lines(reshape([-5, 2]))[0]).toMatch(/FPGAC004: node 'reshape' \(op Reshape\): cannot reshape \[1,4\] to \[-5,2\]: only one -1/);
    expect(lines(reshape([-1, -1]))[0]).toMatch(/FPGAC004: node 'reshape' .*only one -1/);
    expect(lines(reshape([2 ** 53, 1]))[0]).toMatch(/FPGAC004: node 'reshape' .*cannot reshape/);
    expect(lines(reshape([2, -1]))).toEqual([]);
    const cos = (shape: number[]) => write({ ...io, initializers: [{ name: 's', dims: [shape.length], values: shape, type: 7 }],
      nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'], name: 'fill' }, { op: 'Add', inputs: ['x', 'z'], outputs: ['y'], name: 'add' }] });
    expect(lines(cos([-1, 4]))).toEqual(["error FPGAC004: node 'fill' (op ConstantOfShape): the shape [-1,4] has a negative dimension"]);
    expect(lines(cos([2 ** 28]))).toEqual(["error FPGAC013: node 'fill' (op ConstantOfShape): output [268435456] has 268,435,456 elements, above the limit of 16,777,216 (raise it with --limit elements=N)"]);
    expect(lines(cos([2 ** 20, 2 ** 20, 2 ** 20]))[0]).toMatch(/FPGAC004: node 'fill' .*output shape \[1048576, 1048576, 1048576\] is invalid|FPGAC013/);
    expect(lines(cos([1, 4]))).toEqual([]);
  });

  it('shape ops validate their inputs: Concat, Squeeze, Unsqueeze, Slice, Gather, Cast', () => {
    const one = (node: ModelSpec['nodes'][0], inits: ModelSpec['initializers'] = []) => lines(write({ inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }], initializers: inits,
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'r' }, node, { op: 'Relu', inputs: ['o'], outputs: ['y'], name: 'tail' }] }))[0];
    expect(one({ op: 'Concat', inputs: ['r', 'c'], outputs: ['o'], attrs: { axis: 0 }, name: 'cat' }, [{ name: 'c', dims: [1, 3], values: [1, 2, 3] }])).toMatch(/FPGAC004: node 'cat' .*input shapes \[1,4\] and \[1,3\] differ outside axis 0/);
    expect(one({ op: 'Squeeze', inputs: ['r', 'a'], outputs: ['o'], name: 'sq' }, [{ name: 'a', dims: [1], values: [1], type: 7 }])).toMatch(/FPGAC004: node 'sq' .*axis 1 has size 4/);
    expect(one({ op: 'Unsqueeze', inputs: ['r', 'a'], outputs: ['o'], name: 'unsq' }, [{ name: 'a', dims: [1], values: [2 ** 31], type: 7 }])).toMatch(/FPGAC003: node 'unsq' .*axis 2147483648 is out of range for rank 3/);
    expect(one({ op: 'Unsqueeze', inputs: ['r', 'a'], outputs: ['o'], name: 'unsq' }, [{ name: 'a', dims: [2], values: [0, 0], type: 7 }])).toMatch(/FPGAC003: node 'unsq' .*repeat an axis/);
    expect(one({ op: 'Slice', inputs: ['r', 's', 'e', 'a'], outputs: ['o'], name: 'sl' }, [
      { name: 's', dims: [1], values: [0], type: 7 }, { name: 'e', dims: [1], values: [2], type: 7 }, { name: 'a', dims: [1], values: [7], type: 7 }])).toMatch(/FPGAC003: node 'sl' .*axis 7 is out of range/);
    expect(one({ op: 'Cast', inputs: ['r'], outputs: ['o'], attrs: { to: 8 }, name: 'cast' })).toMatch(/FPGAC007: node 'cast' \(op Cast\): a cast to string is not supported/);
  });

  it('large constants are folded without spreading them into argument lists (Concat of 2 × 200,000 values)', () => {
    const n = 200_000;
    const file = write({ inputs: [{ name: 'x', dims: ['N', 2 * n] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'a', dims: [n], values: new Array(n).fill(0.5) }, { name: 'b', dims: [n], values: new Array(n).fill(0.25) }],
      nodes: [{ op: 'Concat', inputs: ['a', 'b'], outputs: ['ab'], attrs: { axis: 0 }, name: 'cat' }, { op: 'Add', inputs: ['x', 'ab'], outputs: ['y'], name: 'add' }] });
    const c = compileModel(file);
    const ab = c.reference.constants.get('ab')!;
    expect([ab.data[0], ab.data[n - 1], ab.data[n], ab.data[2 * n - 1]]).toEqual([0.5, 0.5, 0.25, 0.25]);
  });

  it('pruning a dense layer with 200,000 inputs per output (no spread of a row)', () => {
    const n = 200_000;
    const w = new Array(2 * n).fill(0).map((_, i) => (i % 2 === 1 ? 0.001 : 0)); // output 0 all zero
    const file = write({ inputs: [{ name: 'x', dims: ['N', n] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'w1', dims: [n, 2], values: w }, { name: 'w2', dims: [2, 2], values: [1, 2, 3, 4] }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w1'], outputs: ['h'], name: 'd1' }, { op: 'MatMul', inputs: ['h', 'w2'], outputs: ['y'], name: 'd2' }] });
    expect(compileModel(file).canonical.constants.get(compileModel(file).canonical.nodes[0].inputs[1])!.shape).toEqual([1, n]);
  });

  it('per-output-channel weight precision over 200,000 output channels (no spread of the channel list)', () => {
    const n = 200_000;
    const file = write({ inputs: [{ name: 'x', dims: ['N', 1] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [1, n], values: Array.from({ length: n }, (_, i) => (i % 7 ? 0.5 : 0.001)) }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'], name: 'd' }] });
    const cal = path.join(dir, 'cal.npy');
    writeNpy(cal, { shape: [2, 1], data: [0.5, -1] });
    const layer = compileModel(file, { calibrate: [cal] }).design.layers[0];
    expect(layer.kind === 'dense' && layer.nOut).toBe(n);
  });

  it("fpgac's internal ops cannot come from a model", () => {
    const file = write({ inputs: [{ name: 'x', dims: ['N', 2] }], outputs: [{ name: 'y' }], initializers: [{ name: 'w', dims: [2, 2], values: [1, 0, 0, 1] }],
      nodes: [{ op: 'Dense', inputs: ['x', 'w'], outputs: ['a'], name: 'd' }, { op: 'LoopRegion', inputs: ['a'], outputs: ['b'], name: 'lr' }, { op: 'Dense', domain: 'fpgac', inputs: ['b', 'w'], outputs: ['y'], name: 'd2' }] });
    expect(lines(file)).toEqual([
      "error FPGAC002: node 'd2' (op fpgac:Dense): the 'fpgac' domain holds fpgac's internal ops; a model cannot use it",
    ]);
    const plain = write({ inputs: [{ name: 'x', dims: ['N', 2] }], outputs: [{ name: 'y' }], initializers: [{ name: 'w', dims: [2, 2], values: [1, 0, 0, 1] }],
      nodes: [{ op: 'Dense', inputs: ['x', 'w'], outputs: ['a'], name: 'd' }, { op: 'LoopRegion', inputs: ['a'], outputs: ['y'], name: 'lr' }] });
    expect(lines(plain)).toEqual(["error FPGAC002: node 'd' (op Dense): unsupported op", "error FPGAC002: node 'lr' (op LoopRegion): unsupported op"]);
  });

  it('a convolution over a batch of several samples is refused at lowering, not by the simulator', () => {
    const file = write({ inputs: [{ name: 'x', dims: [3, 1, 4, 4] }], outputs: [{ name: 'y' }], initializers: [{ name: 'w', dims: [2, 1, 3, 3], values: values(18, 2) }],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'conv' }] });
    expect(lines(file)).toEqual(["error FPGAC003: node 'conv' (op Conv): an input of 3 samples (shape [3,1,4,4]) is not supported: the layer processes one sample at a time"]);
  });
});

describe('Loop forms', () => {
  const loopModel = (m: number[], mType: number, body: NonNullable<ModelSpec['nodes'][0]['attrs']>['body']) => write({
    ...io, initializers: [{ name: 'M', dims: m.length === 1 ? [] : [m.length], values: m, type: mType }, { name: 'c', dims: [], values: [1], type: 9 }],
    nodes: [{ op: 'Loop', inputs: ['M', 'c', 'x'], outputs: ['y'], name: 'loop', attrs: { body } }],
  });
  const body = (nodes: ModelSpec['nodes']) => ({ graph: {
    inputs: [{ name: 'i', dims: [], type: 7 }, { name: 'ci', dims: [], type: 9 }, { name: 's' }],
    outputs: [{ name: 'co', dims: [], type: 9 }, { name: 'sn' }],
    nodes: [{ op: 'Identity', inputs: ['ci'], outputs: ['co'] }, ...nodes],
  } });
  const ok = body([relu('s', 'sn')]);

  it('trip counts that are negative, fractional or not scalars', () => {
    expect(lines(loopModel([-2], 7, ok))).toEqual(["error FPGAC009: node 'loop' (op Loop): trip count -2 is not a non-negative whole number"]);
    expect(lines(loopModel([2.5], 1, ok))).toEqual(["error FPGAC009: node 'loop' (op Loop): trip count 2.5 is not a non-negative whole number"]);
    expect(lines(loopModel([2, 3], 7, ok))).toEqual(["error FPGAC009: node 'loop' (op Loop): the trip count must be a scalar, found shape [2]"]);
  });

  it('a carried value that changes shape in the body (it would grow on every trip)', () => {
    const grow = body([{ op: 'Concat', inputs: ['s', 's'], outputs: ['sn'], attrs: { axis: 1 } }]);
    expect(lines(loopModel([30], 7, grow))).toEqual(["error FPGAC009: node 'loop' (op Loop): carried value 0 has shape [1,4] before the body and [1,8] after it; fpgac needs it to keep its shape"]);
  });

  it('a body with the wrong number of inputs, or an output it does not compute', () => {
    const short = { graph: { inputs: [{ name: 's' }], outputs: [{ name: 'co', dims: [], type: 9 }, { name: 's' }], nodes: [] } };
    expect(lines(loopModel([2], 7, short))).toEqual(["error FPGAC009: node 'loop' (op Loop): the body has 1 inputs; with 1 carried value(s) it needs 3 (iteration, condition, carried values)"]);
  });
});
