/**
 * @fileoverview simulateBatch across worker threads: the samples are split into contiguous chunks, one per thread
 * (the calling thread takes the first), each chunk runs the same sequential simulateBatch on its own copy of the
 * design, and the outputs are copied back in sample order. Every sample is computed exactly as alone (the
 * simulator keeps no state between samples), so the result is bit for bit the sequential one.
 *
 * The call stays synchronous: inputs and outputs travel in SharedArrayBuffers and the caller blocks in
 * Atomics.wait until each worker flags its chunk done (1) or failed (2; the caller then reruns that chunk itself,
 * so an error is thrown as the sequential run throws it). A pool of workers is kept for the most recent design
 * (they hold its plans, built during their first chunk), unref'd so they never keep the process alive, and replaced when another
 * design needs one. Workers that do not report ready (design loaded) within READY_MS leave the batch
 * to the calling thread; so does a runtime without the compiled worker script (see workerUrl).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { Design } from '../src/ir/design.js';

const READY_MS = 120_000;
/**
 * Seconds a new worker costs before it keeps pace: a thread, its own load of the simulator's modules, the design's
 * copy, its kernels' plans and cold code. Measured on 2 cores in a fresh process: ~0.1 s for the jet MLP, ~0.18 s
 * for dsODENet (360 samples: 455 ms on one thread, 534 ms on two; 1,000: 822 vs 721 ms).
 */
const WORKER_START_S = 0.2;

/**
 * The worker script: this folder's batch-worker.js, batch-worker.cjs beside the CommonJS bundle's chunks
 * (src/bundle.ts), or the compiled one in dist/ when running from sources.
 */
function workerUrl(): URL | null {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../dist/sim/batch-worker.js', here) : new URL(here.endsWith('.cjs') ? './batch-worker.cjs' : './batch-worker.js', here);
  return existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * A worker running the script at `url`. Beside the CommonJS bundle (src/bundle.ts) the worker first installs the
 * bundle's V8 code cache (bin/code-cache.cjs, as the launcher does), so it deserializes the simulator's compiled
 * code instead of compiling it: the pool starts sooner, and the calling thread waits for it to be ready.
 */
function workerThread(W: typeof Worker, url: URL, workerData: unknown): Worker {
  const cache = new URL('../../bin/code-cache.cjs', url);
  if (!url.pathname.endsWith('.cjs') || !existsSync(fileURLToPath(cache))) return new W(url, { workerData });
  const dir = path.dirname(fileURLToPath(url));
  const code = `require(${JSON.stringify(fileURLToPath(cache))}).useCodeCache(${JSON.stringify(dir)}, 'read'); require(${JSON.stringify(fileURLToPath(url))});`;
  return new W(code, { eval: true, workerData });
}

interface Pool {
  readonly design: Design;
  readonly workers: Worker[];
  readonly flags: Int32Array; // per worker: 0 busy or booting, 1 done/ready, 2 failed
  dead: boolean; // a worker exited (seen between batches): the pool is replaced
  /**
   * Per worker and input, shared memory that the last batch's inputs were copied into, kept for the next batch
   * (up to SCRATCH_KEEP bytes a worker): first-touching fresh memory can cost more than a small model's arithmetic.
   */
  readonly scratch: (Float64Array | undefined)[][];
}

const SCRATCH_KEEP = 64 << 20;

let pool: Pool | null = null;
let lastWorkers = 0;

/** How many worker threads the last batch used (0 when it ran on the calling thread alone). */
export function batchWorkerCount(): number {
  return lastWorkers;
}

/** A batch runs on the calling thread alone (batchWorkerCount then says 0). */
export function sequentialBatch(): void {
  lastWorkers = 0;
}

function closePool(): void {
  if (pool) for (const w of pool.workers) void w.terminate();
  pool = null;
}

function waitAll(flags: Int32Array, n: number, timeoutMs: number): boolean {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < n; i++) {
    while (Atomics.load(flags, i) === 0) {
      const left = end - Date.now();
      if (left <= 0) return false;
      Atomics.wait(flags, i, 0, left);
    }
  }
  return true;
}

