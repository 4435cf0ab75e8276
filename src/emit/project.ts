/**
 * @fileoverview Design → HLS project directory (DESIGN.md §3). Builds typed view models, renders the Handlebars
 * templates in templates/, and gathers the hw/ kernel headers the design uses and the host-side ap_types headers:
 * every file in memory (`renderProject`, no I/O); src/outdir.ts writes them. Output bytes depend only on the design
 * and options.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { formatToCpp, fracBits, minRaw } from '../../sim/fixed.js';
import type { ConstData, Design, Operand } from '../ir/design.js';
import { computeLayers } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { hwDir, templatesDir } from '../paths.js';
import { rawsText, scaleLiteral, scaledText } from './cpp.js';
import type { FileContent } from '../outdir.js';
import type { RenderContext } from './render.js';
import { featureLayoutPragma, renderBlock, renderDataflow, scopeDeclarations, type EmitPlan } from './block.js';
import { pipelineTopPragmas } from './pragmas.js';
import { VERSION } from '../version.js';
import { cppComment, tclQuote } from '../util/escape.js';
import { sampleDims } from '../data.js';
import type { Packing } from '../deploy/packing.js';
import { wrapperView } from '../deploy/wrapper.js';
import { kindOf } from '../kinds/index.js';
import { weightImage } from './weight-image.js';
import { designJson } from '../ir/design-json.js';
import { WEIGHT_PORT, WEIGHT_WORD_T } from './render.js';

/** Where the project keeps the weight image of layers streamed from DDR (the testbench's --weights default). */
export const WEIGHT_IMAGE_FILE = 'tb_data/weights.bin';


export interface ProjectFiles {
  /** Relative path → contents, in a deterministic order. */
  readonly files: Map<string, FileContent>;
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
  /**
   * How the design meets the outside (src/deploy/packing.ts): with `axis` or `m_axi`, an AXI wrapper becomes the
   * HLS top and the testbench drives it with packed words (absent or `memory`: the core's array ports).
   */
  readonly packing?: Packing;
  /** Samples the default testbench run sends (the m_axi depth co-simulation needs). */
  readonly tbSamples?: number;
  /** The project has build_bd.tcl: the Makefile gets a `bitstream` target. */
  readonly bitstream?: boolean;
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
    tool: plan?.tool,
  };
}

/**
 * One constant's header, in two spellings selected by `__SYNTHESIS__` (defined by Vitis/Vivado HLS for synthesis,
 * never for C-simulation): for HLS a `static const` ap_fixed array whose initializers are the raws times the
 * format's power of two (exact doubles, through a macro `R` the header defines and then restores), the ROM the
 * plan's pragmas name; for C-simulation (make csim, Vitis csim, the cosim testbench) a same-named ap_fixed array
 * that `fpgac::load_raws` (hw/fpgac/common.h) fills before main from the raws written as one string literal. An
 * initializer list costs g++ time and memory per element (for ap_fixed a double->ap_fixed conversion each, which
 * -O2 optimizes as one huge function: minutes and gigabytes for a few thousand weights); a string costs it almost
 * nothing. The load's flag lives in namespace `fpgac::raws`, where no generated identifier can collide with it.
 */
/**
 * An initializer passes through the type's overflow mode: AP_SAT_SYM turns its most negative code into
 * -max, so the ROM would not hold the raw (lowering quantizes into such formats and never produces that code).
 */
function checkRomable(c: ConstData): void {
  const f = c.format;
  if (f.signed && f.o === 'AP_SAT_SYM' && f.width > 1 && c.raw.includes(minRaw(f))) {
    throw new Error(`internal error: constant ${c.name} holds the most negative code of ${formatToCpp(f)}, which AP_SAT_SYM cannot hold`);
  }
}

/**
 * A weights header (templates/firmware/weight.h.hbs) as bytes: the template is rendered around two markers, and
 * the value lists, built as bytes (listBytes), go in their place.
 */
function weightHeader(c: ConstData): Buffer {
  const f = c.format;
  let zeros = 0;
  for (const r of c.raw) if (r === 0) zeros++;
  const [V, R] = ['\u0001FPGAC_VALUES\u0001', '\u0001FPGAC_RAWS\u0001'];
  const text = render('firmware/weight.h.hbs', {
    version: VERSION, name: c.name, shapeText: c.shape.join('x'), count: c.raw.length, zeros,
    guard: `FPGAC_W_${c.name.toUpperCase()}_H`, cpp: formatToCpp(f), type: `${c.name}_t`,
    values: V, scale: scaleLiteral(f), rawExponent: -fracBits(f), raws: R,
  });
  const [head, mid, tail] = [text.slice(0, text.indexOf(V)), text.slice(text.indexOf(V) + V.length, text.indexOf(R)), text.slice(text.indexOf(R) + R.length)];
  return Buffer.concat([Buffer.from(head, 'latin1'), scaledText(c.raw, f), Buffer.from(mid, 'latin1'), rawsText(c.raw, f), Buffer.from(tail, 'latin1')]);
}

