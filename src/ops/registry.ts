/**
 * @fileoverview The op registry: every ONNX op fpgac accepts, keyed by op type. docs/ops.md is generated from it
 * and a test checks that every lowerable op has a simulator kernel, an HLS kernel and a renderer. The typed view of
 * a node's params (OpParams, paramsOf, isOp) is derived from this one list, so an op added here is typed everywhere.
 */
import type { Node } from '../ir/graph.js';
import type { AnyOpDef, OpDef } from './types.js';
import { ConvOp } from './conv.js';
import { ConvTransposeOp } from './convtranspose.js';
import { ClipOp, ReluOp, SigmoidOp } from './activation.js';
import { AddOp, DivOp, MulOp, PowOp, SubOp } from './elementwise.js';
import { DenseOp, GemmOp, MatMulOp } from './dense.js';
import { AveragePoolOp, GlobalAveragePoolOp, GlobalMaxPoolOp, MaxPoolOp } from './pool.js';
import {
  ArgMaxOp, ArgMinOp, ReduceL1Op, ReduceL2Op, ReduceLogSumExpOp, ReduceMaxOp, ReduceMeanOp, ReduceMinOp, ReduceProdOp,
  ReduceSumOp, ReduceSumSquareOp,
} from './reduce.js';
import { MaxOp, MeanOp, MinOp, SumOp } from './nary.js';
import { SoftmaxOp } from './softmax.js';
import { AbsOp, CeilOp, FloorOp, HardSigmoidOp, HardSwishOp, LeakyReluOp, NegOp, PReluOp, RoundOp, SignOp, ThresholdedReluOp } from './zoo-pwl.js';
import { CeluOp, EluOp, ExpOp, GeluOp, MishOp, SeluOp, SoftplusOp, SoftsignOp, TanhOp } from './zoo-curve.js';
import { LogOp, ReciprocalOp, SqrtOp } from './arith-curve.js';
import { DepthToSpaceOp, PadOp, SpaceToDepthOp, SplitOp } from './movement.js';
import { ResizeOp, UpsampleOp } from './resize.js';
import { BatchNormalizationOp } from './batchnorm.js';
import { LoopOp, LoopRegionOp } from './loop.js';
import { QLinearConvOp, QLinearMatMulOp } from './qlinear.js';
import { BipolarQuantOp, DequantizeLinearOp, IntQuantOp, QuantizeLinearOp, QuantOp } from './quantize.js';
import {
  CastOp, ConcatOp, ConstantOfShapeOp, ConstantOp, DropoutOp, FlattenOp, GatherOp, IdentityOp, ReshapeOp, ShapeOp,
  SliceOp, SqueezeOp, TransposeOp, UnsqueezeOp,
} from './shape.js';

const ALL = [
  ConvOp, GemmOp, MatMulOp, DenseOp,
  ConvTransposeOp,
  AddOp, SubOp, MulOp, DivOp, PowOp,
  ReluOp, ClipOp, SigmoidOp, SoftmaxOp,
  LeakyReluOp, PReluOp, ThresholdedReluOp, HardSigmoidOp, HardSwishOp, AbsOp, NegOp, SignOp, FloorOp, CeilOp, RoundOp,
  TanhOp, SoftplusOp, SoftsignOp, MishOp, GeluOp, EluOp, SeluOp, CeluOp, ExpOp,
  SqrtOp, ReciprocalOp, LogOp,
  MaxPoolOp, AveragePoolOp, GlobalAveragePoolOp, GlobalMaxPoolOp,
  ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp, ReduceL1Op, ReduceL2Op, ReduceSumSquareOp, ReduceLogSumExpOp, ReduceProdOp,
  ArgMaxOp, ArgMinOp, MaxOp, MinOp, SumOp, MeanOp,
  BatchNormalizationOp,
  QuantizeLinearOp, DequantizeLinearOp, QuantOp, IntQuantOp, BipolarQuantOp,
  LoopOp, LoopRegionOp,
  QLinearConvOp, QLinearMatMulOp,
  FlattenOp, ReshapeOp, TransposeOp, SqueezeOp, UnsqueezeOp, IdentityOp, DropoutOp,
  ShapeOp, GatherOp, ConcatOp, CastOp, SliceOp, ConstantOp, ConstantOfShapeOp,
  SplitOp, PadOp, DepthToSpaceOp, SpaceToDepthOp, ResizeOp, UpsampleOp,
] as const;

export const OPS: ReadonlyMap<string, AnyOpDef> = new Map(ALL.map((d): [string, AnyOpDef] => [d.op, d]));

type Registered = (typeof ALL)[number];

/** Every op type fpgac knows. */
export type OpName = Registered['op'];

/** The params `parse` gives each op: `OpParams['Conv']` is ConvParams. */
export type OpParams = { readonly [D in Registered as D['op']]: D extends OpDef<infer P, string> ? P : never };

/** A node of one of the ops `K`, with that op's params: checking `op` narrows `params`. */
export type OpNode<K extends OpName = OpName> = { readonly [Q in K]: Node & { readonly op: Q; readonly params: OpParams[Q] } }[K];

/** Whether `n` is a parsed node of one of `ops` (then its params have that op's type). */
export function isOp<K extends OpName>(n: Node, ...ops: readonly K[]): n is OpNode<K> {
  return (ops as readonly string[]).includes(n.op) && n.params !== undefined;
}

/**
 * The params of a parsed node of one of `ops`, typed; any other node is an internal error (a pass reading params
 * it did not check the op of). Passes run on inferred graphs, where every node is parsed.
 */
export function paramsOf<K extends OpName>(n: Node, ...ops: readonly K[]): OpParams[K] {
  if (!isOp(n, ...ops)) throw new Error(`internal error: node '${n.name}' is ${n.op}${n.params === undefined ? ' (not parsed)' : ''}, not ${ops.join(' or ')}`);
  return n.params;
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

/** The domain of fpgac's canonical ops (Dense, LoopRegion): made by passes only, never read from a model. */
const INTERNAL_DOMAIN = 'fpgac';

export function lookupOp(op: string, domain: string): AnyOpDef | undefined {
  const def = OPS.get(op);
  if (!def) return undefined;
  if (def.domains?.includes(INTERNAL_DOMAIN)) return domain === INTERNAL_DOMAIN ? def : undefined;
  if (DEFAULT_DOMAINS.has(domain) || def.domains?.includes(domain)) return def;
  return undefined;
}

export function allOps(): readonly AnyOpDef[] {
  return ALL;
}
