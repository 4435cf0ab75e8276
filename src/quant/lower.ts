/**
 * @fileoverview Canonical float Graph → fixed-point Design. Assigns every tensor a format (the options, or the
 * calibrated per-value formats of QuantOptions.valueFormats; quantized-model formats plug in here), quantizes
 * constants, and asks each node's op to lower itself into layers through a LowerContext. Identical constants (same values, shape and format) are stored once,
 * which is what keeps weight-tied blocks (neural-ODE steps) at one copy of their weights. Region bodies lower
 * through the same machinery into the region's own layer list.
 */
import { createHash } from 'node:crypto';
import { fixed, fromDouble, type FixedFormat } from '../../sim/fixed.js';
import { ELT_RANK } from '../ir/design.js';
import { broadcastStrides, padShape } from '../ops/broadcast.js';
import type { ConstData, Design, DTensor, Layer } from '../ir/design.js';
import type { Graph, Node, Tensor } from '../ir/graph.js';
import { isFloatType } from '../ir/graph.js';
import { intInputFormat, isIntInputType } from '../data.js';
import { DiagnosticBag, DiagnosticError } from '../diagnostics.js';
import { isOp, lookupOp } from '../ops/registry.js';
import { cIdent } from '../emit/cpp.js';
import type { LowerContext, QuantOptions } from './context.js';

export interface LowerOptions {
  readonly quant: QuantOptions;
  readonly topName: string;
  readonly model: Design['model'];
  readonly precision: string;
}

/**
 * The identifiers of the emitted C++: generated, never copied. `take` turns a model name into a cIdent (letters,
 * digits, single inner '_': never a reserved `_X` or `__` identifier), which the emitter only ever uses behind a
 * generated prefix or before a generated suffix: tensors `t_`/`in_`/`s_`/`tmp_` (callers' prefixes), constants `c_`
 * (rawConst), layers `cfg_<n>` and `<n>_step`, `<n>_steps`, `<n>_pp`, `<n>_run` (a dataflow process),
 * `<n>_wtile0/1` (tile buffers of weights from DDR); so a model name such as `int`, `main`, `y0`
 * (math.h), `NULL` or `assert` can never become a keyword, a library symbol or a macro.
 *
 * A name also reserves what the emitter derives from it (those forms and the `<n>_t` typedef), and the sparse
 * encodings' `<constant>_sp<k>_<x>` (src/plan/sparse.ts) are kept free, so no two emitted identifiers coincide.
 * Names are unique ignoring case: weights headers are files named after constants, and a case-insensitive file
 * system would merge `c_W.h` with `c_w.h` (their include guards, upper-cased, would too).
 */
class Names {
  private used = new Set<string>();
  take(base: string, maxLen = 48): string {
    const b = cIdent(base).slice(0, maxLen).replace(/_+$/, '');
    let n = b;
    for (let i = 1; !this.free(n); i++) n = `${b}_${i}`;
    for (const d of derivedNames(n)) this.used.add(d);
    return n;
  }
  private free(n: string): boolean {
    // A name ending like a sparse encoding (`_sp4_v`, or its typedef `_sp4_v_t`) is left to the encodings; the
    // numbered retries end in `_<digits>`, so the search always stops.
    return !/_sp\d+_[a-z](_t)?$/i.test(n) && derivedNames(n).every((d) => !this.used.has(d));
  }
}

/** A name and the identifiers the emitter derives from it, lower-cased (see Names). */
function derivedNames(n: string): string[] {
  return [n, `${n}_t`, `cfg_${n}`, `${n}_step`, `${n}_steps`, `${n}_pp`, `${n}_run`, `${n}_wtile0`, `${n}_wtile1`].map((d) => d.toLowerCase());
}

/** State shared by the whole design: names, constants, every tensor. */
class Lowerer {
  readonly names = new Names();
  readonly consts = new Map<string, ConstData>(); // by content key
  readonly all = new Map<string, DTensor>(); // by design name
  readonly bag = new DiagnosticBag();

  constructor(readonly opts: LowerOptions) {
    ['fpgac', 'ap_fixed', 'ap_int', 'step', opts.topName].forEach((r) => this.names.take(r));
  }

