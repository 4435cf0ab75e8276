/**
 * Resource limits (src/limits.ts): each limit refuses a model above it with FPGAC013 naming the limit, the value
 * found and how to raise it, before the memory or time is spent; each is raised by `limits` in the compile options
 * and by `--limit KEY=N` on the command line, which validates its argument (FPGAC005).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../src/compile.js';
import { DiagnosticError, formatDiagnostic } from '../src/diagnostics.js';
import { DEFAULT_LIMITS, parseLimit, parseLimits, resolveLimits, type Limits } from '../src/limits.js';
import { main } from '../src/cli.js';
import { buildModel, type GraphSpec, type ModelSpec } from './support/onnx-builder.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-limits-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(spec: ModelSpec): string {
  const file = path.join(dir, `m${n++}.onnx`);
  buildModel(spec, file);
  return file;
}

function lines(file: string, limits?: Partial<Limits>): string[] {
  try {
    compileModel(file, { limits });
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  return [];
}

function reluChain(count: number): string {
  return write({
    inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }],
    nodes: Array.from({ length: count }, (_, i) => ({ op: 'Relu', inputs: [i ? `v${i}` : 'x'], outputs: [i === count - 1 ? 'y' : `v${i + 1}`], name: `r${i}` })),
  });
}

/** `depth` Loops nested in each other, each running `trips` times, around a Relu. */
function nestedLoops(depth: number, trips: number | number[]): string {
  const tripsAt = (level: number) => (Array.isArray(trips) ? trips[level] : trips);
  const body = (level: number): GraphSpec => ({
    inputs: [{ name: `i${level}`, dims: [], type: 7 }, { name: `ci${level}`, dims: [], type: 9 }, { name: `s${level}` }],
    outputs: [{ name: `co${level}`, dims: [], type: 9 }, { name: `sn${level}` }],
    initializers: level < depth ? [{ name: `M${level}`, dims: [], values: [tripsAt(level)], type: 7 }, { name: `c${level}`, dims: [], values: [1], type: 9 }] : [],
    nodes: [
      { op: 'Identity', inputs: [`ci${level}`], outputs: [`co${level}`] },
      level < depth
        ? { op: 'Loop', inputs: [`M${level}`, `c${level}`, `s${level}`], outputs: [`sn${level}`], name: `loop${level + 1}`, attrs: { body: { graph: body(level + 1) } } }
        : { op: 'Relu', inputs: [`s${level}`], outputs: [`sn${level}`] },
    ],
  });
  return write({
    inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }],
    initializers: [{ name: 'M', dims: [], values: [tripsAt(0)], type: 7 }, { name: 'c', dims: [], values: [1], type: 9 }],
    nodes: [{ op: 'Loop', inputs: ['M', 'c', 'x'], outputs: ['y'], name: 'loop1', attrs: { body: { graph: body(1) } } }],
  });
}

describe('parsing limits', () => {
  it('KEY=VALUE with the six names; later values win', () => {
    expect(parseLimit('elements=67108864')).toEqual(['elements', 67108864]);
    expect(parseLimits(['constant-bytes=1', 'loop-depth=2', 'loop-trips=3', 'nodes=4', 'nodes=5', 'fold-ops=6'])).toEqual({ constantBytes: 1, loopDepth: 2, loopTrips: 3, nodes: 5, foldOps: 6 });
    expect(resolveLimits({ nodes: 7 })).toEqual({ ...DEFAULT_LIMITS, nodes: 7 });
    // The defaults the README documents.
    expect(DEFAULT_LIMITS).toEqual({ elements: 16_777_216, constantBytes: 1_073_741_824, loopDepth: 4, loopTrips: 1_000_000, nodes: 100_000, foldOps: 268_435_456 });
  });

  it('an unknown key or a value that is not a positive whole number is FPGAC005', () => {
    for (const s of ['foo=1', 'Elements=5', 'elements', 'elements=', 'elements=0', 'elements=-5', 'elements=1.5', 'elements=1e6', 'elements=9007199254740993', '=3']) {
      expect(() => parseLimit(s), s).toThrow(/FPGAC005/);
    }
    expect(() => resolveLimits({ elements: 0 })).toThrow(/FPGAC005/);
    expect(() => resolveLimits({ bogus: 1 } as Partial<Limits>)).toThrow(/FPGAC005: unknown limit 'bogus'/);
  });
});

