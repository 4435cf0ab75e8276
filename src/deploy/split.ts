/**
 * @fileoverview Splitting a model between the CPU and the fabric (issue 11, `--fpga-from NODE --fpga-to NODE`): a
 * contiguous part of the graph becomes the design, the nodes before it (head) and after it (tail) become standalone
 * ONNX models the host runs with onnxruntime. Works on the protobuf: nodes, attributes (Loop bodies included),
 * opsets and IR version are copied unchanged; only the graphs' inputs, outputs and initializers are recomputed.
 *
 * The rules (docs/deploy.md, "Splitting a model between the CPU and the fabric"):
 * - fabric = descendants of `from` (inclusive) ∩ ancestors of `to` (inclusive). Such a set is always convex (a node
 *   on a path between two of its nodes descends from `from` and leads to `to`, so it is in the set); an explicit
 *   node set (`splitModelNodes`) is checked and refused when a path leaves it and comes back.
 * - head = the other ancestors of the fabric; tail = every other node that leads to a graph output; nodes leading
 *   nowhere are dropped.
 * - constants travel with their readers: initializers and constant subgraphs (Constant nodes and nodes computing
 *   only from constants) are copied into every part that reads them, never cut.
 * - dependencies include the values a Loop body reads from the enclosing graph (outer-scope names), so a body that
 *   reads a head value makes it a cut like any explicit input.
 * - cuts are matched by name: a cut keeps its value's name in the part producing it and in the parts reading it, so
 *   the driver chains the parts by feeding every part's outputs to the next by name.
 */
import onnxProto from 'onnx-proto';
import type { DType, Graph, ValueInfo } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { assert, DiagnosticError, fail } from '../diagnostics.js';
import type { Limits } from '../limits.js';
import { decodeModel, type LoadedModel } from '../onnx/load.js';
import { dtypeFromOnnx, elementBytes, ELEMENT_BYTES, readExternal, toNum, type TensorProtoLike } from '../onnx/tensor.js';
import { inferAndFold } from '../passes/infer.js';

const { onnx } = onnxProto;
type PModel = onnxProto.onnx.IModelProto;
type PGraph = onnxProto.onnx.IGraphProto;
type PNode = onnxProto.onnx.INodeProto;
type PTensor = onnxProto.onnx.ITensorProto;
type PSparse = onnxProto.onnx.ISparseTensorProto;
type PValueInfo = onnxProto.onnx.IValueInfoProto;

export type PartName = 'head' | 'fabric' | 'tail';

/** A tensor handed from one part to another (or out of the model). Shapes are per sample (batch axis 1). */
export interface Cut {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Elements of one sample times the element size. */
  readonly bytesPerSample: number;
  readonly from: 'input' | 'head' | 'fabric';
  readonly to: 'fabric' | 'tail' | 'output';
}

export interface SplitResult {
  /** The head model; absent when the fabric reads only graph inputs. */
  readonly head?: Uint8Array;
  readonly fabric: Uint8Array;
  /** The tail model; absent when the head and fabric compute every graph output. */
  readonly tail?: Uint8Array;
  /**
   * Every tensor crossing between parts, one entry per (value, from, to): into the fabric, to the tail (skip
   * connections from graph inputs or the head included), and graph outputs computed by the head or the fabric.
   */
  readonly cuts: readonly Cut[];
  /** Node names (ONNX names, `${op}_${index}` for unnamed nodes) of each written model, in order; copied constant nodes appear in every part holding them. */
  readonly fabricNodes: readonly string[];
  readonly headNodes: readonly string[];
  readonly tailNodes: readonly string[];
  /** One line each: an empty head or tail, nodes dropped because they lead to no graph output. */
  readonly notes: readonly string[];
}

export interface SplitOptions {
  /** The model's folder, where its external data files are; required when the model has any. */
  readonly baseDir?: string;
  /** Resource limits for loading and shape inference (src/limits.ts). */
  readonly limits?: Partial<Limits>;
  /** The model's name in diagnostics. */
  readonly label?: string;
}

const ONNX_TYPE: Partial<Record<DType, number>> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, string: 8, bool: 9, float16: 10,
  float64: 11, uint32: 12, uint64: 13, bfloat16: 16,
};

/** The symbolic batch axis written on cut tensors whose first axis follows the graph inputs' batch. */
const BATCH = 'N';

/** A first dimension above this is a placeholder batch size (the loader's rule, src/onnx/load.ts). */
const MAX_CONCRETE_BATCH = 4096;

const PART_INDEX: Record<PartName, number> = { head: 0, fabric: 1, tail: 2 };
const PARTS: readonly PartName[] = ['head', 'fabric', 'tail'];

