/**
 * @fileoverview Canonical float Graph → fixed-point Design. Assigns every tensor a format (options today;
 * calibration and quantized-model formats plug in here), quantizes constants, and asks each node's op to lower
 * itself into layers through a LowerContext. Identical constants (same values, shape and format) are stored once,
 * which is what keeps weight-tied blocks (neural-ODE steps) at one copy of their weights.
 */
import { createHash } from 'node:crypto';
import { fromDouble, type FixedFormat } from '../../sim/fixed.js';
import type { ConstData, Design, DTensor, Layer } from '../ir/design.js';
import type { Graph, Node, Tensor } from '../ir/graph.js';
import { isFloatType } from '../ir/graph.js';
import { DiagnosticBag, DiagnosticError } from '../diagnostics.js';
import { lookupOp } from '../ops/registry.js';
import { cIdent } from '../emit/cpp.js';
import type { LowerContext, QuantOptions } from './context.js';

export interface LowerOptions {
  readonly quant: QuantOptions;
  readonly topName: string;
  readonly model: Design['model'];
  readonly precision: string;
}

class Names {
  private used = new Set<string>();
  take(base: string, maxLen = 48): string {
    const b = cIdent(base).slice(0, maxLen) || 'v';
    let n = b;
    for (let i = 1; this.used.has(n); i++) n = `${b}_${i}`;
    this.used.add(n);
    return n;
  }
}

export function lowerGraph(g: Graph, opts: LowerOptions): Design {
  const bag = new DiagnosticBag();
  const tensors = new Map<string, DTensor>(); // by ONNX name
  const names = new Names();
  ['fpgac', 'ap_fixed', 'ap_int', opts.topName].forEach((r) => names.take(r));
  const layers: Layer[] = [];
  const consts = new Map<string, ConstData>(); // by content key
  const declare = (onnxName: string, shape: readonly number[], format: FixedFormat, prefix: string): DTensor => {
    const t: DTensor = { name: names.take(`${prefix}${onnxName}`), onnxName, shape: [...shape], format };
    tensors.set(onnxName, t);
    return t;
  };
  g.inputs.forEach((i) => {
    if (!isFloatType(i.dtype)) bag.add({ code: 'FPGAC007', message: `graph input '${i.name}' has type ${i.dtype}; only float inputs are supported` });
    declare(i.name, i.shape, opts.quant.activation, 'in_');
  });
  const rawConst = (hint: string, shape: readonly number[], raws: readonly number[], format: FixedFormat): ConstData => {
    const key = createHash('sha256').update(JSON.stringify([shape, format, raws])).digest('hex');
    const hit = consts.get(key);
    if (hit) return hit;
    const c: ConstData = { name: names.take(hint), shape: [...shape], format, raw: [...raws] };
    consts.set(key, c);
    return c;
  };
  let current: Node | undefined;
  const ctx: LowerContext = {
    opts: opts.quant,
    input(name) {
      const t = tensors.get(name);
      if (!t) throw new DiagnosticError([{ code: 'FPGAC003', node: current?.name, op: current?.op, message: `input '${name}' is not a tensor the design computes (a constant where a tensor is expected?)` }]);
      return t;
    },
    constant: (name) => g.constants.get(name),
    shape(name) {
      const s = g.values.get(name)?.shape ?? g.constants.get(name)?.shape;
      if (!s) throw new Error(`internal error: no shape for '${name}'`);
      return s;
    },
    output(name, format) {
      return declare(name, ctx.shape(name), format ?? opts.quant.activation, 't_');
    },
    constData(hint, shape, values, format) {
      return rawConst(hint, shape, Array.from(values, (v) => fromDouble(v, format)), format);
    },
    rawData: rawConst,
    layerName: (node) => names.take(node.name || node.op, 40),
    add: (layer) => layers.push(layer),
    fail(node, message) {
      throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
    },
  };
  for (const node of g.nodes) {
    current = node;
    const def = lookupOp(node.op, node.domain);
    if (!def) throw new Error(`internal error: unregistered op ${node.op} after import`);
    if (!def.lower) {
      const nonConst = node.inputs.filter((i) => i && !g.constants.has(i));
      bag.add({ code: 'FPGAC002', node: node.name, op: node.op, message: `supported only when constant folding removes it, but input '${nonConst[0]}' is computed at run time` });
      continue;
    }
    const missing = (def.constantInputs ?? []).filter((k) => node.inputs[k] && !g.constants.has(node.inputs[k]));
    if (missing.length) {
      bag.add({ code: 'FPGAC003', node: node.name, op: node.op, message: `input '${node.inputs[missing[0]]}' must be a constant (weights are stored on chip)` });
      continue;
    }
    try {
      def.lower(node, node.params, ctx);
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      e.diagnostics.forEach((d) => bag.add({ ...d, node: d.node ?? node.name, op: d.op ?? node.op }));
    }
  }
  const outputs: string[] = [];
  for (const o of g.outputs) {
    const t = tensors.get(o.name);
    if (!t || g.inputs.some((i) => i.name === o.name)) {
      bag.add({ code: 'FPGAC003', message: `graph output '${o.name}' is ${g.constants.has(o.name) ? 'a constant' : 'not computed by any layer'}; the design needs at least one layer per output` });
    } else outputs.push(t.name);
  }
  bag.throwIfAny();
  return {
    format: 'fpgac-design', version: 1, name: opts.topName, model: opts.model, precision: opts.precision,
    inputs: g.inputs.map((i) => tensors.get(i.name)!.name), outputs,
    tensors: Object.fromEntries([...tensors.values()].map((t) => [t.name, t])),
    layers,
  };
}

export type { Tensor };
