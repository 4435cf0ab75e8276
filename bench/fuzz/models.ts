/**
 * @fileoverview Models for the fuzzer: small valid models whose every name can be chosen (hostile-name cases),
 * size bombs, and structure-aware mutation of real models at the protobuf level (decoded with onnx-proto, one
 * field changed, encoded again), so that most mutants are well-formed protobuf that reach the compiler proper.
 */
import onnxProto from 'onnx-proto';
import { buildModel, values, type ModelSpec } from '../../test/support/onnx-builder.js';

const { onnx } = onnxProto;

export type Rand = () => number;
export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
export const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

/**
 * Names that have broken compilers and shells: code after a newline or a line splice, trigraphs, comment ends,
 * shell and Make expansions, Tcl substitutions, terminal escapes that erase a line and fake success, HTML,
 * identifiers C++ reserves or that libc declares, path pieces, and the empty and the very long name. Each carries
 * PWN, so a scan can find any that reached code.
 */
export const HOSTILE_NAMES: readonly string[] = [
  'x\nsystem("touch PWNED_nl");//', 'x\r\nint PWN_cr = 1;', 'a\\', 'tail\\\nint PWN_splice;', 'b??/', 'c??/\nint PWN_tri;',
  '*/ int PWN_block; /*', '$(touch PWNED_make)', '`touch PWNED_tick`', '; touch PWNED_semi; #', '[exec touch PWNED_tcl]',
  '${PWN_var}', '"; puts PWN; "', '}{PWN', '\u001b[2K\rfpgac: build succeeded PWN', '\u001b]0;PWN\u0007', '\u202eNWP',
  '<script>alert("PWN")</script>', '| PWN | table |', '`PWN`', 'int', 'main', 'printf', 'y0', 'NULL', 'assert', 'fpgac',
  'ap_fixed', '__PWN', '_PWN', '../../PWN', '/etc/PWN', '.', '..', '', 'π∑PWN', '\u0000PWN', 'PWN'.repeat(4000),
];

/** A name for one slot: a hostile one, or (sometimes) an ordinary one, so names also collide. */
export function nameFor(rand: Rand, k: number): string {
  return rand() < 0.8 ? pick(rand, HOSTILE_NAMES) + (rand() < 0.5 ? '' : String(k)) : `n${k % 3}`;
}

/** A dense model (MatMul, Add, Relu, Gemm, Softmax) with every name given by `name`. */
export function denseSpec(name: (slot: number) => string): ModelSpec {
  const [x, w1, b1, h, z, a, w2, b2, y, o] = Array.from({ length: 10 }, (_, k) => name(k));
  return {
    inputs: [{ name: x, dims: ['N', 6] }], outputs: [{ name: o }],
    initializers: [
      { name: w1, dims: [6, 5], values: values(30, 3) }, { name: b1, dims: [5], values: values(5, 4) },
      { name: w2, dims: [4, 5], values: values(20, 5) }, { name: b2, dims: [4], values: values(4, 6) },
    ],
    nodes: [
      { op: 'MatMul', inputs: [x, w1], outputs: [h], name: name(10) },
      { op: 'Add', inputs: [h, b1], outputs: [z], name: name(11) },
      { op: 'Relu', inputs: [z], outputs: [a], name: name(12) },
      { op: 'Gemm', inputs: [a, w2, b2], outputs: [y], name: name(13), attrs: { transB: 1 } },
      { op: 'Softmax', inputs: [y], outputs: [o], name: name(14), attrs: { axis: 1 } },
    ],
  };
}

/** A small CNN (Conv, Relu, MaxPool, GlobalAveragePool, Flatten, Gemm) with every name given by `name`. */
export function convSpec(name: (slot: number) => string): ModelSpec {
  const [x, w, b, c, r, p, g, f, wf, bf, y] = Array.from({ length: 11 }, (_, k) => name(k));
  return {
    inputs: [{ name: x, dims: [1, 2, 6, 6] }], outputs: [{ name: y }],
    initializers: [
      { name: w, dims: [3, 2, 3, 3], values: values(54, 7) }, { name: b, dims: [3], values: values(3, 8) },
      { name: wf, dims: [2, 3], values: values(6, 9) }, { name: bf, dims: [2], values: values(2, 10) },
    ],
    nodes: [
      { op: 'Conv', inputs: [x, w, b], outputs: [c], name: name(11), attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: [c], outputs: [r], name: name(12) },
      { op: 'MaxPool', inputs: [r], outputs: [p], name: name(13), attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'GlobalAveragePool', inputs: [p], outputs: [g], name: name(14) },
      { op: 'Flatten', inputs: [g], outputs: [f], name: name(15) },
      { op: 'Gemm', inputs: [f, wf, bf], outputs: [y], name: name(16), attrs: { transB: 1 } },
    ],
  };
}

