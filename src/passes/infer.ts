/**
 * @fileoverview Import, shape inference and constant folding in one walk over the nodes in topological order.
 * Every node is checked against the op registry and parsed (typed params); a node whose inputs are all constant
 * is evaluated with its float reference and replaced by its outputs as constants — this is what removes the
 * Shape → Gather → Unsqueeze → Concat → Reshape chains exporters write. All problems are collected, so the user
 * sees every unsupported op at once.
 */
import type { Graph, Node, Tensor, ValueInfo } from '../ir/graph.js';
import { DiagnosticBag, DiagnosticError, type Diagnostic } from '../diagnostics.js';
import { lookupOp } from '../ops/registry.js';
import type { InputInfo } from '../ops/types.js';
import { MAX_ELEMENTS } from '../onnx/tensor.js';

export interface InferResult {
  readonly graph: Graph;
  readonly folded: number;
}

/** Orders nodes so every input is produced before use (ONNX requires it; some exporters don't comply). */
export function topoSort(g: Graph): Node[] {
  const available = new Set<string>([...g.constants.keys(), ...g.inputs.map((i) => i.name), '']);
  const pending = [...g.nodes];
  const out: Node[] = [];
  while (pending.length) {
    const idx = pending.findIndex((n) => n.inputs.every((i) => available.has(i)));
    if (idx < 0) {
      // Cycle or missing producer: keep the original order for the rest; inference reports the missing input.
      out.push(...pending);
      break;
    }
    const [n] = pending.splice(idx, 1);
    out.push(n);
    for (const o of n.outputs) available.add(o);
  }
  return out;
}

function asTensorInfo(name: string, t: Tensor): InputInfo {
  return { name, shape: t.shape, dtype: t.dtype, value: t };
}

export function inferAndFold(g: Graph, opts: { fold?: boolean } = {}): InferResult {
  const fold = opts.fold ?? true;
  const bag = new DiagnosticBag();
  const constants = new Map(g.constants);
  const values = new Map<string, ValueInfo>(g.inputs.map((i) => [i.name, i]));
  const poisoned = new Set<string>();
  const nodes: Node[] = [];
  let folded = 0;
  for (const node of topoSort(g)) {
    const def = lookupOp(node.op, node.domain);
    if (!def) {
      bag.add({ code: 'FPGAC002', node: node.name, op: node.domain ? `${node.domain}:${node.op}` : node.op, message: 'unsupported op' });
      node.outputs.forEach((o) => poisoned.add(o));
      continue;
    }
    if (node.inputs.some((i) => poisoned.has(i))) {
      node.outputs.forEach((o) => poisoned.add(o));
      continue;
    }
    const infos: (InputInfo | undefined)[] = [];
    let missing = false;
    for (const i of node.inputs) {
      if (!i) { infos.push(undefined); continue; }
      const c = constants.get(i);
      const v = values.get(i);
      if (c) infos.push(asTensorInfo(i, c));
      else if (v) infos.push({ name: i, shape: v.shape, dtype: v.dtype });
      else {
        bag.add({ code: 'FPGAC004', node: node.name, op: node.op, message: `input '${i}' is not produced by any node` });
        missing = true;
      }
    }
    if (missing) { node.outputs.forEach((o) => poisoned.add(o)); continue; }
    try {
      const params = def.parse(node, infos, g.opset, constants);
      const parsed: Node = { ...node, params };
      const allConst = node.inputs.every((i, k) => !i || infos[k]?.value);
      if (fold && (allConst || node.op === 'Shape')) {
        const ins = infos.map((info) => info && (info.value ?? { dtype: info.dtype, shape: info.shape, data: new Float64Array(0) }));
        const outs = def.evaluate(parsed, params, ins);
        node.outputs.forEach((o, k) => { if (o) constants.set(o, outs[k]); });
        folded++;
        continue;
      }
      const outInfos = def.infer(parsed, params, infos);
      for (const o of outInfos) {
        const n = o.shape.reduce((a, b) => a * b, 1);
        if (o.shape.some((d) => !Number.isSafeInteger(d) || d < 0) || !(n <= MAX_ELEMENTS)) {
          throw new DiagnosticError([{ code: 'FPGAC004', node: node.name, op: node.op, message: `output shape [${o.shape.join(', ')}] is invalid or too large` }]);
        }
      }
      node.outputs.forEach((o, k) => { if (o && outInfos[k]) values.set(o, { name: o, ...outInfos[k] }); });
      nodes.push(parsed);
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      e.diagnostics.forEach((d: Diagnostic) => bag.add({ ...d, node: d.node ?? node.name, op: d.op ?? node.op }));
      node.outputs.forEach((o) => poisoned.add(o));
    }
  }
  bag.throwIfAny();
  const outputs = g.outputs.map((o) => {
    const v = values.get(o.name) ?? (constants.has(o.name) ? { name: o.name, ...constants.get(o.name)! } : undefined);
    return v ? { name: o.name, dtype: v.dtype, shape: v.shape } : o;
  });
  // Drop constants nothing reads any more (folded intermediates, replaced weights).
  const used = new Set<string>([...nodes.flatMap((n) => n.inputs), ...outputs.map((o) => o.name)]);
  const kept = new Map([...constants].filter(([k]) => used.has(k)));
  return { graph: { ...g, nodes, constants: kept, values, outputs }, folded };
}