/** The model's main graph as index structures over its nodes. */
interface Analysis {
  readonly label: string;
  readonly baseDir: string;
  readonly limits?: Partial<Limits>;
  readonly model: PModel;
  readonly graph: PGraph;
  readonly loaded: LoadedModel;
  readonly nodes: readonly PNode[];
  /** Node names as the loader derives them. */
  readonly names: readonly string[];
  readonly byName: ReadonlyMap<string, number>;
  /** Values each node reads: its inputs and the outer-scope names its subgraphs read, without ''. */
  readonly reads: readonly (readonly string[])[];
  readonly producer: ReadonlyMap<string, number>;
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  /** Graph inputs that are not initializers, in order. */
  readonly inputs: readonly string[];
  readonly inputSet: ReadonlySet<string>;
  readonly inits: ReadonlyMap<string, PTensor>;
  readonly sparseInits: ReadonlyMap<string, PSparse>;
  /** Node indices in a topological order (the file's order when it already is one). */
  readonly order: readonly number[];
  readonly rank: Int32Array;
  /** Nodes computing only from constants: copied into the parts that read them, never cut. */
  readonly constOnly: Uint8Array;
}

/**
 * Splits a model: the fabric part is every node that descends from a `from` node and leads to a `to` node (both
 * inclusive). A name is a node name (ONNX `NodeProto.name`, or `${op}_${index}` for an unnamed node, as the loader
 * derives it) or a value name, meaning the node producing it; a graph input as `from` means the nodes reading it.
 * Several names may be given (a fabric part with several entry or exit nodes). Problems are FPGAC005, one line.
 */
export function splitModel(bytes: Uint8Array, from: string | readonly string[], to: string | readonly string[], opts: SplitOptions = {}): SplitResult {
  const a = analyze(bytes, opts);
  const fromNames = typeof from === 'string' ? [from] : [...from];
  const toNames = typeof to === 'string' ? [to] : [...to];
  if (fromNames.length === 0) fail('FPGAC005', '--fpga-from names no node');
  if (toNames.length === 0) fail('FPGAC005', '--fpga-to names no node');
  const F = unique(fromNames.flatMap((n) => resolveName(a, n, 'from')));
  const T = unique(toNames.flatMap((n) => resolveName(a, n, 'to')));
  const down = reach(a, F, 'down');
  const up = reach(a, T, 'up');
  const quoted = (l: string[]) => l.map((n) => `'${n}'`).join(', ');
  for (const t of T) {
    if (!down.has(t)) fail('FPGAC005', `--fpga-to: no chain of values leads from --fpga-from ${quoted(fromNames)} to this node`, where(a, t));
  }
  for (const f of F) {
    if (!up.has(f)) fail('FPGAC005', `--fpga-from: no chain of values leads from this node to --fpga-to ${quoted(toNames)}`, where(a, f));
  }
  const region = new Set([...down.keys()].filter((k) => up.has(k) && !a.constOnly[k]));
  return partition(a, region, T);
}

/**
 * Splits a model with an explicit fabric node set (names as in `splitModel`, nodes only). The set must be convex:
 * a node outside it that depends on a fabric node and feeds one would make the CPU run in the middle of the fabric
 * part, and is refused (FPGAC005 naming it). Constant nodes in the set are ignored: constants go with their readers.
 */
export function splitModelNodes(bytes: Uint8Array, nodes: readonly string[], opts: SplitOptions = {}): SplitResult {
  const a = analyze(bytes, opts);
  const region = new Set<number>();
  for (const n of nodes) {
    const k = a.byName.get(n);
    if (k === undefined) fail('FPGAC005', `fabric node '${n}': the model has no node of that name`, { hint: nameHint });
    if (!a.constOnly[k]) region.add(k);
  }
  if (region.size === 0) fail('FPGAC005', 'the fabric part holds no node that reads a graph input or a computed value');
  return partition(a, region, [...region].sort((x, y) => a.rank[y] - a.rank[x]));
}

const nameHint = "a node's name is its ONNX NodeProto.name, or op_index (Relu_3) for an unnamed node; a value's name means the node producing it";

function where(a: Analysis, k: number): { node: string; op: string } {
  return { node: a.names[k], op: a.nodes[k].opType ?? '' };
}

function unique<T>(l: readonly T[]): T[] {
  return [...new Set(l)];
}

