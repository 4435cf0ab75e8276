/**
 * @fileoverview A worker thread of sim/batch.ts: holds one design (workerData), reports ready, then runs the
 * sequential simulateBatch on each chunk it is sent, writing the outputs into the shared arrays and flagging
 * done (1) or failed (2) in its slot of the shared flags.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Design } from '../src/ir/design.js';
import { simulateBatch } from './simulate.js';

const { design, flags, slot } = workerData as { design: Design; flags: Int32Array; slot: number };

function flag(v: number): void {
  Atomics.store(flags, slot, v);
  Atomics.notify(flags, slot);
}

// Ready as soon as the design is here: the first chunk builds the layers' plans (int16 engines) while the calling
// thread runs its own chunk, instead of a warm-up inference the caller would wait for (a whole extra ResNet-sized
// inference for a build's few testbench samples).
flag(1);

interface Chunk {
  ins: Float64Array[];
  outs: Float64Array[];
  samples: number;
  /** When saturation is counted: tensor names, and where their counts go (same order). */
  keys: string[] | null;
  counts: Float64Array | null;
}

parentPort!.on('message', (m: Chunk) => {
  try {
    const saturation = m.keys ? new Map<string, number>() : undefined;
    simulateBatch(design, m.ins, m.samples, { threads: 1, saturation, into: m.outs });
    if (saturation && m.keys && m.counts) m.keys.forEach((name, j) => { m.counts![j] = saturation.get(name) ?? 0; });
    flag(1);
  } catch {
    flag(2);
  }
});
