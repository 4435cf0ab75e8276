/**
 * @fileoverview Generates docs/ops.md from the op registry and the kernel tables, so the support table can
 * never drift from the code (a test compares the committed file with this output). Run: node dist/src/docs.js
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allOps } from './ops/registry.js';
import { KINDS } from './kinds/index.js';
import { packageRoot } from './paths.js';

/** Which layer kinds each op family lowers to (documentation only; the registry test checks the kernels). */
const FAMILY_LAYERS: Record<string, string> = {
  conv: 'conv2d', convtranspose: 'convtranspose2d', dense: 'dense, matmul', elementwise: 'eltwise', activation: 'unary (or fused into the producer)',
  nonlinear: 'lut, softmax', pool: 'pool2d (3-D: two pool2d, (H, W) then depth; MaxPool Indices: a pool2d argmax; refused: Indices of a 3-D MaxPool)', layout: 'transpose', shape: 'unary (copy) or removed', batchnorm: 'folded into Conv/Dense, or Mul+Add (foldBatchNorm)', loop: 'loop region (one engine, weights stored once)', qlinear: 'exact integer conv2d/dense, then requantization (eltwise)', quantize: 'unary cast to the exact ap_fixed grid (power-of-two scale, zero point 0); weights constant-folded',
  movement: 'gather (per-axis index tables, pad value)', resize: 'gather (nearest), interp (linear, cubic, antialias: per-axis taps and weight tables); refused: tf_half_pixel_for_nn, non-whole Upsample scales',
  'arith-curve': 'octave (table with knots per octave of the input; Sqrt(x < 0) = 0, Log(x ≤ 0) = output minimum, Reciprocal(0) = output maximum)',
  reduce: 'reduce (non-adjacent axes: transpose first; refused: an exact sum wider than 52 bits)', nary: 'chain of eltwise add/max/min (Mean: then × 1/n)',
};

const OP_LAYERS: Record<string, string> = {
  Clip: 'unary or fused into the producer (constant bounds); eltwise max, min (run-time scalar bounds)', Cast: 'unary copy in the input\'s format (value-preserving casts: integer input → float), or folded',
  LeakyRelu: 'pwl, or fused into the producing Conv/Dense/Add (leaky on the exact accumulator)', PRelu: 'pwl, or fused like LeakyRelu when it has one slope',
  Conv: 'conv2d (3-D: depth-column gathers, one conv2d with a group per output depth, a transpose; also QONNX channels-last Conv, BatchNormalization, MaxPool, AveragePool: the standard op between NHWC ↔ NCHW transposes)',
  Div: 'Mul by 1/c (constant divisor, divToMul); octave reciprocal then eltwise mul (run-time divisor; x/0 saturates; refused: integer division)',
  Concat: 'concat (run-time and constant parts)', Slice: 'gather (refused: an empty result)', Pad: 'gather (constant, reflect, edge, wrap; refused: negative pads outside constant mode), or folded into Conv/pool padding (foldPad)', DepthToSpace: 'transpose (rank-6 view)', SpaceToDepth: 'transpose (rank-6 view)', ConvTranspose: 'convtranspose2d (1-D, 2-D; refused: 3-D, and SAME_* asking for more than the full output)', Loop: 'loop region when it has a constant trip count and one carried tensor (loopRegions)', Sigmoid: 'lut (table computed by the compiler)', Softmax: 'softmax (exp table, integer reciprocal)' };

export function renderOpsDoc(): string {
  const rows = allOps()
    .filter((d) => !d.domains?.includes('fpgac'))
    .map((d) => {
      const hw = OP_LAYERS[d.op] ?? (d.lower ? FAMILY_LAYERS[d.family] ?? d.family : d.family === 'batchnorm' ? FAMILY_LAYERS.batchnorm : 'constant folding only');
      const needs = d.constantInputs?.length ? `inputs ${d.constantInputs.join(', ')} constant` : '';
      return `| ${d.op} | ${d.family} | ${hw} | ${needs} |`;
    });
  const kernels = Object.values(KINDS).map((k) => `| ${k.kind} | ${k.doc} | src/kinds/${k.kind}.ts | sim/kernels/${k.family}.ts | hw/fpgac/${k.family}.h |`);
  return [
    '# Supported ONNX ops',
    '',
    'Generated from `src/ops/registry.ts` by `node dist/src/docs.js`; a test keeps it current.',
    '',
    '| op | family | lowered to | requires |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Variants refused on purpose',
    '',
    'Each is refused with a diagnostic naming the node, the op and the reason; the ONNX node conformance test accepts a',
    'rejected node test only when its diagnostic is one of these.',
    '',
    '| op | variant | why |',
    '|---|---|---|',
    ...allOps().flatMap((d) => (d.unsupported ?? []).map((u) => `| ${d.op} | ${u.variant} | ${u.reason} |`)),
    '',
    '## Layer kinds of the fixed-point design',
    '',
    '| layer kind | computes | definition | simulator kernel | HLS kernel |',
    '|---|---|---|---|---|',
    ...kernels,
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(path.join(packageRoot(), 'docs', 'ops.md'), renderOpsDoc());
}
