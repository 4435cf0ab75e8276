/**
 * @fileoverview The C-simulation throughput the benchmarks compare the simulator with: a built project's `make
 * csim` testbench binary run on N samples, inferences/s = (N − 1) / (t(N) − t(1)) (start-up and file reading
 * cancel out), N grown until t(N) − t(1) reaches `minSeconds`. Runs lift the stack limit: the emitted C-simulation
 * keeps a large network's feature maps on the stack (ResNet18 needs more than the usual 8 MB).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Design } from '../src/ir/design.js';
import { numel } from '../src/ir/graph.js';
import { writeNpy } from '../src/npy.js';

/** Runs a command with `ulimit -s unlimited` where the shell allows it, within `timeoutS` seconds. */
export function runUnlimitedStack(bin: string, args: readonly string[], cwd: string | undefined, timeoutS: number): void {
  execFileSync('sh', ['-c', 'ulimit -s unlimited 2>/dev/null; exec "$0" "$@"', bin, ...args], { cwd, stdio: 'ignore', timeout: timeoutS * 1000 });
}

/**
 * Inferences/s of the project in `dir` on `data` (`samples` samples, repeated to make N), or null with why.
 * `timeoutS` bounds each command.
 */
export function csimRate(dir: string, design: Design, data: readonly Float64Array[], samples: number, minSeconds: number, timeoutS: number): { rate: number | null; note: string } {
  const timeRun = (bin: string, args: string[]): number => {
    const t0 = performance.now();
    runUnlimitedStack(bin, args, dir, timeoutS);
    return (performance.now() - t0) / 1000;
  };
  try {
    runUnlimitedStack('make', ['-s', '-C', dir, 'csim'], undefined, timeoutS);
  } catch (e) {
    return { rate: null, note: `make csim failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const built = path.join(dir, 'build');
  const tb = existsSync(built) ? readdirSync(built).find((f) => f.startsWith('tb_')) : undefined;
  if (!tb) return { rate: null, note: 'no tb binary after make csim' };
  const bin = path.join(built, tb);
  const write = (n: number): string[] => design.inputs.map((name, i) => {
    const shape = design.tensors[name].shape;
    const per = numel(shape);
    const out = new Float64Array(n * per);
    for (let s = 0; s < n; s++) out.set(data[i].subarray((s % samples) * per, (s % samples + 1) * per), s * per);
    const f = path.join(dir, `bench_in${i}_${n}.npy`);
    writeNpy(f, { shape: [n, ...shape.slice(1)], data: out });
    return f;
  });
  const outFile = path.join(dir, 'bench_out.npy');
  try {
    const one = write(1);
    const t1 = Math.min(timeRun(bin, [outFile, ...one]), timeRun(bin, [outFile, ...one]));
    let n = 2;
    for (;;) {
      const files = write(n);
      const tn = Math.min(timeRun(bin, [outFile, ...files]), ...(n > 8 ? [timeRun(bin, [outFile, ...files])] : []));
      if (tn - t1 >= minSeconds || n >= 2_000_000) return { rate: (n - 1) / Math.max(tn - t1, 1e-9), note: `${n} samples` };
      n = Math.min(2_000_000, Math.ceil(n * Math.min(50, Math.max(2, (1.3 * minSeconds) / Math.max(tn - t1, 1e-3)))));
    }
  } catch (e) {
    return { rate: null, note: `tb run failed: ${(e as Error).message.split('\n')[0]}` };
  }
}