/**
 * tb/csim_all.cpp: the C-simulation sources as one translation unit, which `make csim` compiles (CSIM_UNITY=0: one
 * by one). The source paths are fpgac's own (firmware/top.cpp and the wrapper's generated name), never a model's.
 */
function csimUnity(sources: readonly string[]): string {
  const lines = [
    `// Generated by fpgac ${VERSION}: the C-simulation sources as one translation unit for g++ (make csim), so that`,
    '// the headers are parsed once. Not part of the HLS project: Vitis HLS compiles the sources one by one.',
    ...sources.map((s) => `#include "../${s}"`),
    '#include "tb.cpp"',
  ];
  return `${lines.join('\n')}\n`;
}

/** Renders every generated text file of the project (no I/O). */
export function renderProject(design: Design, opts: EmitOptions): ProjectFiles {
  const ctx = makeRenderContext(design, opts.plan);
  const files = new Map<string, FileContent>();
  const guard = `FPGAC_${design.name.toUpperCase()}`;
  // The templates are compiled with noEscape: every text from the model is escaped here, for the language it lands
  // in. modelFile and onnxName only appear in C++ `//` comments (cppComment: printable ASCII, no backslash, so also
  // inert in a Makefile or top-level Tcl comment); identifiers (name, types, variables) are generated, never copied.
  const common = { version: VERSION, modelFile: cppComment(path.basename(design.model.file)), guard, name: design.name };
  const dataflow = opts.plan?.schedule === 'dataflow' ? renderDataflow(design.layers, ctx, opts.plan) : undefined;
  const block = dataflow?.block ?? renderBlock(design.layers, ctx, opts.plan);
  const constants = new Map<string, ConstData>();
  for (const c of block.constants) constants.set(c.name, c);
  const tensors = Object.values(design.tensors).map((t) => ({
    type: ctx.typeOf(t.name), cpp: formatToCpp(t.format), onnxName: cppComment(t.onnxName), shapeText: t.shape.join('x'),
  }));
  // dims: what a data file holds per sample (src/data.ts sampleDims); shape: the whole tensor.
  const io = (names: readonly string[]) => names.map((n) => ({ type: ctx.typeOf(n), var: ctx.varOf(n), size: numel(design.tensors[n].shape), dims: sampleDims(design.tensors[n].shape), shape: design.tensors[n].shape }));
  const inputs = io(design.inputs);
  const outputs = io(design.outputs);
  // Weights from DDR (src/plan/stream.ts): the image's port comes last; the testbench reads tb_data/weights.bin.
  const image = weightImage(design, ctx.parallel);
  const wimg = image ? { port: WEIGHT_PORT, type: WEIGHT_WORD_T, words: image.words, wordBits: image.wordBits, file: WEIGHT_IMAGE_FILE } : undefined;
  const params = [
    ...inputs.map((t) => ({ decl: `const ${t.type} ${t.var}[${t.size}]` })),
    ...outputs.map((t) => ({ decl: `${t.type} ${t.var}[${t.size}]` })),
    ...(wimg ? [{ decl: `const ${wimg.type} ${wimg.port}[${wimg.words}]` }] : []),
  ];
  const ioNames = new Set([...design.inputs, ...design.outputs]);
  const buffers = [...scopeDeclarations(design, ctx, 'top', design.layers, ioNames, opts.plan), ...(dataflow?.buffers ?? [])];
  const pipelineTop = opts.plan?.schedule === 'pipelined';
  // Sequential: ports read or written in parallel get the plan's partition (the pipelined top reshapes them whole).
  const topPragmas = pipelineTop ? pipelineTopPragmas([...inputs, ...outputs].map((t) => t.var))
    : [...(dataflow ? ['#pragma HLS DATAFLOW'] : []), ...[...design.inputs, ...design.outputs].flatMap((t) => featureLayoutPragma(opts.plan, t, ctx.varOf(t))),
      // The image is read in bursts of a tile; its address is a register (the driver writes the buffer's address).
      ...(wimg ? [`#pragma HLS INTERFACE m_axi port=${wimg.port} offset=slave bundle=wimg depth=${wimg.words} max_read_burst_length=256`, `#pragma HLS INTERFACE s_axilite port=${wimg.port} bundle=control`] : [])];
  const kernelHeaders = [...new Set(computeLayers(design.layers).map((l) => `${kindOf(l).family}.h`))].sort();

  files.set('firmware/defines.h', render('firmware/defines.h.hbs', { ...common, tensors, inputs, outputs, wimg }));
  if (image && wimg) files.set(wimg.file, image.bytes);
  files.set('firmware/top.h', render('firmware/top.h.hbs', { ...common, params }));
  files.set('firmware/top.cpp', render('firmware/top.cpp.hbs', {
    ...common, params, buffers, topPragmas, functions: block.functions,
    layers: block.statements.map((st) => ({ ...st, call: st.call.split('\n').join('\n  ') })),
  }));
  files.set('firmware/parameters.h', render('firmware/parameters.h.hbs', {
    ...common, pipelineTop, kernelHeaders, weightHeaders: [...constants.keys()].map((n) => `${n}.h`), configs: block.configs,
  }));
  // Rendered when written (src/outdir.ts FileContent): the headers of a large model are never all in memory.
  for (const c of constants.values()) {
    checkRomable(c);
    files.set(`firmware/weights/${c.name}.h`, () => weightHeader(c));
  }
  // stream.h: the weight streaming of conv.h and dense.h, included by them whether or not a layer streams.
  for (const h of ['common.h', 'stream.h', ...kernelHeaders, 'npy.h']) files.set(`firmware/fpgac/${h}`, readFileSync(path.join(hwDir(), 'fpgac', h), 'utf8'));
  const apDir = path.join(hwDir(), 'include');
  for (const f of readdirSync(apDir).sort()) if (f.endsWith('.h')) files.set(`tb/ap_types/${f}`, readFileSync(path.join(apDir, f), 'utf8'));
  files.set('firmware/fpgac/tb.h', readFileSync(path.join(hwDir(), 'fpgac', 'tb.h'), 'utf8'));
  const axi = opts.packing && opts.packing.interface !== 'memory'
    ? wrapperView(design, opts.packing, {
      tbSamples: opts.tbSamples ?? 1, typeOf: ctx.typeOf, sampleDims, comment: cppComment, dataflow: !!dataflow,
      // The core partitions its ports where it declares them; the wrapper's arrays get the same layout.
      portPragmas: (t, v) => (pipelineTop ? [] : featureLayoutPragma(opts.plan, t, v)),
    })
    : undefined;
  if (axi) {
    const view = { ...common, ...axi, wimg };
    files.set(`firmware/${axi.wrapper}.h`, render('firmware/axi_top.h.hbs', view));
    files.set(`firmware/${axi.wrapper}.cpp`, render('firmware/axi_top.cpp.hbs', view));
    files.set('firmware/fpgac/axi.h', readFileSync(path.join(hwDir(), 'fpgac', 'axi.h'), 'utf8'));
    // fpgac's own hls_stream.h / ap_axi_sdata.h for C-simulation without the tools (after AP_TYPES_INCLUDE).
    const hlsDir = path.join(hwDir(), 'include-hls');
    for (const f of readdirSync(hlsDir).sort()) if (f.endsWith('.h')) files.set(`tb/hls/${f}`, readFileSync(path.join(hlsDir, f), 'utf8'));
    files.set('tb/tb.cpp', render('tb/tb_axi.cpp.hbs', view));
  } else {
    files.set('tb/tb.cpp', render('tb/tb.cpp.hbs', { ...common, inputs, outputs, wimg }));
  }
  const hlsTop = axi ? axi.wrapper : design.name;
  const sources = ['firmware/top.cpp', ...(axi ? [`firmware/${axi.wrapper}.cpp`] : [])];
  files.set('tb/csim_all.cpp', csimUnity(sources));
  // The simulator's outputs for the default inputs: the testbench compares with them (tb_data/sim_output*.npy).
  const expect = design.outputs.map((_, k) => (k === 0 ? 'tb_data/sim_output.npy' : `tb_data/sim_output.${k}.npy`));
  files.set('Makefile', render('Makefile.hbs', { ...common, wimg, defaultInputs: opts.defaultInputs.join(' '), defaultExpect: expect.join(' '), sources: sources.join(' '),
    bitstream: !!opts.bitstream, hlsExe: opts.plan?.tool === 'vivado' ? 'vivado_hls' : 'vitis_hls' }));
  // Tcl gets the top function (a validated C identifier), the part and the version. The part comes from the command
  // line and `description` is for `export_design -description`: both are complete Tcl words (tclQuote), so the
  // template must place them as words, not inside quotes. An ordinary part number is written unchanged.
  const tcl = { part: tclQuote(opts.part), description: tclQuote(`${design.name}, generated by fpgac ${VERSION}`) };
  files.set('build_prj.tcl', render('build_prj.tcl.hbs', { ...common, ...tcl, wimg, hlsTop, sources, clockNs: opts.clockNs, defaultInputList: opts.defaultInputs, defaultExpectList: expect }));
  files.set('design.json', designJson(design));
  for (const [k, v] of opts.extra ?? []) files.set(k, v);
  return { files };
}