function resolveName(a: Analysis, name: string, role: 'from' | 'to'): number[] {
  const flag = `--fpga-${role}`;
  let found: number[];
  const k = a.byName.get(name) ?? a.producer.get(name);
  if (k !== undefined) found = [k];
  else if (a.inputSet.has(name)) {
    if (role === 'to') fail('FPGAC005', `${flag} '${name}' is a graph input; name the last node of the fabric part (or the value it computes)`);
    found = [...(a.consumers.get(name) ?? [])];
    if (found.length === 0) fail('FPGAC005', `${flag} '${name}': no node reads this graph input`);
  } else if (a.inits.has(name) || a.sparseInits.has(name)) {
    fail('FPGAC005', `${flag} '${name}' is an initializer (a constant); name a node or a value a node computes`);
  } else {
    fail('FPGAC005', `${flag} '${name}': the model has no node or value of that name`, { hint: nameHint });
  }
  for (const n of found) {
    if (a.constOnly[n]) fail('FPGAC005', `${flag}: this node computes a constant (it reads no graph input), so the fabric part cannot ${role === 'from' ? 'start' : 'end'} at it; constants go with the nodes reading them`, where(a, n));
  }
  return found;
}

/** Nodes reachable from `start` (inclusive) along values, downwards (readers) or upwards (producers). */
function reach(a: Analysis, start: Iterable<number>, dir: 'up' | 'down'): Map<number, number> {
  const origin = new Map<number, number>();
  const queue: number[] = [];
  for (const s of start) if (!origin.has(s)) { origin.set(s, s); queue.push(s); }
  for (let q = 0; q < queue.length; q++) {
    const k = queue[q];
    const next = dir === 'down'
      ? (a.nodes[k].output ?? []).flatMap((o) => (o ? a.consumers.get(o) ?? [] : []))
      : a.reads[k].flatMap((v) => { const p = a.producer.get(v); return p === undefined ? [] : [p]; });
    for (const n of next) if (!origin.has(n)) { origin.set(n, origin.get(k)!); queue.push(n); }
  }
  return origin;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the model

function subgraphs(n: PNode): PGraph[] {
  return (n.attribute ?? []).flatMap((at) => [...(at.g ? [at.g] : []), ...(at.graphs ?? [])]);
}

/** Names a subgraph reads from the scopes around it. */
function freeVars(g: PGraph): Set<string> {
  const defined = new Set<string>(['']);
  for (const v of g.input ?? []) defined.add(v.name ?? '');
  for (const t of g.initializer ?? []) defined.add(t.name ?? '');
  for (const s of g.sparseInitializer ?? []) defined.add(s.values?.name ?? '');
  for (const n of g.node ?? []) for (const o of n.output ?? []) defined.add(o);
  const free = new Set<string>();
  const use = (v: string) => { if (!defined.has(v)) free.add(v); };
  for (const n of g.node ?? []) {
    for (const i of n.input ?? []) use(i);
    for (const s of subgraphs(n)) for (const v of freeVars(s)) use(v);
  }
  for (const o of g.output ?? []) use(o.name ?? '');
  return free;
}

function hasExternal(g: PGraph | null | undefined): boolean {
  if (!g) return false;
  const ext = (t: PTensor | null | undefined) => t?.dataLocation === 1;
  if ((g.initializer ?? []).some(ext)) return true;
  if ((g.sparseInitializer ?? []).some((s) => ext(s.values) || ext(s.indices))) return true;
  return (g.node ?? []).some(nodeHasExternal);
}

function nodeHasExternal(n: PNode): boolean {
  return (n.attribute ?? []).some((at) => at.t?.dataLocation === 1 || (at.tensors ?? []).some((t) => t.dataLocation === 1)
    || hasExternal(at.g) || (at.graphs ?? []).some(hasExternal));
}

function analyze(bytes: Uint8Array, opts: SplitOptions): Analysis {
  const label = opts.label ?? 'model';
  let model: PModel;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    fail('FPGAC001', `'${label}' is not a valid ONNX protobuf file (${(e as Error).message})`);
  }
  if (!model.graph) fail('FPGAC001', `'${label}' has no graph`);
  const graph = model.graph;
  if (!opts.baseDir && hasExternal(graph)) {
    fail('FPGAC001', `'${label}' keeps tensors in external data files; splitting it needs the model's folder (baseDir) to inline them`);
  }
  // The loader checks the structure and limits and gives the graph shape inference runs on.
  const loaded = decodeModel(bytes, opts.baseDir ?? process.cwd(), label, { limits: opts.limits });
  const nodes = graph.node ?? [];
  // Node names exactly as the loader derives them (src/onnx/load.ts decodeGraph): unnamed nodes are `${op}_${index}`,
  // a repeated name gets `_${index}` appended until unique.
  const used = new Set<string>();
  const names = nodes.map((n, idx) => {
    let name = n.name || `${n.opType ?? ''}_${idx}`;
    while (used.has(name)) name = `${name}_${idx}`;
    used.add(name);
    return name;
  });
  assert(loaded.graph.nodes.length === names.length && loaded.graph.nodes.every((n, i) => n.name === names[i]), 'split: node names differ from the loader\'s');
  const byName = new Map(names.map((n, i) => [n, i]));
  const inits = new Map<string, PTensor>();
  for (const t of graph.initializer ?? []) inits.set(t.name ?? '', t);
  const sparseInits = new Map<string, PSparse>();
  for (const s of graph.sparseInitializer ?? []) sparseInits.set(s.values?.name ?? '', s);
  const inputs = (graph.input ?? []).map((v) => v.name ?? '').filter((n) => n && !inits.has(n) && !sparseInits.has(n));
  const inputSet = new Set(inputs);
  const producer = new Map<string, number>();
  nodes.forEach((n, k) => { for (const o of n.output ?? []) if (o) producer.set(o, k); });
  const reads = nodes.map((n) => {
    const r = new Set((n.input ?? []).filter((i) => i));
    for (const s of subgraphs(n)) for (const v of freeVars(s)) r.add(v);
    return [...r];
  });
  const consumers = new Map<string, number[]>();
  reads.forEach((r, k) => { for (const v of r) { const l = consumers.get(v); if (l) l.push(k); else consumers.set(v, [k]); } });
  const isConst = (v: string) => inits.has(v) || sparseInits.has(v);
  for (const [k, r] of reads.entries()) {
    for (const v of r) {
      if (!producer.has(v) && !inputSet.has(v) && !isConst(v)) fail('FPGAC004', `input '${v}' is not produced by any node, graph input or initializer`, { node: names[k], op: nodes[k].opType ?? '' });
    }
  }
  // Depth-first topological order: each node after its producers, otherwise in file order.
  const state = new Uint8Array(nodes.length);
  const order: number[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    state[root] = 1;
    const stack: [number, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [k, j] = top;
      if (j < reads[k].length) {
        top[1]++;
        const p = producer.get(reads[k][j]);
        if (p === undefined) continue;
        if (state[p] === 1) fail('FPGAC004', `the node is on a cycle: its input '${reads[k][j]}' depends on its own output`, { node: names[p], op: nodes[p].opType ?? '' });
        if (state[p] === 0) { state[p] = 1; stack.push([p, 0]); }
      } else {
        stack.pop();
        state[k] = 2;
        order.push(k);
      }
    }
  }
  const rank = new Int32Array(nodes.length);
  order.forEach((k, i) => { rank[k] = i; });
  const constOnly = new Uint8Array(nodes.length);
  for (const k of order) {
    constOnly[k] = reads[k].every((v) => isConst(v) || (producer.has(v) && constOnly[producer.get(v)!] === 1)) ? 1 : 0;
  }
  return { label, baseDir: opts.baseDir ?? process.cwd(), limits: opts.limits, model, graph, loaded, nodes, names, byName, reads, producer, consumers, inputs, inputSet, inits, sparseInits, order, rank, constOnly };
}