  rawConst(hint: string, shape: readonly number[], raws: readonly number[], format: FixedFormat): ConstData {
    // Hashing the raws' bytes instead of their JSON: constants of millions of values are keyed in one pass.
    const key = createHash('sha256').update(JSON.stringify([shape, format])).update(new Uint8Array(Float64Array.from(raws).buffer)).digest('hex');
    const hit = this.consts.get(key);
    if (hit) return hit;
    // Constants are declared at global scope: the `c_` prefix keeps them clear of keywords and library names.
    const c: ConstData = { name: this.names.take(`c_${hint}`), shape: [...shape], format, raw: [...raws] };
    this.consts.set(key, c);
    return c;
  }

  declare(scope: Map<string, DTensor>, onnxName: string, shape: readonly number[], format: FixedFormat, prefix: string): DTensor {
    const t: DTensor = { name: this.names.take(`${prefix}${onnxName}`), onnxName, shape: [...shape], format };
    scope.set(onnxName, t);
    this.all.set(t.name, t);
    return t;
  }

  /**
   * Lowers the nodes of `g` into `layers`. `scope` maps ONNX value names to design tensors (inputs already bound);
   * `forced` fixes the format of particular outputs (a region's state). A node that fails still declares its
   * outputs (placeholders in the default format, shapes from inference), so every later node is lowered and its own
   * problems reported: the user sees every problem node of the graph, and the design is discarded anyway. Only an
   * output without a known shape poisons its readers, which are then skipped silently.
   */
  lowerNodes(g: Graph, scope: Map<string, DTensor>, layers: Layer[], forced: ReadonlyMap<string, FixedFormat> = new Map(), prefix = ''): void {
    const calibrated = this.opts.quant.valueFormats;
    const poisoned = new Set<string>();
    let current: Node | undefined;
    const ctx: LowerContext = {
      opts: this.opts.quant,
      input: (name) => {
        const t = scope.get(name);
        if (!t) throw new DiagnosticError([{ code: 'FPGAC003', node: current?.name, op: current?.op, message: `input '${name}' is not a tensor the design computes (a constant where a tensor is expected?)` }]);
        return t;
      },
      constant: (name) => g.constants.get(name),
      shape: (name) => {
        const s = g.values.get(name)?.shape ?? g.constants.get(name)?.shape;
        if (!s) throw new Error(`internal error: no shape for '${name}'`);
        return s;
      },
      temp: (hint, shape, format) => this.declare(new Map(), hint, shape, format, 'tmp_'),
      output: (name, format) => this.declare(scope, name, ctx.shape(name), forced.get(name) ?? format ?? calibrated?.get(prefix + name) ?? this.opts.quant.activation, 't_'),
      constData: (hint, shape, values, format) => this.rawConst(hint, shape, Array.from(values, (v) => fromDouble(v, format)), format),
      rawData: (hint, shape, raws, format) => this.rawConst(hint, shape, raws, format),
      layerName: (node) => this.names.take(node.name || node.op, 40),
      add: (layer) => layers.push(layer),
      fail: (node, message) => {
        throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
      },
      lowerRegion: (body, stateIn, stateFormat) => {
        const inner = new Map<string, DTensor>();
        const sIn = this.declare(inner, body.inputs[0].name, body.inputs[0].shape, stateFormat, 's_');
        const bodyLayers: Layer[] = [];
        const outName = body.outputs[0].name;
        this.lowerNodes(body, inner, bodyLayers, new Map([[outName, stateFormat]]), `${prefix}${current?.name ?? ''}/`);
        const sOut = inner.get(outName);
        if (!sOut || sOut === sIn) throw new DiagnosticError([{ code: 'FPGAC009', node: current?.name, op: current?.op, message: 'the loop body must compute its state' }]);
        void stateIn;
        return { stateIn: sIn, stateOut: sOut, layers: bodyLayers };
      },
    };
    for (const node of g.nodes) {
      current = node;
      if (node.inputs.some((i) => poisoned.has(i))) {
        node.outputs.forEach((o) => poisoned.add(o));
        continue;
      }
      const problem = this.lowerNode(node, g, ctx);
      if (!problem) continue;
      for (const o of node.outputs) {
        if (!o || scope.has(o)) continue;
        const shape = g.values.get(o)?.shape ?? g.constants.get(o)?.shape;
        if (shape) this.declare(scope, o, shape, forced.get(o) ?? calibrated?.get(prefix + o) ?? this.opts.quant.activation, 't_');
        else poisoned.add(o);
      }
    }
  }

