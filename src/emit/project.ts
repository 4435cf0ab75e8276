/**
 * @fileoverview Design → HLS project directory (DESIGN.md §3). Builds typed view models, renders the Handlebars
 * templates in templates/, and gathers the hw/ kernel headers the design uses and the host-side ap_types headers:
 * every file in memory (`renderProject`, no I/O); src/outdir.ts writes them. Output bytes depend only on the design
 * and options.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { formatToCpp } from '../../sim/fixed.js';
import type { ConstData, Design, ComputeKind, Operand } from '../ir/design.js';
import { computeLayers } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { hwDir, templatesDir } from '../paths.js';
import { constantLiteral, wrapList } from './cpp.js';
import type { RenderContext } from './render.js';
import { featureLayoutPragma, renderBlock, scopeDeclarations, type EmitPlan } from './block.js';
import { pipelineTopPragmas } from './pragmas.js';
import { VERSION } from '../version.js';
import { cppComment, tclQuote } from '../util/escape.js';
import { sampleDims } from '../data.js';

/** The hw/fpgac header each layer kind's kernel lives in. */
export const KERNEL_HEADERS: { readonly [K in ComputeKind]: string } = {
  conv2d: 'conv.h', dense: 'dense.h', matmul: 'dense.h', eltwise: 'eltwise.h', unary: 'eltwise.h',
  lut: 'nonlinear.h', softmax: 'nonlinear.h', pool2d: 'pool.h', transpose: 'layout.h',
};

export interface ProjectFiles {
  /** Relative path → contents, in a deterministic order. */
  readonly files: Map<string, string | Uint8Array>;
}

export interface EmitOptions {
  readonly part: string;
  readonly clockNs: number;
  /** Extra files to place in the project (tb_data/*.npy, source/model.onnx, report.*), path → bytes. */
  readonly extra?: ReadonlyMap<string, string | Uint8Array>;
  /** Default csim inputs, relative to the project (tb_data/input_0.npy ...). */
  readonly defaultInputs: readonly string[];
  /** The plan's buffer sharing and storage, rendered as shared arrays and pragmas (absent: one array per tensor). */
  readonly plan?: EmitPlan;
}

const templateCache = new Map<string, Handlebars.TemplateDelegate>();
const hb = Handlebars.create();
hb.registerHelper('add', (a: number, b: number) => a + b);

function render(name: string, view: unknown): string {
  let t = templateCache.get(name);
  if (!t) {
    t = hb.compile(readFileSync(path.join(templatesDir(), name), 'utf8'), { noEscape: true, strict: true });
    templateCache.set(name, t);
  }
  return t(view);
}

export function makeRenderContext(design: Design, plan?: EmitPlan): RenderContext {
  // A tensor that shares a buffer is read and written through the group's array.
  const alias = new Map<string, string>();
  for (const groups of plan?.groups.values() ?? []) for (const g of groups) for (const m of g.members) alias.set(m, g.name);
  return {
    design,
    typeOf: (t) => `${t}_t`,
    varOf: (t) => alias.get(t) ?? t,
    constTypeOf: (c) => `${c.name}_t`,
    constVarOf: (c) => c.name,
    operandVar: (op: Operand) => ('tensor' in op ? alias.get(op.tensor) ?? op.tensor : op.constant.name),
    parallel: (layer) => plan?.parallel.get(layer) ?? { pfIn: 1, pfOut: 1 },
  };
}

function weightHeader(c: ConstData): string {
  const zeros = c.raw.reduce((n, r) => n + (r === 0 ? 1 : 0), 0);
  return render('firmware/weight.h.hbs', {
    version: VERSION, name: c.name, shapeText: c.shape.join('x'), count: c.raw.length, zeros,
    guard: `FPGAC_W_${c.name.toUpperCase()}_H`, cpp: formatToCpp(c.format), type: `${c.name}_t`,
    values: wrapList(c.raw.map((r) => constantLiteral(r, c.format)), 12),
  });
}