// ---------------------------------------------------------------------------------------------------------------
// Partition

type Source = 'input' | 'const' | PartName | 'dead';

interface PartBuild {
  readonly name: PartName;
  readonly nodes: number[];
  readonly inputs: string[];
  readonly outputs: string[];
}

/** Per-sample shape and type of a value; `batchAxis` when its first axis is the graph inputs' batch. */
interface Known {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly batchAxis: boolean;
}

function partition(a: Analysis, region: ReadonlySet<number>, exits: readonly number[]): SplitResult {
  checkConvex(a, region);
  const part = new Int8Array(a.nodes.length).fill(-1);
  for (const k of region) part[k] = PART_INDEX.fabric;
  for (const k of reach(a, region, 'up').keys()) if (part[k] < 0 && !a.constOnly[k]) part[k] = PART_INDEX.head;
  const outputNames = (a.graph.output ?? []).map((o) => o.name ?? '');
  const outProducers = outputNames.flatMap((o) => { const p = a.producer.get(o); return p === undefined ? [] : [p]; });
  for (const k of reach(a, outProducers, 'up').keys()) if (part[k] < 0 && !a.constOnly[k]) part[k] = PART_INDEX.tail;

  const source = (v: string): Source => {
    if (a.inputSet.has(v)) return 'input';
    if (a.inits.has(v) || a.sparseInits.has(v)) return 'const';
    const p = a.producer.get(v)!;
    if (a.constOnly[p]) return 'const';
    return part[p] < 0 ? 'dead' : PARTS[part[p]];
  };
  const parts = PARTS.map((name): PartBuild => ({ name, nodes: [], inputs: [], outputs: [] }));
  const inSets = PARTS.map(() => new Set<string>());
  const outSets = PARTS.map(() => new Set<string>());
  const addInput = (p: number, v: string) => { if (!inSets[p].has(v)) { inSets[p].add(v); parts[p].inputs.push(v); } };
  const addOutput = (p: number, v: string) => { if (!outSets[p].has(v)) { outSets[p].add(v); parts[p].outputs.push(v); } };
  const cuts: { name: string; from: Cut['from']; to: Cut['to'] }[] = [];
  const cutKeys = new Set<string>();
  const addCut = (name: string, from: Cut['from'], to: Cut['to']) => {
    const key = `${name}\0${from}\0${to}`;
    if (!cutKeys.has(key)) { cutKeys.add(key); cuts.push({ name, from, to }); }
  };
  let dropped = 0;
  for (const k of a.order) {
    if (a.constOnly[k]) continue;
    if (part[k] < 0) { dropped++; continue; }
    const p = part[k];
    parts[p].nodes.push(k);
    for (const v of a.reads[k]) {
      const s = source(v);
      if (s === 'const') continue;
      assert(s !== 'dead', `split: live node reads dead value '${v}'`);
      if (s === 'input') {
        addInput(p, v);
        if (p !== PART_INDEX.head) addCut(v, 'input', PARTS[p] as 'fabric' | 'tail');
        continue;
      }
      const sp = PART_INDEX[s];
      if (sp === p) continue;
      assert(sp < p, `split: ${PARTS[p]} node '${a.names[k]}' reads '${v}' from the ${s}`);
      addOutput(sp, v);
      addInput(p, v);
      addCut(v, s as 'head' | 'fabric', PARTS[p] as 'fabric' | 'tail');
    }
  }
  for (const v of outputNames) {
    const s = source(v);
    if (s === 'head' || s === 'fabric') {
      addOutput(PART_INDEX[s], v);
      addCut(v, s, 'output');
    } else {
      // Computed by the tail, or a graph input or constant passed straight through: the tail holds it.
      addOutput(PART_INDEX.tail, v);
      if (s === 'input') addInput(PART_INDEX.tail, v);
    }
  }
  const [head, fabric, tail] = parts;
  if (fabric.outputs.length === 0) {
    const last = exits.find((k) => region.has(k)) ?? [...region][0];
    fail('FPGAC005', 'nothing reads what the fabric part computes: this node leads to no graph output', where(a, last));
  }
  // Graph inputs first in the graph's order, then cut values in the order they are first read or produced.
  const byGraphOrder = (list: string[], graphOrder: readonly string[]) => {
    const set = new Set(list);
    const first = graphOrder.filter((v) => set.has(v));
    const firstSet = new Set(first);
    list.splice(0, list.length, ...first, ...list.filter((v) => !firstSet.has(v)));
  };
  for (const p of parts) {
    byGraphOrder(p.inputs, a.inputs);
    byGraphOrder(p.outputs, outputNames);
  }
  const toRank = { fabric: 0, tail: 1, output: 2 };
  const fromRank = { input: 0, head: 1, fabric: 2 };
  const sortedCuts = cuts.map((c, i) => ({ c, i }))
    .sort((x, y) => toRank[x.c.to] - toRank[y.c.to] || fromRank[x.c.from] - fromRank[y.c.from] || x.i - y.i)
    .map((x) => x.c);

  const known = knownValues(a, part, sortedCuts.filter((c) => c.from !== 'input').map((c) => c.name));
  const inputInfo = new Map(a.loaded.graph.inputs.map((i) => [i.name, i]));
  const cutList: Cut[] = sortedCuts.map((c) => {
    const i = c.from === 'input' ? inputInfo.get(c.name) : undefined;
    const info = i ? { dtype: i.dtype, shape: i.shape } : known.get(c.name);
    assert(info, `split: no shape for '${c.name}'`);
    const size = ELEMENT_BYTES[info.dtype];
    if (size === undefined) fail('FPGAC007', `value '${c.name}' would cross from the ${c.from} to the ${c.to} as ${info.dtype}, which has no fixed size per element`);
    return { ...c, shape: [...info.shape], dtype: info.dtype, bytesPerSample: numel(info.shape) * size };
  });

  const writer = new PartWriter(a, known);
  const emit = (p: PartBuild) => writer.write(p, source);
  const notes: string[] = [];
  const headOut = head.nodes.length ? emit(head) : undefined;
  if (!headOut) notes.push(`head: none, the fabric part reads graph input${fabric.inputs.length > 1 ? 's' : ''} ${fabric.inputs.map((v) => `'${v}'`).join(', ')} directly`);
  const fabricOut = emit(fabric);
  const tailOut = tail.outputs.length ? emit(tail) : undefined;
  if (!tailOut) notes.push('tail: none, the graph outputs are computed before it');
  if (dropped) notes.push(`${dropped} node${dropped > 1 ? 's' : ''} leading to no graph output dropped`);
  return {
    head: headOut?.bytes,
    fabric: fabricOut.bytes,
    tail: tailOut?.bytes,
    cuts: cutList,
    fabricNodes: fabricOut.nodes,
    headNodes: headOut?.nodes ?? [],
    tailNodes: tailOut?.nodes ?? [],
    notes,
  };
}

