/**
 * @fileoverview Generates docs/ops.md from the op registry and the kernel tables, so the support table can
 * never drift from the code (a test compares the committed file with this output). Run: node dist/src/docs.js
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allOps } from './ops/registry.js';
import { KERNEL_HEADERS } from './emit/project.js';
import { packageRoot } from './paths.js';

/** Which layer kinds each op family lowers to (documentation only; the registry test checks the kernels). */
const FAMILY_LAYERS: Record<string, string> = {
  conv: 'conv2d', dense: 'dense, matmul', elementwise: 'eltwise', activation: 'unary (or fused into the producer)',
  nonlinear: 'lut, softmax', pool: 'pool2d', layout: 'transpose', shape: 'unary (copy) or removed', batchnorm: 'folded into Conv/Dense, or Mul+Add (foldBatchNorm)', loop: 'loop region (one engine, weights stored once)', qlinear: 'exact integer conv2d/dense, then requantization (eltwise)', quantize: 'unary cast to the exact ap_fixed grid (power-of-two scale, zero point 0); weights constant-folded',
};

const OP_LAYERS: Record<string, string> = { Loop: 'loop region when it has a constant trip count and one carried tensor (loopRegions)', Sigmoid: 'lut (table computed by the compiler)', Softmax: 'softmax (exp table, integer reciprocal)' };

export function renderOpsDoc(): string {
  const rows = allOps()
    .filter((d) => !d.domains?.includes('fpgac'))
    .map((d) => {
      const hw = OP_LAYERS[d.op] ?? (d.lower ? FAMILY_LAYERS[d.family] ?? d.family : d.family === 'batchnorm' ? FAMILY_LAYERS.batchnorm : 'constant folding only');
      const needs = d.constantInputs?.length ? `inputs ${d.constantInputs.join(', ')} constant` : '';
      return `| ${d.op} | ${d.family} | ${hw} | ${needs} |`;
    });
  const kernels = Object.entries(KERNEL_HEADERS).map(([k, h]) => `| ${k} | sim/kernels/${h.replace('.h', '.ts')} | hw/fpgac/${h} |`);
  return [
    '# Supported ONNX ops',
    '',
    'Generated from `src/ops/registry.ts` by `node dist/src/docs.js`; a test keeps it current.',
    '',
    '| op | family | lowered to | requires |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Layer kinds of the fixed-point design',
    '',
    '| layer kind | simulator kernel | HLS kernel |',
    '|---|---|---|',
    ...kernels,
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(path.join(packageRoot(), 'docs', 'ops.md'), renderOpsDoc());
}