/** A ready pool of `n` workers for the design, or null when workers cannot run here. */
function poolFor(design: Design, n: number): Pool | null {
  if (pool && !pool.dead && pool.design === design && pool.workers.length >= n) return pool;
  closePool();
  const url = workerUrl();
  if (!url) return null;
  // Loaded here, not at the top: a run that stays on one thread (most short ones) never loads Node's worker
  // modules, a few ms of every `fpgac sim` start-up.
  const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const flags = new Int32Array(new SharedArrayBuffer(4 * n));
  const workers: Worker[] = [];
  const p: Pool = { design, workers, flags, dead: false, scratch: Array.from({ length: n }, () => []) };
  for (let i = 0; i < n; i++) {
    const w = workerThread(Worker, url, { design, flags, slot: i });
    w.unref();
    w.on('error', () => { Atomics.store(flags, i, 2); Atomics.notify(flags, i); });
    w.on('exit', () => { p.dead = true; });
    workers.push(w);
  }
  if (!waitAll(flags, n, READY_MS) || Array.from(flags).some((f) => f !== 1)) {
    for (const w of workers) void w.terminate();
    return null;
  }
  pool = p;
  return p;
}

const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const costs = new WeakMap<Design, { perSample: number; setup: number }>();

/**
 * Threads worth using for this batch: 1 (sequential) unless splitting it saves time. A new worker starts (a
 * thread loading the simulator's modules, WORKER_START_S) unless the pool already holds this design; it receives a
 * copy of the design (~4·10^-8 s a constant value) and builds its kernels' plans during its first chunk (about
 * one sample's time), so a few samples of a large network (a build's testbench data) stay on this thread, which
 * also spares the worker's copy of every weight.
 */
export function autoThreads(design: Design, samples: number): number {
  if (cpus < 2 || samples < 2) return 1;
  let cost = costs.get(design);
  if (cost === undefined) costs.set(design, (cost = { perSample: estimate(design), setup: constantValues(design) * 4e-8 }));
  const sequential = samples * cost.perSample;
  const threads = Math.min(cpus, samples);
  // A new pool also pays each worker's start: a thread and its own load of the simulator's modules.
  const start = pool && !pool.dead && pool.design === design && pool.workers.length >= threads - 1 ? 0 : WORKER_START_S;
  const parallel = start + cost.setup + cost.perSample + sequential / threads;
  return sequential < 0.2 || parallel > 0.8 * sequential ? 1 : threads;
}

/** Values of every constant the layers hold (weights, tables): what a worker's copy of the design costs. */
function constantValues(design: Design): number {
  let n = 0;
  const walk = (layers: Design['layers']): void => {
    for (const l of layers) {
      if (l.kind === 'loop') { walk(l.body); continue; }
      for (const v of Object.values(l)) if (v && typeof v === 'object' && Array.isArray((v as { raw?: unknown }).raw)) n += (v as { raw: unknown[] }).raw.length;
    }
  };
  walk(design.layers);
  return n;
}

/** Rough sequential seconds per sample: MACs at ~2·10^9/s plus every layer output at ~2·10^8 values/s. */
function estimate(design: Design): number {
  let macs = 0;
  let values = 0;
  const walk = (layers: Design['layers'], times: number): void => {
    for (const l of layers) {
      if (l.kind === 'loop') { walk(l.body, times * l.trips); continue; }
      const t = design.tensors[l.output];
      const n = t ? t.shape.reduce((a, b) => a * b, 1) : 0;
      values += n * times;
      if (l.kind === 'dense') macs += l.rows * l.nIn * l.nOut * times;
      else if (l.kind === 'conv2d') macs += n * (l.c / l.group) * l.kh * l.kw * times;
      else if (l.kind === 'matmul') macs += l.batch * l.m * l.k * l.n * times;
      else if (l.kind === 'convtranspose2d') macs += n * (l.c / l.group) * Math.ceil(l.kh / l.sh) * Math.ceil(l.kw / l.sw) * times;
    }
  };
  walk(design.layers, 1);
  return macs / 2e9 + values / 2e8;
}

