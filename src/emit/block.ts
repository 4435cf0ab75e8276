/**
 * @fileoverview Renders a list of layers into C++ statements: one kernel call per compute layer, and for a loop
 * region a step function (the one engine: its body layers, `INLINE off`, one instance allocated) called from a
 * step loop that is not unrolled, alternating the state between two buffers:
 *
 *   copy(x, A);  for (step < T) { if (step even) f(A, B); else f(B, A); }     // the result is in B if T is odd
 *
 * The region's output array is whichever buffer holds the result, so no copy is made at the end.
 */
import type { ConstData, Design, Layer, LoopLayer } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import type { Parallelism, RenderContext } from './render.js';
import { renderLayer } from './kernels/index.js';
import type { BufferGroup } from '../plan/buffers.js';
import type { MemKind, MemoryPlacement, Schedule } from '../plan/types.js';
import { layoutPragma, storagePragma, type HlsTool } from './pragmas.js';
import { copyLanes, type TensorLayout } from '../plan/layout.js';
import { cppComment } from '../util/escape.js';
import { fanoutCopy, fanouts, fanoutSource, type Fanout } from '../plan/dataflow.js';
import type { PlannedDesign } from '../plan/plan.js';

/** What the plan decided that the C++ must say: shared buffers and where each memory lives. */
export interface EmitPlan {
  readonly tool: HlsTool;
  /** 'pipelined': the top function is one pipeline (II = 1) and the kernels' own loop pipelines are off. */
  readonly schedule: Schedule;
  /** Parallel factors per layer name (absent: 1 × 1). */
  readonly parallel: ReadonlyMap<string, Parallelism>;
  readonly groups: ReadonlyMap<string, readonly BufferGroup[]>;
  readonly kinds: ReadonlyMap<string, MemKind>;
  /** The constants' placements (banks, layout, reshape), for their layout pragmas. */
  readonly constants?: ReadonlyMap<string, MemoryPlacement>;
  /** The feature maps' bank partitions (sequential schedule), for their layout pragmas. */
  readonly layouts?: ReadonlyMap<string, TensorLayout>;
  /** Every memory the plan placed, by name. */
  readonly memories?: ReadonlyMap<string, MemoryPlacement>;
  /** Feature buffers packed into URAM words (src/plan/plan.ts balanceUram): the reshape replaces their partition. */
  readonly reshaped?: ReadonlyMap<string, MemoryPlacement>;
}

/** What the emitter takes from a plan: its schedule, factors, buffer sharing and every memory's placement. */
export function emitPlanOf(planned: PlannedDesign, tool: HlsTool): EmitPlan {
  const { plan } = planned;
  return {
    tool, schedule: plan.schedule, parallel: planned.parallel, groups: planned.buffers,
    kinds: new Map(plan.memories.map((m) => [m.name, m.kind])),
    constants: new Map(plan.memories.filter((m) => m.role !== 'feature').map((m) => [m.name, m])),
    reshaped: new Map(plan.memories.filter((m) => m.role === 'feature' && m.reshape).map((m) => [m.name, m])),
    memories: new Map(plan.memories.map((m) => [m.name, m])),
    ...(plan.schedule !== 'pipelined' && planned.layouts ? { layouts: planned.layouts } : {}),
  };
}

/**
 * The plan's partition of a feature-map array (a buffer, a port or a step function's state parameter), unless it
 * is registers (completely partitioned by its storage pragma). Kernels never partition their feature arguments
 * themselves, so an array shared by kernels of different parallelism gets one partition serving all of them.
 */
export function featureLayoutPragma(plan: EmitPlan | undefined, tensor: string, variable: string): string[] {
  const t = plan?.layouts?.get(tensor);
  if (!plan || !t || plan.kinds.get(variable) === 'registers') return [];
  const p = layoutPragma(variable, { kind: 'bram18', banks: t.banks, layout: t.layout });
  return p ? [p] : [];
}

