/**
 * @fileoverview The op registry: every ONNX op fpgac accepts, keyed by op type. docs/ops.md is generated from it
 * and a test checks that every lowerable op has a simulator kernel, an HLS kernel and a renderer.
 */
import type { AnyOpDef } from './types.js';
import { ConvOp } from './conv.js';
import { ClipOp, ReluOp, SigmoidOp } from './activation.js';
import { AddOp, DivOp, MulOp, PowOp, SubOp } from './elementwise.js';
import { DenseOp, GemmOp, MatMulOp } from './dense.js';
import { AveragePoolOp, GlobalAveragePoolOp, GlobalMaxPoolOp, MaxPoolOp } from './pool.js';
import { SoftmaxOp } from './softmax.js';
import { BatchNormalizationOp } from './batchnorm.js';
import { LoopOp, LoopRegionOp } from './loop.js';
import { QLinearConvOp, QLinearMatMulOp } from './qlinear.js';
import { BipolarQuantOp, DequantizeLinearOp, IntQuantOp, QuantizeLinearOp, QuantOp } from './quantize.js';
import {
  CastOp, ConcatOp, ConstantOfShapeOp, ConstantOp, DropoutOp, FlattenOp, GatherOp, IdentityOp, ReshapeOp, ShapeOp,
  SliceOp, SqueezeOp, TransposeOp, UnsqueezeOp,
} from './shape.js';

const ALL: readonly AnyOpDef[] = [
  ConvOp, GemmOp, MatMulOp, DenseOp,
  AddOp, SubOp, MulOp, DivOp, PowOp,
  ReluOp, ClipOp, SigmoidOp, SoftmaxOp,
  MaxPoolOp, AveragePoolOp, GlobalAveragePoolOp, GlobalMaxPoolOp,
  BatchNormalizationOp,
  QuantizeLinearOp, DequantizeLinearOp, QuantOp, IntQuantOp, BipolarQuantOp,
  LoopOp, LoopRegionOp,
  QLinearConvOp, QLinearMatMulOp,
  FlattenOp, ReshapeOp, TransposeOp, SqueezeOp, UnsqueezeOp, IdentityOp, DropoutOp,
  ShapeOp, GatherOp, ConcatOp, CastOp, SliceOp, ConstantOp, ConstantOfShapeOp,
];

export const OPS: ReadonlyMap<string, AnyOpDef> = new Map(ALL.map((d) => [d.op, d]));

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
