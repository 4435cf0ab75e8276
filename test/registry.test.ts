/**
 * The registry is complete: every op has its parse, shape rule and float reference; every layer kind has a
 * simulator kernel, a renderer, an HLS kernel header, and a g++ bit-exactness test; docs/ops.md is current.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { allOps } from '../src/ops/registry.js';
import { SIM_KERNELS } from '../sim/kernels/index.js';
import { KINDS } from '../src/kinds/index.js';
import { renderOpsDoc } from '../src/docs.js';
import { REPO } from './support/harness.js';

describe('op registry', () => {
  it('every op parses, infers shapes and has a float reference', () => {
    for (const d of allOps()) {
      expect(typeof d.parse, d.op).toBe('function');
      expect(typeof d.infer, d.op).toBe('function');
      expect(typeof d.evaluate, d.op).toBe('function');
    }
  });

  it('every layer kind has an HLS header, a bit-exactness test, and the simulator runs the kernel its definition names', () => {
    const kinds = Object.keys(KINDS);
    // The simulator keeps its own kernel table (sim DIR starts without loading the compiler); it must be the kinds'.
    expect(Object.keys(SIM_KERNELS).sort()).toEqual([...kinds].sort());
    for (const def of Object.values(KINDS)) expect(SIM_KERNELS[def.kind] === def.simulate, def.kind).toBe(true);
    const kernelTests = readdirSync(path.join(REPO, 'test', 'kernels')).map((f) => readFileSync(path.join(REPO, 'test', 'kernels', f), 'utf8')).join('\n');
    for (const { kind, family } of Object.values(KINDS)) {
      const header = `${family}.h`;
      expect(existsSync(path.join(REPO, 'hw', 'fpgac', header)), header).toBe(true);
      expect(kernelTests.includes(`kind: '${kind}'`), `a test in test/kernels builds a '${kind}' layer`).toBe(true);
    }
  });

  it('docs/ops.md is generated from the registry (run `node dist/src/docs.js` after changing ops)', () => {
    expect(readFileSync(path.join(REPO, 'docs', 'ops.md'), 'utf8')).toBe(renderOpsDoc());
  });
});
