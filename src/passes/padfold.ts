/**
 * @fileoverview foldPad: a constant-mode Pad of zeros on the spatial axes only, read by nothing but a Conv, an
 * AveragePool or a MaxPool, becomes that op's own padding (exporters write explicit Pads for asymmetric "same"
 * padding, e.g. TensorFlow's), so no gather layer copies the feature map first.
 *
 *   x → Pad(0, spatial) → Conv(pads p)      becomes      x → Conv(pads p + Pad's)
 *
 * Valid only where the op's padding means the same as the explicit zeros:
 * - Conv pads with zeros: always.
 * - AveragePool: the explicit zeros count in every window's divisor, so the pool must count its pads
 *   (count_include_pad = 1), or have none and be switched to counting them; ceil_mode windows (which may run past
 *   the pads, where the divisor differs) are left alone.
 * - MaxPool pads with -inf: the same as zeros only when every value is ≥ 0 (the Pad reads a Relu) and every window
 *   still holds a real element (each side's total padding below the dilated kernel); ceil_mode is left alone.
 * auto_pad other than NOTSET is left alone. Runs before fuseActivation, so a Relu is still a node of its own.
 */
import type { AttrValue, Graph, Node } from '../ir/graph.js';
import { producers } from '../ir/graph.js';
import { attrInt, attrInts, attrString } from '../onnx/attrs.js';
import type { PadParams } from '../ops/movement.js';
import { NodeEdits, soleConsumer, type PassResult } from './util.js';

/** The Pad's spatial padding as [begin..., end...] when it is a zero constant pad of spatial axes, else undefined. */
function spatialZeroPads(pad: Node): number[] | undefined {
  const p = pad.params as PadParams | undefined;
  if (!p || p.mode !== 'constant' || p.value !== 0) return undefined;
  const r = p.begin.length;
  if (r !== 3 && r !== 4) return undefined;
  if (p.begin[0] || p.begin[1] || p.end[0] || p.end[1]) return undefined;
  const begin = p.begin.slice(2);
  const end = p.end.slice(2);
  if ([...begin, ...end].some((v) => v < 0)) return undefined;
  return [...begin, ...end];
}

/** The consumer's new attributes with `extra` added to its pads, or undefined when folding would change it. */
function foldedAttrs(g: Graph, c: Node, extra: readonly number[], padInput: string): Record<string, AttrValue> | undefined {
  if (attrString(c, 'auto_pad', 'NOTSET') !== 'NOTSET') return undefined;
  const r = extra.length / 2;
  const own = attrInts(c, 'pads') ?? new Array<number>(2 * r).fill(0);
  if (own.length !== 2 * r) return undefined;
  const pads = own.map((v, i) => v + extra[i]);
  const attrs: Record<string, AttrValue> = { ...c.attrs, pads: { kind: 'ints', value: pads } };
  if (c.op === 'Conv') return attrs;
  if (attrInt(c, 'ceil_mode', 0) !== 0) return undefined;
  if (c.op === 'AveragePool') {
    if (attrInt(c, 'count_include_pad', 0) === 1) return attrs;
    if (own.some((v) => v !== 0)) return undefined;
    return { ...attrs, count_include_pad: { kind: 'int', value: 1 } };
  }
  if (c.op === 'MaxPool') {
    if (producers(g).get(padInput)?.op !== 'Relu') return undefined;
    const kernel = attrInts(c, 'kernel_shape');
    const dil = attrInts(c, 'dilations') ?? new Array<number>(r).fill(1);
    if (!kernel || kernel.length !== r) return undefined;
    const eff = kernel.map((k, i) => (k - 1) * dil[i] + 1);
    if (pads.some((v, i) => v >= eff[i % r])) return undefined;
    if (c.outputs.length > 1 && c.outputs[1]) return undefined; // Indices would count the explicit zeros
    return attrs;
  }
  return undefined;
}

export function foldPad(g: Graph): PassResult {
  const edits = new NodeEdits();
  let folded = 0;
  for (const n of g.nodes) {
    if (n.op !== 'Pad') continue;
    const extra = spatialZeroPads(n);
    const c = extra && soleConsumer(g, n.outputs[0]);
    if (!extra || !c || c.inputs[0] !== n.outputs[0] || c.inputs.slice(1).includes(n.outputs[0])) continue;
    if (c.op !== 'Conv' && c.op !== 'AveragePool' && c.op !== 'MaxPool') continue;
    const attrs = foldedAttrs(g, c, extra, n.inputs[0]);
    if (!attrs) continue;
    edits.remove(n);
    edits.replace(c, { ...c, inputs: [n.inputs[0], ...c.inputs.slice(1)], attrs, sources: [...(n.sources ?? [n.name]), ...(c.sources ?? [c.name])] });
    folded++;
  }
  return { graph: folded ? { ...g, nodes: edits.apply(g.nodes) } : g, summary: `foldPad: ${folded} zero Pads folded into Conv/pool padding` };
}