/** Refuses a fabric set with a node outside it that depends on the set and feeds it. */
function checkConvex(a: Analysis, region: ReadonlySet<number>): void {
  // Origins are the nearest fabric node: a BFS that restarts its origin at every fabric node it passes.
  const nearest = (dir: 'up' | 'down') => {
    const origin = new Map<number, number>();
    const queue = [...region];
    for (const k of queue) origin.set(k, k);
    for (let q = 0; q < queue.length; q++) {
      const k = queue[q];
      const next = dir === 'down'
        ? (a.nodes[k].output ?? []).flatMap((o) => (o ? a.consumers.get(o) ?? [] : []))
        : a.reads[k].flatMap((v) => { const p = a.producer.get(v); return p === undefined ? [] : [p]; });
      for (const n of next) if (!origin.has(n)) { origin.set(n, region.has(n) ? n : origin.get(k)!); queue.push(n); }
    }
    return origin;
  };
  const below = nearest('down');
  const above = nearest('up');
  for (const k of a.order) {
    if (region.has(k) || !below.has(k) || !above.has(k)) continue;
    fail('FPGAC005', `the fabric part is not convex: this node reads values computed by fabric node '${a.names[below.get(k)!]}' and fabric node '${a.names[above.get(k)!]}' depends on it, so the CPU would run in the middle of the fabric part (put it on the fabric too)`, where(a, k));
  }
}

