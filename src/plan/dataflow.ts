/**
 * @fileoverview The dataflow schedule (`--schedule dataflow`): every top-level layer, and every loop region as a
 * whole, is a process of one `#pragma HLS DATAFLOW` region, the processes connected by ping-pong buffers (PIPO: the
 * producer fills one copy while the consumer reads the other). A new sample enters the first process as soon as it
 * is free, so the design's initiation interval is its slowest process, not the sum of all.
 *
 * HLS requires every channel to have one producer and one consumer. A feature map read by several layers (a
 * residual's skip input), or an output port some layer also reads, gets a fan-out process that copies it into one
 * array per consumer (and into the port). Those copies are stages too, and their buffers are charged.
 */
import type { Design, Layer } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { PIPELINE_DEPTH } from './estimate.js';

/** A tensor copied by a fan-out process into one array per consumer (and the output port when it is one). */
export interface Fanout {
  readonly tensor: string;
  /** The layers reading it, each from its own copy `${tensor}_to_${layer}`. */
  readonly consumers: readonly string[];
  /** The tensor is a graph output: the producer writes `${tensor}_src`, the fan-out copies it to the port too. */
  readonly toPort: boolean;
}

/** The array holding a fan-out tensor's copy for one consumer (generated identifiers only). */
export const fanoutCopy = (tensor: string, layer: string): string => `${tensor}_to_${layer}`;
/** The array a fanned-out output's producer writes (the port is written by the fan-out process). */
export const fanoutSource = (tensor: string): string => `${tensor}_src`;

/** The top-level tensors that more than one process reads (a graph output counts as one reader). */
export function fanouts(design: Design): Fanout[] {
  const readers = new Map<string, string[]>();
  for (const l of design.layers) {
    for (const t of new Set(l.inputs)) readers.set(t, [...(readers.get(t) ?? []), l.name]);
  }
  const outputs = new Set(design.outputs);
  const res: Fanout[] = [];
  for (const [tensor, consumers] of readers) {
    const toPort = outputs.has(tensor);
    if (consumers.length + (toPort ? 1 : 0) > 1) res.push({ tensor, consumers, toPort });
  }
  return res;
}

/** Cycles of a fan-out process: one element from each of the tensor's banks a cycle. */
export function fanoutLatency(design: Design, f: Fanout, lanes: number): number {
  return numel(design.tensors[f.tensor].shape) / lanes + PIPELINE_DEPTH;
}

/**
 * Latency and initiation interval of the dataflow region: a process starts a sample when all its inputs' producers
 * have finished it (ping-pong buffers hand over whole arrays), so the latency is the longest path of process
 * latencies; the interval is the slowest process.
 */
export function dataflowTiming(design: Design, stage: (l: Layer) => number, fanoutStages: ReadonlyMap<string, number>): { latency: number; ii: number } {
  const done = new Map<string, number>();
  for (const t of design.inputs) done.set(t, 0);
  let latency = 0;
  let ii = 1;
  const ready = (t: string) => {
    const f = fanoutStages.get(t);
    return (done.get(t) ?? 0) + (f ?? 0);
  };
  for (const l of design.layers) {
    const start = Math.max(0, ...l.inputs.map(ready));
    const s = stage(l);
    done.set(l.output, start + s);
    latency = Math.max(latency, start + s);
    ii = Math.max(ii, s);
  }
  for (const [t, f] of fanoutStages) {
    ii = Math.max(ii, f);
    if (design.outputs.includes(t)) latency = Math.max(latency, ready(t));
  }
  return { latency, ii };
}

export const DATAFLOW_MODEL =
  'Dataflow schedule: each top-level layer and each loop region is a process of one DATAFLOW region, connected ' +
  'by ping-pong buffers (two copies of every feature map between processes, each charged); a feature map read by ' +
  'several processes is copied by a fan-out process, one array per reader. A process starts a sample when its ' +
  'inputs are complete: the latency is the longest path of process latencies, the initiation interval the ' +
  'slowest process. The planner gives parallelism to the layers of the slowest process first. Back-to-back ' +
  'samples overlap only when the caller starts the next one before the last finishes (the AXI wrappers run their ' +
  'sample loop as a dataflow region: read, core, write).';
