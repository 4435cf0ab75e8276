/**
 * @fileoverview What an op's `lower` sees: the already-lowered tensors, the graph's constants, the chosen formats,
 * and ways to declare outputs, constants and layers. Implemented by src/quant/lower.ts.
 */
import type { FixedFormat } from '../../sim/fixed.js';
import { capFraction, formatForRange, maxAbsOf } from './range.js';
import type { ConstData, DTensor, Layer } from '../ir/design.js';
import type { Graph, Node, Tensor } from '../ir/graph.js';

export interface QuantOptions {
  /** Format of activations (every layer output) unless an op chooses otherwise. */
  readonly activation: FixedFormat;
  /** Format of weights. */
  readonly weight: FixedFormat;
  /** Format of biases. */
  readonly bias: FixedFormat;
  /**
   * Calibrated formats of graph values (`--calibrate`): graph inputs and node outputs by ONNX name, values inside
   * a region body as `<region node>/<value>`. `LowerContext.output` and the graph inputs take these unless an op
   * asks for a particular format; values absent here take `activation`.
   */
  readonly valueFormats?: ReadonlyMap<string, FixedFormat>;
  /** Calibrated loop-region state formats by region node name (the range over every step). */
  readonly regionFormats?: ReadonlyMap<string, FixedFormat>;
  /**
   * Constants take a per-tensor format from their own values (`paramFormat`): the weight/bias width with the
   * fewest integer bits that hold them. Off: every weight has `weight`, every bias `bias`.
   */
  readonly constantsFromValues?: boolean;
  /** With constantsFromValues: per-output-channel weight precision where a layer benefits (default true). */
  readonly perChannel?: boolean;
}

/**
 * The format of a constant: `opts.weight` / `opts.bias`, or with `constantsFromValues` the same width with the
 * fewest integer bits holding every value, and at most `maxFrac` fraction bits (a bias added to a product of
 * fraction F needs no more than F; an addend of a tensor of fraction F gets at most F + its width, which keeps the
 * exact sum within the widths a product of the two would have).
 */
export function paramFormat(opts: QuantOptions, role: 'weight' | 'bias', values: ArrayLike<number>, maxFrac?: number): FixedFormat {
  const base = role === 'weight' ? opts.weight : opts.bias;
  if (!opts.constantsFromValues) return base;
  const f = formatForRange(base, maxAbsOf(values));
  return maxFrac === undefined ? f : capFraction(f, maxFrac);
}

export interface LowerContext {
  readonly opts: QuantOptions;
  /** The design tensor holding a graph value produced earlier (or a graph input). */
  input(onnxName: string): DTensor;
  /** The float value of a constant graph value, if it is one. */
  constant(onnxName: string): Tensor | undefined;
  shape(onnxName: string): readonly number[];
  /** A design tensor internal to one node's lowering (no ONNX value: e.g. a requantization's wide integer). */
  temp(hint: string, shape: readonly number[], format: FixedFormat): DTensor;
  /**
   * Declares the design tensor for a node output. Format: `format` when given, else the value's calibrated format
   * (opts.valueFormats), else opts.activation.
   */
  output(onnxName: string, format?: FixedFormat): DTensor;
  /** Quantizes float values into a named constant (raws in `format`, rounded by its own mode). */
  constData(hint: string, shape: readonly number[], values: ArrayLike<number>, format: FixedFormat): ConstData;
  /** A constant from raws already in `format` (tables the compiler computed). */
  rawData(hint: string, shape: readonly number[], raws: readonly number[], format: FixedFormat): ConstData;
  /** A unique C-safe layer name derived from the node. */
  layerName(node: Node): string;
  add(layer: Layer): void;
  /** Aborts lowering of this node with a diagnostic. */
  fail(node: Node, message: string): never;
  /**
   * Lowers a region body (one input: the state, one output: the next state) into its own layer list; the state
   * tensors it declares have `stateFormat`.
   */
  lowerRegion(body: Graph, stateIn: DTensor, stateFormat: FixedFormat): { stateIn: DTensor; stateOut: DTensor; layers: Layer[] };
}
