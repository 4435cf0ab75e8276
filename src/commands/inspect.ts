/**
 * @fileoverview `fpgac inspect`: what is in a model and whether fpgac can build it — op histogram, inputs and
 * outputs, parameters, zero weights, weights shared by several nodes, MACs per layer, and every unsupported op.
 */
import { loadModel } from '../onnx/load.js';
import { compileModel } from '../compile.js';
import { DiagnosticError, formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { buildReport, type LayerReport } from '../report.js';
import { VERSION } from '../version.js';

export interface Inspection {
  readonly file: string;
  readonly opset: number;
  readonly irVersion: number;
  readonly producer: string;
  readonly inputs: { name: string; shape: readonly number[]; dtype: string }[];
  readonly outputs: { name: string; shape: readonly number[]; dtype: string }[];
  readonly ops: Record<string, number>;
  readonly params: number;
  readonly zeroParams: number;
  readonly zeroFraction: number;
  readonly sharedWeights: { name: string; users: number; size: number }[];
  readonly supported: boolean;
  readonly problems: string[];
  readonly layers?: readonly LayerReport[];
  readonly macs?: number;
}

export function inspectModel(file: string): Inspection {
  const m = loadModel(file);
  const g = m.graph;
  const ops: Record<string, number> = {};
  for (const n of g.nodes) {
    const k = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.op}` : n.op;
    ops[k] = (ops[k] ?? 0) + 1;
  }
  const users = new Map<string, number>();
  for (const n of g.nodes) for (const i of new Set(n.inputs)) if (g.constants.has(i)) users.set(i, (users.get(i) ?? 0) + 1);
  let params = 0;
  let zeros = 0;
  for (const [name, t] of g.constants) {
    if (!t.dtype.startsWith('float') || !users.has(name)) continue;
    params += t.data.length;
    zeros += t.data.reduce((s, v) => s + (v === 0 ? 1 : 0), 0);
  }
  const sharedWeights = [...users].filter(([, u]) => u > 1).map(([name, u]) => ({ name, users: u, size: g.constants.get(name)!.data.length }));
  let problems: Diagnostic[] = [];
  let layers: readonly LayerReport[] | undefined;
  let macs: number | undefined;
  let outputs = g.outputs;
  try {
    const c = compileModel(file);
    outputs = c.reference.outputs;
    const r = buildReport(c.design, c.log, `fpgac ${VERSION}`);
    layers = r.layers;
    macs = r.totals.macs;
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    problems = [...e.diagnostics];
  }
  const vi = (v: { name: string; shape: readonly number[]; dtype: string }) => ({ name: v.name, shape: v.shape, dtype: v.dtype });
  return {
    file, opset: g.opset, irVersion: m.irVersion, producer: m.producer,
    inputs: g.inputs.map(vi), outputs: outputs.map(vi), ops, params, zeroParams: zeros,
    zeroFraction: params ? zeros / params : 0, sharedWeights,
    supported: problems.length === 0, problems: problems.map(formatDiagnostic), layers, macs,
  };
}

export function renderInspection(r: Inspection): string {
  const out = [
    `${r.file}: opset ${r.opset}, IR ${r.irVersion}, producer ${r.producer || 'unknown'}`,
    `inputs:  ${r.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape}]`).join(', ')}  (batch axis fixed to 1)`,
    `outputs: ${r.outputs.map((i) => `${i.name} ${i.dtype}[${i.shape}]`).join(', ')}`,
    `ops:     ${Object.entries(r.ops).map(([k, v]) => `${k}x${v}`).join(' ')}`,
    `params:  ${r.params} (${r.zeroParams} zero, ${(100 * r.zeroFraction).toFixed(1)}%)`,
    `shared weights: ${r.sharedWeights.length ? r.sharedWeights.map((s) => `${s.name} (${s.size} values, ${s.users} users)`).join(', ') : 'none'}`,
  ];
  if (r.layers) {
    out.push(`MACs:    ${r.macs} per inference`, '', 'layer                                    kind          output          params  zero   MACs');
    for (const l of r.layers) {
      out.push(`${l.name.padEnd(40).slice(0, 40)} ${(l.kind + (l.activation ? '+' + l.activation : '')).padEnd(13)} ${l.outputShape.join('x').padEnd(15)} ${String(l.params).padStart(6)} ${String(l.zeroParams).padStart(5)} ${String(l.macs).padStart(7)}`);
    }
  }
  out.push('', r.supported ? 'supported: yes' : `supported: no — ${r.problems.length} problem(s):`, ...r.problems.map((p) => `  ${p}`));
  return out.join('\n');
}
