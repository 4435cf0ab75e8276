/**
 * Test support: dsODENet-style models built in tests. A stem conv, then `steps` Euler steps
 * x ← x + h·f(x) with f = depthwise 3×3 conv → Relu → pointwise 1×1 conv, then global average pool and a dense
 * layer. Written either unrolled (as torch.onnx.export writes a Python for-loop) or as an ONNX Loop (as
 * torch.jit.script does).
 */
import { buildModel, values, type InitSpec, type NodeSpec } from '../support/onnx-builder.js';

export const C = 4;

export interface OdeOptions {
  steps: number;
  form: 'unrolled' | 'loop';
  /** Unrolled only: each step gets its own initializer names (same contents unless `differentWeights`). */
  duplicate?: boolean;
  differentWeights?: boolean;
  h?: number;
  /** Loop only: the trip count comes from the input's shape (not constant). */
  dynamicTrips?: boolean;
}

function stepWeights(tag: string, seed: number): InitSpec[] {
  return [
    { name: `dw_w${tag}`, dims: [C, 1, 3, 3], values: values(C * 9, seed, 0.6) },
    { name: `dw_b${tag}`, dims: [C], values: values(C, seed + 1, 0.2) },
    { name: `pw_w${tag}`, dims: [C, C, 1, 1], values: values(C * C, seed + 2, 0.6) },
    { name: `pw_b${tag}`, dims: [C], values: values(C, seed + 3, 0.2) },
    { name: `h${tag}`, dims: [], values: [0] },
  ];
}

function stepNodes(tag: string, wtag: string, x: string, y: string): NodeSpec[] {
  return [
    { op: 'Conv', inputs: [x, `dw_w${wtag}`, `dw_b${wtag}`], outputs: [`a${tag}`], attrs: { group: C, pads: [1, 1, 1, 1] }, name: `dw${tag}` },
    { op: 'Relu', inputs: [`a${tag}`], outputs: [`r${tag}`], name: `act${tag}` },
    { op: 'Conv', inputs: [`r${tag}`, `pw_w${wtag}`, `pw_b${wtag}`], outputs: [`p${tag}`], name: `pw${tag}` },
    { op: 'Mul', inputs: [`p${tag}`, `h${wtag}`], outputs: [`m${tag}`], name: `mul${tag}` },
    { op: 'Add', inputs: [x, `m${tag}`], outputs: [y], name: `add${tag}` },
  ];
}

export function odeModel(file: string, o: OdeOptions): void {
  const h = o.h ?? 0.25;
  const withH = (ws: InitSpec[]) => ws.map((w) => (w.name.startsWith('h') ? { ...w, values: [h] } : w));
  const inits: InitSpec[] = [
    { name: 'stem_w', dims: [C, 1, 3, 3], values: values(C * 9, 1, 0.8) },
    { name: 'fc_w', dims: [3, C], values: values(3 * C, 2) },
    { name: 'fc_b', dims: [3], values: values(3, 3) },
  ];
  const nodes: NodeSpec[] = [{ op: 'Conv', inputs: ['x', 'stem_w'], outputs: ['s0'], attrs: { pads: [1, 1, 1, 1] }, name: 'stem' }];
  let last = 's0';
  if (o.form === 'unrolled') {
    const shared = !o.duplicate && !o.differentWeights;
    if (shared) inits.push(...withH(stepWeights('', 10)));
    for (let k = 0; k < o.steps; k++) {
      const wtag = shared ? '' : `_${k}`;
      if (!shared) inits.push(...withH(stepWeights(wtag, o.differentWeights ? 10 + 7 * k : 10)));
      nodes.push(...stepNodes(`_${k}`, wtag, last, `s${k + 1}`));
      last = `s${k + 1}`;
    }
  } else {
    inits.push(...withH(stepWeights('', 10)));
    if (!o.dynamicTrips) inits.push({ name: 'M', dims: [], values: [o.steps], type: 7 });
    inits.push({ name: 'cond', dims: [], values: [1], type: 9 });
    // A run-time trip count: a second graph input.
    nodes.push({
      op: 'Loop', inputs: ['M', 'cond', 's0'], outputs: ['sN'], name: 'ode_loop',
      attrs: {
        body: {
          graph: {
            inputs: [{ name: 'i', dims: [], type: 7 }, { name: 'c_in', dims: [], type: 9 }, { name: 'xs' }],
            outputs: [{ name: 'c_out', dims: [], type: 9 }, { name: 'xn' }],
            nodes: [{ op: 'Identity', inputs: ['c_in'], outputs: ['c_out'] }, ...stepNodes('_0', '', 'xs', 'xn')],
          },
        },
      },
    });
    last = 'sN';
  }
  nodes.push(
    { op: 'GlobalAveragePool', inputs: [last], outputs: ['g'], name: 'gap' },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'], name: 'flatten' },
    { op: 'Gemm', inputs: ['f', 'fc_w', 'fc_b'], outputs: ['y'], attrs: { transB: 1 }, name: 'fc' },
  );
  const inputs: { name: string; dims: (number | string)[]; type?: number }[] = [{ name: 'x', dims: ['N', 1, 6, 6] }];
  if (o.dynamicTrips) inputs.push({ name: 'M', dims: [], type: 7 });
  buildModel({ opset: 13, inputs, outputs: [{ name: 'y' }], initializers: inits, nodes }, file);
}
