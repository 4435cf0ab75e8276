/**
 * @fileoverview QONNX's channels-last wrappers (domain qonnx.custom_op.channels_last, written by FINN/QONNX's
 * channels-last conversion): Conv, MaxPool and AveragePool whose data is [N, spatial..., C] instead of ONNX's
 * [N, C, spatial...]. The node's attributes are the standard op's (pads in ONNX order, begins then ends); a Conv's
 * weight is channels-last too, [OC, k..., C/group] (the standard weight with its channel axis moved last); the bias
 * is unchanged. Import replaces such a node by the standard op between Transposes:
 *
 *   x[N,H,W,C] → Transpose(0,3,1,2) → Conv(W → Transpose(0,3,1,2)) → Transpose(0,2,3,1) → y[N,OH,OW,OC]
 *
 * A constant weight's Transpose is folded at import; the layout pass (absorbLayoutTranspose) removes a data
 * Transpose pair that undoes itself (channels-last op followed directly by another), and a Transpose after a graph
 * input stays a `transpose` layer, so the design's input keeps the model's NHWC order.
 */
import type { Node } from '../ir/graph.js';
import { opsetProblem } from './opset.js';
import type { FreshName, InputInfo, Upgrade } from './types.js';

/** The domains of QONNX's channels-last ops (FINN's older spelling included). */
export const CHANNELS_LAST_DOMAINS = ['qonnx.custom_op.channels_last', 'finn.custom_op.channels_last'] as const;

/** perm moving the last axis to position 1 (channels-last → channels-first) for rank r, and its inverse. */
export function toChannelsFirst(r: number): number[] {
  return [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
}
export function toChannelsLast(r: number): number[] {
  return [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
}

function transposeNode(name: string, input: string, output: string, perm: number[], source: string): Node {
  return { name, op: 'Transpose', domain: '', inputs: [input], outputs: [output], attrs: { perm: { kind: 'ints', value: perm } }, sources: [source] };
}

/**
 * The upgrade of a channels-last node whose inputs `channelsLast` (data, and a Conv's weight) are channels-last:
 * undefined for a standard-domain node. Only one output (MaxPool's Indices would be in channels-first index
 * order; refused).
 */
export function channelsLastUpgrade(channelsLast: readonly number[]) {
  return (node: Node, ins: readonly (InputInfo | undefined)[], _opset: number, fresh: FreshName): Upgrade | undefined => {
    if (!(CHANNELS_LAST_DOMAINS as readonly string[]).includes(node.domain)) return undefined;
    const x = ins[0];
    if (!x) return undefined; // parse reports the missing input
    const r = x.shape.length;
    if (r < 3 || r > 4) opsetProblem(node, `a channels-last ${node.op} takes a 3-D or 4-D input ([N, W, C] or [N, H, W, C]); this one has shape [${x.shape}]`);
    if (node.outputs.filter((o) => o).length > 1) opsetProblem(node, `a channels-last ${node.op} with a second output (Indices) is not supported`);
    const before: Node[] = [];
    const inputs = node.inputs.map((name, k) => {
      if (!name || !channelsLast.includes(k)) return name;
      const rk = ins[k]?.shape.length ?? r;
      const t = fresh(`${name}_channels_first`);
      before.push(transposeNode(fresh(`${node.name}_in${k}_to_nchw`), name, t, toChannelsFirst(rk), node.name));
      return t;
    });
    const y = fresh(`${node.outputs[0]}_channels_first`);
    const core: Node = { ...node, domain: '', name: fresh(`${node.name}_nchw`), inputs, outputs: [y], sources: [node.name] };
    const after = transposeNode(fresh(`${node.name}_out_to_nhwc`), y, node.outputs[0], toChannelsLast(r), node.name);
    return { nodes: [...before, core, after] };
  };
}
