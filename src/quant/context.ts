/**
 * @fileoverview What an op's `lower` sees: the already-lowered tensors, the graph's constants, the chosen formats,
 * and ways to declare outputs, constants and layers. Implemented by src/quant/lower.ts.
 */
import type { FixedFormat } from '../../sim/fixed.js';
import type { ConstData, DTensor, Layer } from '../ir/design.js';
import type { Graph, Node, Tensor } from '../ir/graph.js';

export interface QuantOptions {
  /** Format of activations (every layer output) unless an op chooses otherwise. */
  readonly activation: FixedFormat;
  /** Format of weights. */
  readonly weight: FixedFormat;
  /** Format of biases. */
  readonly bias: FixedFormat;
  /** Calibrated largest |state| of loop regions, by region node name (absent: the activation format). */
  readonly regionRanges?: ReadonlyMap<string, number>;
}

export interface LowerContext {
  readonly opts: QuantOptions;
  /** The design tensor holding a graph value produced earlier (or a graph input). */
  input(onnxName: string): DTensor;
  /** The float value of a constant graph value, if it is one. */
  constant(onnxName: string): Tensor | undefined;
  shape(onnxName: string): readonly number[];
  /** Declares the design tensor for a node output (default format: opts.activation). */
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