  /** Lowers one node; returns true when it reported a problem. */
  private lowerNode(node: Node, g: Graph, ctx: LowerContext): boolean {
    const def = lookupOp(node.op, node.domain);
    if (!def) throw new Error(`internal error: unregistered op ${node.op} after import`);
    if (!def.lower) {
      const nonConst = node.inputs.filter((i) => i && !g.constants.has(i));
      const loopWhy = isOp(node, 'Loop') ? node.params.unsupported : undefined;
      const why = node.op === 'Loop' ? `this Loop cannot become one engine: ${loopWhy ?? 'unsupported form'}` : `supported only when constant folding removes it, but input '${nonConst[0]}' is computed at run time`;
      this.bag.add({ code: node.op === 'Loop' ? 'FPGAC009' : 'FPGAC002', node: node.name, op: node.op, message: why });
      return true;
    }
    const missing = (def.constantInputs ?? []).filter((k) => node.inputs[k] && !g.constants.has(node.inputs[k]));
    if (missing.length) {
      this.bag.add({ code: 'FPGAC003', node: node.name, op: node.op, message: `input '${node.inputs[missing[0]]}' must be a constant (weights are stored on chip)` });
      return true;
    }
    try {
      def.lower(node, node.params, ctx);
      return false;
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      e.diagnostics.forEach((d) => this.bag.add({ ...d, node: d.node ?? node.name, op: d.op ?? node.op }));
      return true;
    }
  }
}

export function lowerGraph(g: Graph, opts: LowerOptions): Design {
  const L = new Lowerer(opts);
  const scope = new Map<string, DTensor>();
  g.inputs.forEach((i) => {
    // An integer image (uint8 pixels, int16 samples) is read exactly: its own ap_int/ap_uint format.
    if (isIntInputType(i.dtype)) {
      const t = L.declare(scope, i.name, i.shape, intInputFormat(i.dtype), 'in_');
      L.all.set(t.name, { ...t, dtype: i.dtype });
      scope.set(i.name, L.all.get(t.name)!);
      return;
    }
    if (!isFloatType(i.dtype)) L.bag.add({ code: 'FPGAC007', message: `graph input '${i.name}' has type ${i.dtype}; only float inputs and int8, uint8, int16, uint16 are supported` });
    L.declare(scope, i.name, i.shape, opts.quant.valueFormats?.get(i.name) ?? opts.quant.activation, 'in_');
  });
  const layers: Layer[] = [];
  L.lowerNodes(g, scope, layers);
  const outputs: string[] = [];
  for (const o of g.outputs) {
    const c = g.constants.get(o.name);
    if (c && !scope.has(o.name)) {
      // A constant output (a model that folds completely, e.g. a QDQ graph without inputs) is a ROM the design
      // writes out: its values rounded into the output format, added to zero.
      const f = opts.quant.valueFormats?.get(o.name) ?? opts.quant.activation;
      const t = L.declare(scope, o.name, c.shape, f, 't_');
      const value = L.rawConst(`${t.name}_rom`, c.shape, Array.from(c.data, (v) => fromDouble(v, f)), f);
      const zero = L.rawConst('zero', [], [0], fixed(1, 1));
      const outShape = padShape(c.shape, ELT_RANK);
      layers.push({
        kind: 'eltwise', op: 'add', name: L.names.take(`const_${o.name}`), sources: [o.name], inputs: [], output: t.name,
        a: { constant: value }, b: { constant: zero }, outShape, aStrides: broadcastStrides(c.shape, outShape, ELT_RANK),
        bStrides: new Array(ELT_RANK).fill(0), act: { kind: 'none' },
      });
    }
    const t = scope.get(o.name);
    if (!t || g.inputs.some((i) => i.name === o.name)) {
      if (L.bag.empty) L.bag.add({ code: 'FPGAC003', message: `graph output '${o.name}' is ${g.constants.has(o.name) ? 'a constant' : 'not computed by any layer'}; the design needs at least one layer per output` });
    } else outputs.push(t.name);
  }
  L.bag.throwIfAny();
  return {
    format: 'fpgac-design', version: 1, name: opts.topName, model: opts.model, precision: opts.precision,
    inputs: g.inputs.map((i) => scope.get(i.name)!.name), outputs,
    tensors: Object.fromEntries([...L.all.values()].map((t) => [t.name, t])),
    layers,
  };
}

export type { Tensor };
