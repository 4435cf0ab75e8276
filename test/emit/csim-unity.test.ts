/**
 * `make csim` compiles the C-simulation sources as one translation unit (tb/csim_all.cpp) unless CSIM_UNITY=0, which
 * compiles them one by one as Vitis HLS does. Every other csim test runs the default; this one checks the separate
 * compile still works and that both binaries write the same bits, on the project with the most sources (the m_axi
 * wrapper with weights from DDR: top.cpp, the wrapper and the testbench).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.js';
import { readNpy } from '../../src/npy.js';
import { REPO } from '../support/harness.js';

const execFileAsync = promisify(execFile);
const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };
const MODEL = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');
let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-unity-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('make csim: one translation unit or one per source', () => {
  it('the m_axi project with weights from DDR passes its bit-for-bit check compiled both ways, the two binaries writing identical outputs', async () => {
    const prj = path.join(tmp, 'prj');
    expect(await main(['node', 'fpgac', 'build', MODEL, '-o', prj, '--board', 'zcu104', '--weights', 'ddr', '--interface', 'm_axi'], quiet)).toBe(0);
    const unit = readFileSync(path.join(prj, 'tb', 'csim_all.cpp'), 'utf8');
    for (const src of ['firmware/top.cpp', 'firmware/fpgac_top_maxi.cpp']) expect(unit).toContain(`#include "../${src}"`);
    const outputs: Float64Array[] = [];
    for (const unity of ['1', '0']) {
      const out = path.join(tmp, `out-${unity}.npy`);
      // The default inputs: the testbench compares with the simulator's outputs and exits 1 on any difference.
      const r = await execFileAsync('make', ['-C', prj, 'csim', `CSIM_UNITY=${unity}`, 'CXXFLAGS=-std=c++14 -O1', `OUTPUT=${out}`], { maxBuffer: 16 << 20 });
      expect(r.stdout).toMatch(/every output equal to the expected file bit for bit/);
      // What g++ compiled: the unit alone, or each source.
      if (unity === '1') expect(r.stdout).toMatch(/ tb\/csim_all\.cpp\s*$/m);
      else expect(r.stdout).toMatch(/ firmware\/top\.cpp firmware\/fpgac_top_maxi\.cpp tb\/tb\.cpp\s*$/m);
      outputs.push(readNpy(out).data);
    }
    expect(Buffer.from(outputs[0].buffer).equals(Buffer.from(outputs[1].buffer))).toBe(true);
    // Two binaries: switching the mode never reuses the other's build.
    expect(readdirSync(path.join(prj, 'build')).filter((f) => f.startsWith('tb_'))).toHaveLength(2);
  });
});
