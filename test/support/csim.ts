/**
 * The end-to-end bit-exactness check the model tests share: `make csim` of a built project and `fpgac sim` of the
 * same project on the same .npy inputs must write identical arrays (every output port; Object.is, so -0 and NaN
 * count). Returns the simulator's outputs.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { expect } from 'vitest';
import { main } from '../../src/cli.js';
import { readNpy } from '../../src/npy.js';

const execFileAsync = promisify(execFile);
const quiet = { out: () => {}, err: () => {} };

export interface CsimCheck {
  /** Where the two runs write their outputs (`<name>-csim.npy`, `<name>-sim.npy`). */
  readonly work: string;
  readonly name?: string;
  /** Output ports to compare (port k > 0 is written as `.k.npy`). */
  readonly outputs?: number;
  /** The official ap_types include folder for make csim (AP_TYPES_INCLUDE). */
  readonly apInclude?: string;
}

export async function expectCsimEqualsSim(project: string, inputs: readonly string[], c: CsimCheck): Promise<{ data: Float64Array; shape: number[] }[]> {
  const name = c.name ?? path.basename(project);
  const csimOut = path.join(c.work, `${name}-csim.npy`);
  const vars = [`INPUTS=${inputs.join(' ')}`, `OUTPUT=${csimOut}`, ...(c.apInclude ? [`AP_TYPES_INCLUDE=${c.apInclude}`] : [])];
  await execFileAsync('make', ['-s', '-C', project, 'csim', ...vars], { maxBuffer: 64 << 20 });
  const simOut = path.join(c.work, `${name}-sim.npy`);
  expect(await main(['node', 'fpgac', 'sim', project, ...inputs.flatMap((i) => ['--input', i]), '-o', simOut], quiet)).toBe(0);
  const port = (f: string, k: number) => (k === 0 ? f : f.replace(/\.npy$/, `.${k}.npy`));
  return Array.from({ length: c.outputs ?? 1 }, (_, k) => {
    const a = readNpy(port(csimOut, k));
    const b = readNpy(port(simOut, k));
    expect(a.shape).toEqual(b.shape);
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) diff++;
    expect(diff, `output ${k}: ${diff} of ${a.data.length} values differ between make csim and fpgac sim`).toBe(0);
    return b;
  });
}