/**
 * Shapes and types of the values crossing between parts: the compiler's shape inference (loader + inferAndFold) on
 * the head and fabric nodes (every cut is produced there, so tail ops need not be ones fpgac supports). A second run
 * with batch 2 on the symbolic-batch graph inputs finds which values carry the batch on their first axis. When the
 * head cannot be inferred (an op fpgac does not support), the model's own value_info may declare the head's cuts;
 * the fabric is then inferred from those, as compiling fabric.onnx will.
 */
function knownValues(a: Analysis, part: Int8Array, names: readonly string[]): Map<string, Known> {
  const needed = unique(names);
  if (needed.length === 0) return new Map();
  const nodesOf = (...ps: number[]) => a.order.filter((k) => ps.includes(part[k]));
  try {
    return inferStage(a, nodesOf(PART_INDEX.head, PART_INDEX.fabric), new Map(), needed);
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    const declared = declaredValues(a);
    const fromHead = needed.filter((v) => part[a.producer.get(v)!] === PART_INDEX.head);
    if (!fromHead.every((v) => declared.has(v))) throw e;
    const head = new Map(fromHead.map((v) => [v, declared.get(v)!]));
    const fabric = inferStage(a, nodesOf(PART_INDEX.fabric), head, needed.filter((v) => !head.has(v)));
    return new Map([...head, ...fabric]);
  }
}