/** Array declarations of a scope (with storage pragmas when planned), then pragmas for the constants it reads. */
export function scopeDeclarations(design: Design, ctx: RenderContext, scope: string, layers: readonly Layer[], params: ReadonlySet<string>, plan?: EmitPlan): string[] {
  const lines: string[] = [];
  if (plan) {
    for (const g of plan.groups.get(scope) ?? []) {
      const shared = g.members.length > 1 ? ` (shared by ${g.members.join(', ')})` : '';
      lines.push(`${ctx.typeOf(g.name)} ${g.name}[${g.words}]; // ${cppComment(design.tensors[g.name].onnxName + shared)}`);
      const reshaped = plan.reshaped?.get(g.name);
      lines.push(...(reshaped ? [layoutPragma(g.name, reshaped)!] : featureLayoutPragma(plan, g.name, g.name)));
      const kind = plan.kinds.get(g.name);
      if (kind) lines.push(storagePragma(plan.tool, g.name, kind, false));
    }
    const consts = new Set<string>();
    const tiles = new Set<string>();
    for (const l of layers) {
      if (l.kind === 'loop') continue;
      const r = renderLayer(l, ctx);
      for (const c of r.constants) consts.add(c.name);
      // Row bands: the band buffer, partitioned as the map it stands for (or packed as the plan placed it).
      if (r.band) {
        const placed = plan.memories?.get(r.band.name);
        lines.push(`${r.band.type} ${r.band.name}[${r.band.words}]; // ${cppComment(`${l.name}: a band of rows of ${ctx.design.tensors[r.band.map].onnxName}`)}`);
        lines.push(...(placed?.reshape ? [layoutPragma(r.band.name, placed)!] : featureLayoutPragma(plan, r.band.map, r.band.name)));
        if (placed) lines.push(storagePragma(plan.tool, r.band.name, placed.kind, false));
      }
      // Weights from DDR: the layer's two tile buffers, partitioned and stored as the plan placed them.
      if (r.tiles) {
        for (const t of r.tiles.names) {
          if (tiles.has(t)) continue;
          tiles.add(t);
          const placed = plan.constants?.get(t);
          lines.push(`${r.tiles.type} ${t}[${r.tiles.words}]; // ${cppComment(`${l.name}: a tile of weights from DDR`)}`);
          const layout = placed && layoutPragma(t, placed);
          if (layout) lines.push(layout);
          if (placed) lines.push(storagePragma(plan.tool, t, placed.kind, false));
        }
      }
    }
    for (const c of [...consts].sort()) {
      const placed = plan.constants?.get(c);
      const layout = placed && layoutPragma(c, placed);
      if (layout) lines.push(layout);
      const kind = plan.kinds.get(c);
      // Several reads a cycle (the pipelined top, or a table its lanes all read): HLS builds the ports from copies.
      if (kind) lines.push(storagePragma(plan.tool, c, kind, true, plan.schedule === 'pipelined' || (placed?.copies ?? 1) > 1));
    }
    return lines;
  }
  for (const l of layers) if (!params.has(l.output)) lines.push(bufferDecl(design, ctx, l.output, ''));
  return lines;
}

export interface Statement {
  readonly name: string;
  readonly kind: string;
  readonly sources: string;
  /** `name: kind <- sources`, made safe for a `//` comment (the sources are ONNX node names). */
  readonly comment: string;
  readonly call: string;
}

function statement(name: string, kind: string, sources: string, call: string): Statement {
  return { name, kind, sources, comment: cppComment(`${name}: ${kind} <- ${sources}`), call };
}

export interface Block {
  readonly statements: Statement[];
  /** Step functions of regions, in definition order (inner regions first). */
  readonly functions: string[];
  readonly configs: string[];
  readonly constants: ConstData[];
}

export function bufferDecl(design: Design, ctx: RenderContext, tensor: string, indent: string): string {
  const t = design.tensors[tensor];
  return `${indent}${ctx.typeOf(tensor)} ${ctx.varOf(tensor)}[${numel(t.shape)}]; // ${cppComment(t.onnxName)}`;
}

/**
 * `asProcess` (dataflow schedule): the region's entry copy and step loop go into a function of their own, so that
 * the region is one process of the top's DATAFLOW region (a bare loop of calls would not be one).
 */