/**
 * Runs `samples` samples on `threads` threads (the caller and threads − 1 workers); `run` is the sequential batch
 * (writing into `outs` when given), used for the caller's chunk and for any chunk a worker could not do. Null when no worker could start.
 */
export function parallelBatch(design: Design, inputs: readonly Float64Array[], samples: number, threads: number, pers: readonly number[],
  outPers: readonly number[], run: (inputs: Float64Array[], samples: number, outs?: Float64Array[]) => Float64Array[], sat?: Map<string, number>): Float64Array[] | null {
  const nw = threads - 1;
  lastWorkers = 0;
  const p = poolFor(design, nw);
  if (!p) return null;
  lastWorkers = nw;
  const bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * samples) / threads));
  const flags = p.flags;
  // Workers write their samples' outputs straight into the result (shared memory, each its own range), and read
  // inputs in place when they already live in shared memory; others are copied (first touch of fresh memory is
  // much of a small model's batch time).
  const result = outPers.map((n) => new Float64Array(new SharedArrayBuffer(8 * samples * n)));
  // Saturation counts come back per tensor, in the order of this list (the caller's `run` counts its own chunk).
  const keys = sat ? Object.keys(design.tensors) : null;
  const counts: (Float64Array | null)[] = [];
  for (let i = 0; i < nw; i++) {
    const [s0, s1] = [bounds[i + 1], bounds[i + 2]];
    let kept = 0;
    const ins = inputs.map((x, k) => {
      const part = x.subarray(s0 * pers[k], s1 * pers[k]);
      if (x.buffer instanceof SharedArrayBuffer) return part;
      let buf = p.scratch[i][k];
      if (!buf || buf.length < part.length) buf = new Float64Array(new SharedArrayBuffer(8 * part.length));
      kept += 8 * buf.length;
      p.scratch[i][k] = kept <= SCRATCH_KEEP ? buf : undefined;
      const a = buf.subarray(0, part.length);
      a.set(part);
      return a;
    });
    const outs = result.map((o, k) => o.subarray(s0 * outPers[k], s1 * outPers[k]));
    counts.push(keys ? new Float64Array(new SharedArrayBuffer(8 * keys.length)) : null);
    Atomics.store(flags, i, 0);
    p.workers[i].postMessage({ ins, outs, samples: s1 - s0, keys, counts: counts[i] });
  }
  try {
    // The caller's chunk writes straight into the result too.
    run(inputs.map((x, k) => x.subarray(0, bounds[1] * pers[k])), bounds[1], result.map((o, k) => o.subarray(0, bounds[1] * outPers[k])));
  } catch (e) {
    // The workers are still on their chunks (their flags and scratch inputs): a later batch must not share them.
    closePool();
    throw e;
  }
  waitAll(flags, nw, Infinity);
  for (let i = 0; i < nw; i++) {
    const [s0, s1] = [bounds[i + 1], bounds[i + 2]];
    const c = counts[i];
    if (Atomics.load(flags, i) === 1) {
      if (sat && keys && c) keys.forEach((name, j) => { if (c[j] > 0 || sat.has(name)) sat.set(name, (sat.get(name) ?? 0) + c[j]); });
    } else {
      // A failed chunk reruns here (counting into `sat` itself).
      run(inputs.map((x, k) => x.subarray(s0 * pers[k], s1 * pers[k])), s1 - s0).forEach((o, k) => result[k].set(o, s0 * outPers[k]));
    }
  }
  return result;
}

/** Stops the pool's workers (they are unref'd, so this is only needed to free their memory early). */
export function stopBatchWorkers(): void {
  closePool();
}