/** Shape inference on some nodes (and the constant nodes they read), `given` values standing as extra inputs. */
function inferStage(a: Analysis, nodes: readonly number[], given: ReadonlyMap<string, Known>, names: readonly string[]): Map<string, Known> {
  const keep = new Set<string>();
  const stack = [...nodes];
  for (const k of nodes) keep.add(a.names[k]);
  while (stack.length) {
    for (const v of a.reads[stack.pop()!]) {
      const p = a.producer.get(v);
      if (p !== undefined && a.constOnly[p] && !keep.has(a.names[p])) { keep.add(a.names[p]); stack.push(p); }
    }
  }
  const g = a.loaded.graph;
  const batched = new Set((a.graph.input ?? []).filter((vi) => a.inputSet.has(vi.name ?? '') && symbolicBatch(vi)).map((vi) => vi.name ?? ''));
  for (const [v, k] of given) if (k.batchAxis) batched.add(v);
  const inputs: ValueInfo[] = [...g.inputs, ...[...given].map(([name, k]) => ({ name, dtype: k.dtype, shape: k.shape }))];
  const sub: Graph = { ...g, inputs, nodes: g.nodes.filter((n) => keep.has(n.name)), outputs: names.map((name) => ({ name, dtype: 'float32', shape: [] })) };
  const infer = (graph: Graph) => {
    const r = inferAndFold(graph, { limits: a.limits }).graph;
    return (v: string) => r.values.get(v) ?? r.constants.get(v);
  };
  const first = infer(sub);
  let second: ReturnType<typeof infer> | undefined;
  if (batched.size) {
    try {
      second = infer({ ...sub, inputs: inputs.map((i) => (batched.has(i.name) ? { ...i, shape: [2, ...i.shape.slice(1)] } : i)) });
    } catch (e) {
      // A model that hard-codes batch 1 somewhere (Reshape to [1, -1]) only runs one sample at a time.
      if (!(e instanceof DiagnosticError)) throw e;
    }
  }
  const known = new Map<string, Known>();
  for (const v of names) {
    const one = first(v);
    assert(one, `split: inference gave no shape for '${v}'`);
    const two = second?.(v)?.shape;
    const batchAxis = !!two && two.length === one.shape.length && one.shape[0] === 1 && two[0] === 2 && one.shape.every((d, i) => i === 0 || d === two[i]);
    known.set(v, { dtype: one.dtype, shape: [...one.shape], batchAxis });
  }
  return known;
}

/** The loader's batch rule: a graph input's symbolic, unknown or oversized first dimension is the batch axis. */
function symbolicBatch(vi: PValueInfo): boolean {
  const dims = vi.type?.tensorType?.shape?.dim ?? [];
  if (dims.length === 0) return false;
  const d = dims[0];
  if (d.dimParam) return true;
  const n = d.dimValue === undefined || d.dimValue === null ? 0 : toNum(d.dimValue);
  return !(n > 0) || n > MAX_CONCRETE_BATCH;
}

