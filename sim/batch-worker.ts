/**
 * @fileoverview A worker thread of sim/batch.ts: holds one design (workerData), builds its plan once, reports ready,
 * then runs the sequential simulateBatch on each chunk it is sent, writing the outputs into the shared arrays and
 * flagging done (1) or failed (2) in its slot of the shared flags.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Design } from '../src/ir/design.js';
import { numel } from '../src/ir/graph.js';
import { simulateBatch } from './simulate.js';

const { design, flags, slot } = workerData as { design: Design; flags: Int32Array; slot: number };

function flag(v: number): void {
  Atomics.store(flags, slot, v);
  Atomics.notify(flags, slot);
}

try {
  // One sample of zeros builds every layer's plan (and its int16 engine) before the first chunk.
  simulateBatch(design, design.inputs.map((n) => new Float64Array(numel(design.tensors[n].shape))), 1, { threads: 1 });
  flag(1);
} catch {
  flag(2);
}

parentPort!.on('message', (m: { ins: Float64Array[]; outs: Float64Array[]; samples: number }) => {
  try {
    const r = simulateBatch(design, m.ins, m.samples, { threads: 1 });
    r.forEach((o, k) => m.outs[k].set(o));
    flag(1);
  } catch {
    flag(2);
  }
});