/**
 * Names in one model must be distinct where ONNX requires it (values), or the model is simply invalid and every
 * case would end in the same diagnostic: value slots get a distinct suffix when a collision would happen.
 */
export function distinctValues(name: (slot: number) => string, valueSlots: readonly number[]): (slot: number) => string {
  const seen = new Set<string>();
  const memo = new Map<number, string>();
  return (slot) => {
    let n = memo.get(slot);
    if (n !== undefined) return n;
    n = name(slot);
    if (valueSlots.includes(slot)) {
      while (seen.has(n) || n === '') n = `${n}_${slot}`;
      seen.add(n);
    }
    memo.set(slot, n);
    return n;
  };
}

/** Size and structure bombs: each a valid model that asks for too much. */
export function bombSpec(kind: number): ModelSpec {
  switch (kind % 6) {
    case 0: // ConstantOfShape of 2^28 elements feeding an Add
      return {
        inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
        initializers: [{ name: 's', dims: [1], values: [2 ** 28], type: 7 }],
        nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['c'] }, { op: 'Reshape', inputs: ['c', 's'], outputs: ['d'] }, { op: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
      };
    case 1: // a graph input of 2^28 elements
      return { inputs: [{ name: 'x', dims: [1, 16384, 16384] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] };
    case 2: { // a 20,000-node chain
      const nodes = Array.from({ length: 20000 }, (_, i) => ({ op: 'Relu', inputs: [i ? `v${i}` : 'x'], outputs: [i === 19999 ? 'y' : `v${i + 1}`] }));
      return { inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], nodes };
    }
    case 3: // a Loop with a 2^62 trip count
      return loopSpec(2 ** 62, 1);
    case 4: // 30 nested Loops
      return loopSpec(2, 30);
    default: // Expand to a huge shape
      return {
        inputs: [{ name: 'x', dims: [1, 1] }], outputs: [{ name: 'y' }],
        initializers: [{ name: 's', dims: [2], values: [65536, 65536], type: 7 }],
        nodes: [{ op: 'Expand', inputs: ['x', 's'], outputs: ['y'] }],
      };
  }
}

/** A Loop of `trips` steps adding a constant, nested `depth` deep. */
function loopSpec(trips: number, depth: number): ModelSpec {
  const body = (d: number): NonNullable<ModelSpec['nodes'][number]['attrs']>[string] => ({
    graph: {
      inputs: [{ name: `i${d}`, dims: [], type: 7 }, { name: `c${d}`, dims: [], type: 9 }, { name: `s${d}`, dims: [1, 4] }],
      outputs: [{ name: `co${d}`, type: 9 }, { name: `so${d}`, dims: [1, 4] }],
      initializers: [{ name: `k${d}`, dims: [1, 4], values: [0.25, 0.25, 0.25, 0.25] }],
      nodes: [
        { op: 'Identity', inputs: [`c${d}`], outputs: [`co${d}`] },
        d + 1 < depth
          ? { op: 'Loop', inputs: ['T', '', `s${d}`], outputs: [`so${d}`], attrs: { body: body(d + 1) } }
          : { op: 'Add', inputs: [`s${d}`, `k${d}`], outputs: [`so${d}`] },
      ],
    },
  } as never);
  return {
    inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
    initializers: [{ name: 'T', dims: [], values: [trips], type: 7 }],
    nodes: [{ op: 'Loop', inputs: ['T', '', 'x'], outputs: ['y'], attrs: { body: body(0) } }],
  };
}

export function encode(spec: ModelSpec): Uint8Array {
  return buildModel(spec);
}

const EXTREME_INTS = [0, -1, 1, 2, 3, 7, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, -(2 ** 53), 65536, 100000];
const EXTREME_FLOATS = [0, -0, 1e-45, 1e38, -1e38, Infinity, -Infinity, NaN, 0.5, -3];
const OPS = ['Relu', 'Conv', 'Gemm', 'MatMul', 'Add', 'Mul', 'Reshape', 'Transpose', 'Loop', 'Concat', 'Softmax', 'MaxPool', 'Identity', 'NoSuchOp', ''];

/**
 * One structure-aware mutation of a model: decode, change one thing (a node's op, inputs, outputs, an attribute's
 * type or value, a graph input's dims or type, an initializer's dims, type or data, the opset), encode.
 */