/** Values the model declares (value_info and graph outputs) with every dimension but the first concrete. */
function declaredValues(a: Analysis): Map<string, Known> {
  const out = new Map<string, Known>();
  for (const vi of [...(a.graph.valueInfo ?? []), ...(a.graph.output ?? [])]) {
    const tt = vi.type?.tensorType;
    if (!vi.name || !tt?.shape || !tt.elemType) continue;
    const dims = tt.shape.dim ?? [];
    const shape: number[] = [];
    let ok = true;
    let batchAxis = false;
    dims.forEach((d, i) => {
      const n = d.dimValue === undefined || d.dimValue === null ? 0 : toNum(d.dimValue);
      if (i === 0 && (d.dimParam || !(n > 0))) { shape.push(1); batchAxis = true; } else if (n > 0) shape.push(n); else ok = false;
    });
    if (ok) out.set(vi.name, { dtype: dtypeFromOnnx(tt.elemType), shape, batchAxis });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing the parts

class PartWriter {
  private readonly inlined = new Map<PTensor, PTensor>();
  private readonly outputDecl: ReadonlyMap<string, PValueInfo>;
  private readonly inputDecl: ReadonlyMap<string, PValueInfo>;

  constructor(private readonly a: Analysis, private readonly known: ReadonlyMap<string, Known>) {
    this.outputDecl = new Map((a.graph.output ?? []).map((v) => [v.name ?? '', v]));
    this.inputDecl = new Map((a.graph.input ?? []).map((v) => [v.name ?? '', v]));
  }

  write(p: PartBuild, source: (v: string) => Source): { bytes: Uint8Array; nodes: string[] } {
    const { a } = this;
    // The part's nodes, then the constant nodes and initializers they (and constant outputs) read.
    const nodes = new Set(p.nodes);
    const consts = new Set<string>();
    const stack = [...p.nodes];
    const need = (v: string) => {
      if (a.inits.has(v) || a.sparseInits.has(v)) { consts.add(v); return; }
      const k = a.producer.get(v);
      if (k !== undefined && a.constOnly[k] && !nodes.has(k)) { nodes.add(k); stack.push(k); }
    };
    for (const v of p.outputs) if (source(v) === 'const') need(v);
    while (stack.length) for (const v of a.reads[stack.pop()!]) need(v);
    const ordered = [...nodes].sort((x, y) => a.rank[x] - a.rank[y]);
    const produced = new Set(ordered.flatMap((k) => a.nodes[k].output ?? []));
    const io = new Set([...p.inputs, ...p.outputs]);
    const g = a.graph;
    const initializer = (g.initializer ?? []).filter((t) => consts.has(t.name ?? '')).map((t) => this.tensor(t));
    const sparseInitializer = (g.sparseInitializer ?? []).filter((s) => consts.has(s.values?.name ?? '')).map((s) => this.sparse(s));
    const input = p.inputs.map((v) => this.valueInfo(v));
    // IR < 4 lists initializers among the graph inputs too: keep that for the ones this part holds.
    for (const vi of g.input ?? []) if (consts.has(vi.name ?? '')) input.push(vi);
    const mentioned = new Set([...produced, ...io, ...consts, ...ordered.flatMap((k) => a.reads[k])]);
    const graph: PGraph = {
      name: `${g.name || 'graph'}_${p.name}`,
      docString: g.docString,
      node: ordered.map((k) => this.node(a.nodes[k])),
      initializer,
      sparseInitializer,
      input,
      output: p.outputs.map((v) => this.valueInfo(v)),
      valueInfo: (g.valueInfo ?? []).filter((vi) => produced.has(vi.name ?? '') && !io.has(vi.name ?? '')),
      quantizationAnnotation: (g.quantizationAnnotation ?? []).filter((q) => mentioned.has(q.tensorName ?? '')),
    };
    const m = a.model;
    const model: PModel = {
      irVersion: m.irVersion, opsetImport: m.opsetImport, producerName: m.producerName, producerVersion: m.producerVersion,
      domain: m.domain, modelVersion: m.modelVersion, docString: m.docString, metadataProps: m.metadataProps,
      functions: m.functions, graph,
    };
    return { bytes: onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish(), nodes: ordered.map((k) => a.names[k]) };
  }

  /**
   * A part input or output: a graph input keeps its declaration; anything the head or fabric computes gets the shape
   * the compiler infers (batch axis 'N'); a tail output keeps the graph output's declaration.
   */
  private valueInfo(v: string): PValueInfo {
    const input = this.inputDecl.get(v);
    if (input && this.a.inputSet.has(v)) return input;
    const k = this.known.get(v);
    if (k) {
      const elemType = ONNX_TYPE[k.dtype];
      assert(elemType !== undefined, `split: no ONNX type for ${k.dtype}`);
      return { name: v, type: { tensorType: { elemType, shape: { dim: k.shape.map((d, i) => (i === 0 && k.batchAxis ? { dimParam: BATCH } : { dimValue: d })) } } } };
    }
    const out = this.outputDecl.get(v);
    if (out) return out;
    return fail('FPGAC004', `value '${v}' crosses between parts but its type and shape are unknown`);
  }

  private node(n: PNode): PNode {
    if (!nodeHasExternal(n)) return n;
    return onnx.NodeProto.create({
      ...n,
      attribute: (n.attribute ?? []).map((at) => onnx.AttributeProto.create({
        ...at,
        ...(at.t ? { t: this.tensor(at.t) } : {}),
        ...(at.tensors?.length ? { tensors: at.tensors.map((t) => this.tensor(t)) } : {}),
        ...(at.g ? { g: this.subgraph(at.g) } : {}),
        ...(at.graphs?.length ? { graphs: at.graphs.map((s) => this.subgraph(s)) } : {}),
      })),
    });
  }

  private subgraph(g: PGraph): PGraph {
    if (!hasExternal(g)) return g;
    return onnx.GraphProto.create({
      ...g,
      initializer: (g.initializer ?? []).map((t) => this.tensor(t)),
      sparseInitializer: (g.sparseInitializer ?? []).map((s) => this.sparse(s)),
      node: (g.node ?? []).map((n) => this.node(n)),
    });
  }

  private sparse(s: PSparse): PSparse {
    if (s.values?.dataLocation !== 1 && s.indices?.dataLocation !== 1) return s;
    return onnx.SparseTensorProto.create({ ...s, values: s.values && this.tensor(s.values), indices: s.indices && this.tensor(s.indices) });
  }

  /** External data inlined as raw_data: the parts are standalone files. */
  private tensor(t: PTensor): PTensor {
    if (t.dataLocation !== 1) return t;
    const done = this.inlined.get(t);
    if (done) return done;
    const { externalData: _ext, dataLocation: _loc, ...rest } = t;
    const copy = onnx.TensorProto.create({ ...rest, rawData: readExternalBytes(t, this.baseDir) });
    this.inlined.set(t, copy);
    return copy;
  }

  private get baseDir(): string {
    return this.a.baseDir;
  }
}

/** The external data of `t` (the range its shape needs; the location confined to the model's folder). */
function readExternalBytes(t: PTensor, baseDir: string): Uint8Array {
  const name = t.name ?? '';
  const n = (t.dims ?? []).map(toNum).reduce((x, y) => x * y, 1);
  return readExternal(t as TensorProtoLike, baseDir, name, n * elementBytes(dtypeFromOnnx(t.dataType ?? 0), name));
}
