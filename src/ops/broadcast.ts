/**
 * @fileoverview NumPy/ONNX multidirectional broadcasting: result shapes and per-operand strides (0 on broadcast
 * axes), padded to a fixed rank so kernels can use fixed nested loops.
 */
import { stridesOf } from '../ir/graph.js';

/** The broadcast result shape, or undefined when the shapes are incompatible. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides of `shape` when read at the positions of `out` (rank `rank`, leading axes padded). */
export function broadcastStrides(shape: readonly number[], out: readonly number[], rank: number): number[] {
  const s = stridesOf(shape);
  const res = new Array<number>(rank).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const axis = rank - shape.length + i;
    res[axis] = shape[i] === 1 && out[out.length - shape.length + i] !== 1 ? 0 : s[i];
  }
  return res;
}

export function padShape(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(rank - shape.length).fill(1), ...shape];
}

/** Applies f element-wise with broadcasting (float reference). */
export function broadcastMap(a: { shape: readonly number[]; data: Float64Array }, b: { shape: readonly number[]; data: Float64Array }, out: readonly number[], f: (x: number, y: number) => number): Float64Array {
  const r = out.length;
  const sa = broadcastStrides(a.shape, out, r);
  const sb = broadcastStrides(b.shape, out, r);
  const n = out.reduce((x, y) => x * y, 1);
  const res = new Float64Array(n);
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < r; d++) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    res[k] = f(a.data[ia], b.data[ib]);
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return res;
}