function renderLoop(l: LoopLayer, ctx: RenderContext, out: Block, plan?: EmitPlan, asProcess = false): Statement {
  const d = ctx.design;
  const inner = renderBlock(l.body, ctx, plan);
  out.functions.push(...inner.functions);
  out.configs.push(...inner.configs);
  out.constants.push(...inner.constants);
  const n = numel(d.tensors[l.stateIn].shape);
  const fn = `${l.name}_step`;
  const locals = scopeDeclarations(d, ctx, l.name, l.body, new Set([l.stateIn, l.stateOut]), plan);
  out.functions.push([
    `// ${cppComment(l.name)}: one step of the region (${l.trips} steps run on this one engine; weights stored once).`,
    `static void ${fn}(const ${ctx.typeOf(l.stateIn)} ${ctx.varOf(l.stateIn)}[${n}], ${ctx.typeOf(l.stateOut)} ${ctx.varOf(l.stateOut)}[${n}]) {`,
    '#pragma HLS INLINE off',
    ...featureLayoutPragma(plan, l.stateIn, ctx.varOf(l.stateIn)),
    ...featureLayoutPragma(plan, l.stateOut, ctx.varOf(l.stateOut)),
    ...locals.map((line) => `  ${line}`),
    ...inner.statements.flatMap((s) => [`  // ${s.comment}`, `  ${s.call.split('\n').join('\n  ')}`]),
    '}',
  ].join('\n'));
  // The result lands in B after an odd number of steps: make the region's output array that buffer.
  const y = ctx.varOf(l.output);
  const other = `${l.name}_pp`;
  const [a, b] = l.trips % 2 === 0 ? [y, other] : [other, y];
  const ppKind = plan?.kinds.get(other);
  const call = [
    `${ctx.typeOf(l.output)} ${other}[${n}];`,
    ...featureLayoutPragma(plan, l.stateIn, other),
    ...(plan && ppKind ? [storagePragma(plan.tool, other, ppKind, false)] : []),
    `#pragma HLS ALLOCATION function instances=${fn} limit=1`,
    `fpgac::copy<${n}, ${copyLanes(plan?.layouts, l.stateIn)}>(${ctx.varOf(l.inputs[0])}, ${a});`,
    `${l.name}_steps: for (int step = 0; step < ${l.trips}; step++) {`,
    `#pragma HLS LOOP_TRIPCOUNT min=${l.trips} max=${l.trips}`,
    `  if ((step & 1) == 0) ${fn}(${a}, ${b});`,
    `  else ${fn}(${b}, ${a});`,
    '}',
  ].join('\n');
  const src = l.sources.length > 3 ? `${l.sources.length} ONNX nodes, ${l.sources[0]} ... ${l.sources[l.sources.length - 1]}` : l.sources.join(', ');
  if (!asProcess) return statement(l.name, `loop x${l.trips}`, src, call);
  const x = ctx.varOf(l.inputs[0]);
  const run = `${l.name}_run`;
  out.functions.push([
    `// ${cppComment(l.name)}: the whole region (entry copy and ${l.trips} steps), one process of the dataflow region.`,
    `static void ${run}(const ${ctx.typeOf(l.inputs[0])} ${x}[${numel(d.tensors[l.inputs[0]].shape)}], ${ctx.typeOf(l.output)} ${y}[${n}]) {`,
    '#pragma HLS INLINE off',
    ...featureLayoutPragma(plan, l.inputs[0], x),
    ...featureLayoutPragma(plan, l.output, y),
    ...call.split('\n').map((line) => `  ${line}`),
    '}',
  ].join('\n'));
  return statement(l.name, `loop x${l.trips}`, src, `${run}(${x}, ${y});`);
}

/**
 * The top's layers as processes of one DATAFLOW region (src/plan/dataflow.ts): loop regions wrapped as functions,
 * and a fan-out process after the producer of every feature map more than one process reads, each reader then
 * reading its own copy. Returns the block and the declarations of the copies (and of a fanned-out output's source).
 */