describe('each limit refuses with FPGAC013 and is raised by the option', () => {
  it('elements: a graph input, an initializer, an inferred output', () => {
    const input = write({ inputs: [{ name: 'x', dims: ['N', 101] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    expect(lines(input, { elements: 100 })).toEqual(["error FPGAC013: graph input 'x' [1, 101] has 101 elements, above the limit of 100 (raise it with --limit elements=N)"]);
    expect(lines(input, { elements: 101 })).toEqual([]);
    const init = write({ inputs: [{ name: 'x', dims: ['N', 101] }], outputs: [{ name: 'y' }], initializers: [{ name: 'b', dims: [101], values: new Array(101).fill(1) }], nodes: [{ op: 'Add', inputs: ['x', 'b'], outputs: ['y'] }] });
    expect(lines(init, { elements: 100 })).toContain("error FPGAC013: tensor 'b' [101] has 101 elements, above the limit of 100 (raise it with --limit elements=N)");
    const fill = write({ inputs: [{ name: 'x', dims: ['N', 2] }], outputs: [{ name: 'y' }], initializers: [{ name: 's', dims: [2], values: [50, 3], type: 7 }],
      nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'], name: 'fill' }, { op: 'Flatten', inputs: ['z'], outputs: ['f'] }, { op: 'Gather', inputs: ['f', 's'], outputs: ['g'] }, { op: 'Add', inputs: ['x', 'x'], outputs: ['y'] }] });
    expect(lines(fill, { elements: 100 })).toEqual(["error FPGAC013: node 'fill' (op ConstantOfShape): output [50, 3] has 150 elements, above the limit of 100 (raise it with --limit elements=N)"]);
    expect(lines(fill, { elements: 150 })[0] ?? '').not.toMatch(/FPGAC013/);
  });

  it('elements: ConstantOfShape [2^28] is refused by default before allocating 2 GiB', () => {
    const file = write({ inputs: [{ name: 'x', dims: ['N', 2] }], outputs: [{ name: 'y' }], initializers: [{ name: 's', dims: [1], values: [2 ** 28], type: 7 }],
      nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'], name: 'n' }, { op: 'Add', inputs: ['x', 'x'], outputs: ['y'] }] });
    expect(lines(file)).toEqual(["error FPGAC013: node 'n' (op ConstantOfShape): output [268435456] has 268,435,456 elements, above the limit of 16,777,216 (raise it with --limit elements=N)"]);
  });

  it('constant-bytes: initializers, and what constant folding produces', () => {
    const inits = write({ inputs: [{ name: 'x', dims: ['N', 100] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'a', dims: [100], values: new Array(100).fill(1) }, { name: 'b', dims: [100], values: new Array(100).fill(2) }],
      nodes: [{ op: 'Add', inputs: ['x', 'a'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'b'], outputs: ['y'] }] });
    expect(lines(inits, { constantBytes: 1000 })).toEqual(["error FPGAC013: constant 'b' (800 bytes) brings the constants to 1,600 bytes, above the limit of 1,000 (raise it with --limit constant-bytes=N)"]);
    expect(lines(inits, { constantBytes: 1600 })).toEqual([]);
    const folded = write({ inputs: [{ name: 'x', dims: ['N', 200] }], outputs: [{ name: 'y' }], initializers: [{ name: 's', dims: [2], values: [1, 200], type: 7 }],
      nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'], name: 'fill' }, { op: 'Add', inputs: ['x', 'z'], outputs: ['y'], name: 'add' }] });
    expect(lines(folded, { constantBytes: 1000 })).toEqual(["error FPGAC013: node 'fill' (op ConstantOfShape): constant 'z' (1,600 bytes) brings the constants to 1,616 bytes, above the limit of 1,000 (raise it with --limit constant-bytes=N)"]);
    expect(lines(folded, { constantBytes: 2000 })).toEqual([]);
  });

  it('loop-depth: 5 nested Loops (and 30) are refused at load; raised, they are not', () => {
    expect(lines(nestedLoops(5, 2))).toEqual(["error FPGAC013: node 'loop5' (op Loop): its body is nested 5 graphs deep, above the limit of 4 (raise it with --limit loop-depth=N)"]);
    expect(lines(nestedLoops(30, 1))).toEqual(["error FPGAC013: node 'loop30' (op Loop): its body is nested 30 graphs deep, above the limit of 4 (raise it with --limit loop-depth=N)"]);
    expect(lines(nestedLoops(5, 2), { loopDepth: 5 }).filter((l) => l.includes('FPGAC013'))).toEqual([]);
    expect(lines(nestedLoops(2, 2))).toEqual([]);
  });

  it('loop-trips: a trip count, 2^62 (read as the largest safe integer), and the product of nested trip counts', () => {
    expect(lines(nestedLoops(1, 1_000_001))).toEqual(["error FPGAC013: node 'loop1' (op Loop): trip count 1,000,001, above the limit of 1,000,000 (raise it with --limit loop-trips=N)"]);
    expect(lines(nestedLoops(1, 1_000_001), { loopTrips: 2_000_000 })).toEqual([]);
    expect(lines(nestedLoops(1, 2 ** 62))).toEqual(["error FPGAC013: node 'loop1' (op Loop): trip count 9,007,199,254,740,991, above the limit of 1,000,000 (raise it with --limit loop-trips=N)"]);
    expect(lines(nestedLoops(2, [1000, 1001]))).toEqual(["error FPGAC013: node 'loop2' (op Loop): trip count 1,001 inside loops running 1,000 times makes 1,001,000 trips, above the limit of 1,000,000 (raise it with --limit loop-trips=N)"]);
  });

  it('fold-ops: a product of two constant 2048×2048 matrices (8.6e9 multiply-adds) is refused before folding; raised, it folds', () => {
    const big = write({ inputs: [{ name: 'x', dims: ['N', 2048] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'A', dims: [2048, 2048], values: new Array(2048 * 2048).fill(0) }, { name: 'B', dims: [2048, 2048], values: new Array(2048 * 2048).fill(0) }],
      nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['C'], name: 'mm' }, { op: 'MatMul', inputs: ['x', 'C'], outputs: ['y'] }] });
    expect(lines(big)).toEqual(["error FPGAC013: node 'mm' (op MatMul): folding it costs about 8,589,934,592 operations, above the limit of 268,435,456 (raise it with --limit fold-ops=N)"]);
    const small = write({ inputs: [{ name: 'x', dims: ['N', 8] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'A', dims: [8, 8], values: new Array(64).fill(0.5) }, { name: 'B', dims: [8, 8], values: new Array(64).fill(0.25) }],
      nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['C'], name: 'mm' }, { op: 'MatMul', inputs: ['x', 'C'], outputs: ['y'] }] });
    expect(lines(small, { foldOps: 511 })).toEqual(["error FPGAC013: node 'mm' (op MatMul): folding it costs about 512 operations, above the limit of 511 (raise it with --limit fold-ops=N)"]);
    expect(lines(small, { foldOps: 512 })).toEqual([]);
  });

  it('nodes: 100,001 by default, any count when lowered', () => {
    expect(lines(reluChain(11), { nodes: 10 })).toEqual(['error FPGAC013: the model has 11 nodes (Loop bodies included), above the limit of 10 (raise it with --limit nodes=N)']);
    expect(lines(reluChain(11), { nodes: 11 })).toEqual([]);
    expect(lines(reluChain(100_001))).toEqual(['error FPGAC013: the model has 100,001 nodes (Loop bodies included), above the limit of 100,000 (raise it with --limit nodes=N)']);
  });
});

describe('--limit on the command line', () => {
  const run = async (...args: string[]) => {
    const err: string[] = [];
    const code = await main(['node', 'fpgac', ...args], { out: () => {}, err: (s) => err.push(s) });
    return { code, err };
  };

  it('validates its argument: exit 2, FPGAC005', async () => {
    const file = reluChain(3);
    for (const bad of ['foo=1', 'elements=0', 'nodes=ten', 'nodes']) {
      const r = await run('build', file, '-o', path.join(dir, 'never'), '--limit', bad);
      expect(r.code, bad).toBe(2);
      expect(r.err.join('\n')).toMatch(/^error FPGAC005: --limit /);
    }
  });

  it('passes the limits to the compiler, repeatable: refused below, built at the raised value', async () => {
    const file = reluChain(11);
    const low = await run('build', file, '-o', path.join(dir, 'low'), '--limit', 'nodes=10', '--limit', 'elements=64');
    expect(low.code).toBe(2);
    expect(low.err).toEqual(['error FPGAC013: the model has 11 nodes (Loop bodies included), above the limit of 10 (raise it with --limit nodes=N)']);
    const ok = await run('build', file, '-o', path.join(dir, 'ok'), '--limit', 'nodes=11', '--limit', 'elements=64');
    expect(ok.code).toBe(0);
    const sim = await run('sim', file, '--limit', 'elements=3', '-o', path.join(dir, 'o.npy'));
    expect(sim.code).toBe(2);
    expect(sim.err[0]).toMatch(/FPGAC013: graph input 'x' \[1, 4\] has 4 elements, above the limit of 3/);
  });
});