/** Renders every generated text file of the project (no I/O). */
export function renderProject(design: Design, opts: EmitOptions): ProjectFiles {
  const ctx = makeRenderContext(design, opts.plan);
  const files = new Map<string, string | Uint8Array>();
  const guard = `FPGAC_${design.name.toUpperCase()}`;
  // The templates are compiled with noEscape: every text from the model is escaped here, for the language it lands
  // in. modelFile and onnxName only appear in C++ `//` comments (cppComment: printable ASCII, no backslash, so also
  // inert in a Makefile or top-level Tcl comment); identifiers (name, types, variables) are generated, never copied.
  const common = { version: VERSION, modelFile: cppComment(path.basename(design.model.file)), guard, name: design.name };
  const block = renderBlock(design.layers, ctx, opts.plan);
  const constants = new Map<string, ConstData>();
  for (const c of block.constants) constants.set(c.name, c);
  const tensors = Object.values(design.tensors).map((t) => ({
    type: ctx.typeOf(t.name), cpp: formatToCpp(t.format), onnxName: cppComment(t.onnxName), shapeText: t.shape.join('x'),
  }));
  // dims: what a data file holds per sample (src/data.ts sampleDims); shape: the whole tensor.
  const io = (names: readonly string[]) => names.map((n) => ({ type: ctx.typeOf(n), var: ctx.varOf(n), size: numel(design.tensors[n].shape), dims: sampleDims(design.tensors[n].shape), shape: design.tensors[n].shape }));
  const inputs = io(design.inputs);
  const outputs = io(design.outputs);
  const params = [
    ...inputs.map((t) => ({ decl: `const ${t.type} ${t.var}[${t.size}]` })),
    ...outputs.map((t) => ({ decl: `${t.type} ${t.var}[${t.size}]` })),
  ];
  const ioNames = new Set([...design.inputs, ...design.outputs]);
  const buffers = scopeDeclarations(design, ctx, 'top', design.layers, ioNames, opts.plan);
  const pipelineTop = opts.plan?.schedule === 'pipelined';
  // Sequential: ports read or written in parallel get the plan's partition (the pipelined top reshapes them whole).
  const topPragmas = pipelineTop ? pipelineTopPragmas([...inputs, ...outputs].map((t) => t.var))
    : [...design.inputs, ...design.outputs].flatMap((t) => featureLayoutPragma(opts.plan, t, ctx.varOf(t)));
  const kernelHeaders = [...new Set(computeLayers(design.layers).map((l) => KERNEL_HEADERS[l.kind]))].sort();

  files.set('firmware/defines.h', render('firmware/defines.h.hbs', { ...common, tensors, inputs, outputs }));
  files.set('firmware/top.h', render('firmware/top.h.hbs', { ...common, params }));
  files.set('firmware/top.cpp', render('firmware/top.cpp.hbs', {
    ...common, params, buffers, topPragmas, functions: block.functions,
    layers: block.statements.map((st) => ({ ...st, call: st.call.split('\n').join('\n  ') })),
  }));
  files.set('firmware/parameters.h', render('firmware/parameters.h.hbs', {
    ...common, pipelineTop, kernelHeaders, weightHeaders: [...constants.keys()].map((n) => `${n}.h`), configs: block.configs,
  }));
  for (const c of constants.values()) files.set(`firmware/weights/${c.name}.h`, weightHeader(c));
  for (const h of ['common.h', ...kernelHeaders, 'npy.h']) files.set(`firmware/fpgac/${h}`, readFileSync(path.join(hwDir(), 'fpgac', h), 'utf8'));
  const apDir = path.join(hwDir(), 'include');
  for (const f of readdirSync(apDir).sort()) if (f.endsWith('.h')) files.set(`tb/ap_types/${f}`, readFileSync(path.join(apDir, f), 'utf8'));
  files.set('tb/tb.cpp', render('tb/tb.cpp.hbs', { ...common, inputs, outputs }));
  // The simulator's outputs for the default inputs: the testbench compares with them (tb_data/sim_output*.npy).
  const expect = design.outputs.map((_, k) => (k === 0 ? 'tb_data/sim_output.npy' : `tb_data/sim_output.${k}.npy`));
  files.set('Makefile', render('Makefile.hbs', { ...common, defaultInputs: opts.defaultInputs.join(' '), defaultExpect: expect.join(' ') }));
  // Tcl gets the top function (a validated C identifier), the part and the version. The part comes from the command
  // line and `description` is for `export_design -description`: both are complete Tcl words (tclQuote), so the
  // template must place them as words, not inside quotes. An ordinary part number is written unchanged.
  const tcl = { part: tclQuote(opts.part), description: tclQuote(`${design.name}, generated by fpgac ${VERSION}`) };
  files.set('build_prj.tcl', render('build_prj.tcl.hbs', { ...common, ...tcl, clockNs: opts.clockNs, defaultInputList: opts.defaultInputs, defaultExpectList: expect }));
  files.set('design.json', JSON.stringify(design) + '\n');
  for (const [k, v] of opts.extra ?? []) files.set(k, v);
  return { files };
}