export function mutateModel(bytes: Uint8Array, rand: Rand): { bytes: Uint8Array; what: string } {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const nodes = g.node ?? [];
  const what = int(rand, 0, 13);
  const n = nodes.length ? pick(rand, nodes) : undefined;
  const values = [...(g.input ?? []).map((v) => v.name ?? ''), ...nodes.flatMap((x) => x.output ?? []), ...(g.initializer ?? []).map((t) => t.name ?? '')];
  let label = '';
  switch (what) {
    case 0: if (n) { n.opType = pick(rand, OPS); label = `op → ${n.opType}`; } break;
    case 1: if (n) { nodes.splice(nodes.indexOf(n), 1); label = 'node removed'; } break;
    case 2: if (n) { nodes.splice(int(rand, 0, nodes.length), 0, onnx.NodeProto.create({ ...n, name: `${n.name}_dup` })); label = 'node duplicated'; } break;
    case 3: if (n && n.input?.length) { const k = int(rand, 0, n.input.length - 1); n.input[k] = pick(rand, [...values, '', 'missing_value']); label = `input ${k} → ${n.input[k]}`; } break;
    case 4: if (n && n.output?.length) { n.output[0] = pick(rand, [...values, '']); label = `output → ${n.output[0]}`; } break;
    case 5: if (n && n.attribute?.length) {
      const a = pick(rand, n.attribute);
      const r = rand();
      if (r < 0.25) { a.type = 2; a.i = pick(rand, EXTREME_INTS); a.ints = []; label = `attr ${a.name} → int ${a.i}`; }
      else if (r < 0.5) { a.type = 7; a.ints = Array.from({ length: int(rand, 0, 5) }, () => pick(rand, EXTREME_INTS)); label = `attr ${a.name} → ints`; }
      else if (r < 0.75) { a.type = 1; a.f = pick(rand, EXTREME_FLOATS); label = `attr ${a.name} → float ${a.f}`; }
      else { a.type = 3; a.s = new TextEncoder().encode('SAME_UPPER\u0000'); label = `attr ${a.name} → string`; }
    } break;
    case 6: if (n) { (n.attribute ??= []).push(onnx.AttributeProto.create({ name: pick(rand, ['axis', 'pads', 'kernel_shape', 'strides', 'group', 'perm', 'body']), type: 2, i: pick(rand, EXTREME_INTS) })); label = 'attr added'; } break;
    case 7: { const i = g.input?.[0]; const dims = i?.type?.tensorType?.shape?.dim; if (dims?.length) { const d = pick(rand, dims); d.dimValue = pick(rand, EXTREME_INTS); d.dimParam = ''; label = `input dim → ${d.dimValue}`; } } break;
    case 8: { const i = g.input?.[0]; if (i?.type?.tensorType) { i.type.tensorType.elemType = pick(rand, [0, 2, 3, 7, 8, 9, 10, 11, 14, 16, 17, 99]); label = `input type → ${i.type.tensorType.elemType}`; } } break;
    case 9: { const t = g.initializer?.length ? pick(rand, g.initializer) : undefined; if (t) { t.dims = (t.dims ?? []).map((d) => (rand() < 0.5 ? pick(rand, EXTREME_INTS) : d)); label = `initializer ${t.name} dims`; } } break;
    case 10: { const t = g.initializer?.length ? pick(rand, g.initializer) : undefined; if (t) { t.dataType = pick(rand, [0, 2, 3, 6, 7, 8, 10, 11, 13, 16, 18, 40]); label = `initializer ${t.name} type → ${t.dataType}`; } } break;
    case 11: { const t = g.initializer?.length ? pick(rand, g.initializer) : undefined; if (t) { t.rawData = t.rawData?.subarray(0, int(rand, 0, t.rawData.length)); label = `initializer ${t.name} data cut`; } } break;
    case 12: { (m.opsetImport ??= []).splice(0, 1, onnx.OperatorSetIdProto.create({ domain: '', version: pick(rand, [0, 1, 5, 6, 7, 13, 22, 25, 26, 99, 2 ** 31 - 1]) })); label = `opset → ${m.opsetImport[0].version}`; } break;
    default: { if (g.output?.length) { g.output[0].name = pick(rand, [...values, 'nothing_makes_this', '']); label = `graph output → ${g.output[0].name}`; } } break;
  }
  return { bytes: onnx.ModelProto.encode(m).finish(), what: label || 'no-op' };
}

/** Sets an initializer's storage to external data at a (possibly hostile) location. */
export function withExternal(bytes: Uint8Array, location: string, offset = 0, length?: number): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const t = m.graph?.initializer?.[0];
  if (t) {
    t.rawData = new Uint8Array();
    t.dataLocation = 1;
    t.externalData = [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }, ...(length === undefined ? [] : [{ key: 'length', value: String(length) }])].map((e) => onnx.StringStringEntryProto.create(e));
  }
  return onnx.ModelProto.encode(m).finish();
}