export function renderDataflow(layers: readonly Layer[], ctx: RenderContext, plan: EmitPlan): { block: Block; buffers: string[] } {
  const d = ctx.design;
  const fans = new Map(fanouts(d).map((f) => [f.tensor, f]));
  const block: Block = { statements: [], functions: [], configs: [], constants: [] };
  const buffers: string[] = [];
  const declare = (tensor: string, name: string) => {
    buffers.push(`${ctx.typeOf(tensor)} ${name}[${numel(d.tensors[tensor].shape)}]; // ${cppComment(d.tensors[tensor].onnxName)}: a dataflow copy`);
    buffers.push(...featureLayoutPragma(plan, tensor, name));
    const kind = plan.kinds.get(name);
    if (kind) buffers.push(storagePragma(plan.tool, name, kind, false));
  };
  const fanout = (f: Fanout) => {
    const n = numel(d.tensors[f.tensor].shape);
    const lanes = copyLanes(plan.layouts, f.tensor);
    const src = f.toPort ? fanoutSource(f.tensor) : ctx.varOf(f.tensor);
    const outs = [...f.consumers.map((c) => fanoutCopy(f.tensor, c)), ...(f.toPort ? [ctx.varOf(f.tensor)] : [])];
    for (const c of f.consumers) declare(f.tensor, fanoutCopy(f.tensor, c));
    if (f.toPort) declare(f.tensor, src);
    const fn = `${f.tensor}_fanout`;
    const t = ctx.typeOf(f.tensor);
    block.functions.push([
      `// ${cppComment(d.tensors[f.tensor].onnxName)}: copied once per reader (a dataflow channel has one consumer).`,
      `static void ${fn}(const ${t} in[${n}], ${outs.map((o, k) => `${t} out${k}[${n}]`).join(', ')}) {`,
      '#pragma HLS INLINE off',
      ...featureLayoutPragma(plan, f.tensor, 'in'),
      ...outs.flatMap((_, k) => featureLayoutPragma(plan, f.tensor, `out${k}`)),
      `${fn}_loop:`,
      `  for (int i = 0; i < ${n / lanes}; i++) {`,
      '#pragma HLS PIPELINE II=1',
      `    for (int u = 0; u < ${lanes}; u++) {`,
      '#pragma HLS UNROLL',
      `      const int j = u * ${n / lanes} + i;`,
      ...outs.map((_, k) => `      out${k}[j] = in[j];`),
      '    }',
      '  }',
      '}',
    ].join('\n'));
    block.statements.push(statement(fn, 'fanout', d.tensors[f.tensor].onnxName, `${fn}(${[src, ...outs].join(', ')});`));
  };
  for (const t of d.inputs) { const f = fans.get(t); if (f) fanout(f); }
  for (const l of layers) {
    const own = new Map<string, string>();
    for (const t of l.inputs) if (fans.has(t)) own.set(t, fanoutCopy(t, l.name));
    if (fans.get(l.output)?.toPort) own.set(l.output, fanoutSource(l.output));
    const lctx: RenderContext = own.size === 0 ? ctx : {
      ...ctx,
      varOf: (t) => own.get(t) ?? ctx.varOf(t),
      operandVar: (op) => ('tensor' in op && own.has(op.tensor) ? own.get(op.tensor)! : ctx.operandVar(op)),
    };
    addLayer(block, l, lctx, plan, true);
    const f = fans.get(l.output);
    if (f) fanout(f);
  }
  return { block, buffers };
}

/** One layer's statement, config and constants (a loop region's step function too) added to the block. */
function addLayer(block: Block, l: Layer, ctx: RenderContext, plan: EmitPlan | undefined, asProcess: boolean): void {
  if (l.kind === 'loop') {
    block.statements.push(renderLoop(l, ctx, block, plan, asProcess));
    return;
  }
  const r = renderLayer(l, ctx);
  block.configs.push(r.config);
  block.constants.push(...r.constants);
  block.statements.push(statement(l.name, l.kind, l.sources.join(', '), r.call));
}

export function renderBlock(layers: readonly Layer[], ctx: RenderContext, plan?: EmitPlan): Block {
  const block: Block = { statements: [], functions: [], configs: [], constants: [] };
  for (const l of layers) addLayer(block, l, ctx, plan, false);
  return block;
}
