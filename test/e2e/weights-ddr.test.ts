/**
 * Weights from DDR end to end (issue 14 part 4): `fpgac build --weights ddr` of dsodenet-digits on ZCU104 with each
 * interface (the core's ports, the AXI4-Stream and the m_axi wrapper) streams every top-level conv and dense layer's
 * weights; `make csim` — the testbench reading tb_data/weights.bin and passing it as the host passes its DDR buffer —
 * equals `fpgac sim` bit for bit. The emitted IP has the image's m_axi port with its address in s_axilite, and a
 * build of the same model with `--weights chip` has neither the port nor the file.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.js';
import { expectCsimEqualsSim } from '../support/csim.js';
import { REPO } from '../support/harness.js';

const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };
const MODEL = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');
const INPUT = path.join(REPO, 'examples', 'dsodenet-digits', 'sample_x.npy');
let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-wddr-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('weights from DDR, dsodenet-digits on ZCU104', () => {
  for (const itf of ['memory', 'axis', 'm_axi']) {
    it(`${itf}: every top-level conv and dense layer streams; make csim with the weight image equals fpgac sim`, async () => {
      const prj = path.join(tmp, itf);
      expect(await main(['node', 'fpgac', 'build', MODEL, '-o', prj, '--board', 'zcu104', '--weights', 'ddr', '--interface', itf], quiet)).toBe(0);
      const report = JSON.parse(readFileSync(path.join(prj, 'report.json'), 'utf8'));
      const design = JSON.parse(readFileSync(path.join(prj, 'design.json'), 'utf8')) as { layers: { kind: string; name: string }[] };
      const macs = design.layers.filter((l) => l.kind === 'conv2d' || l.kind === 'dense').map((l) => l.name);
      const streamed = report.plan.layers.filter((l: { weights?: { storage: string } }) => l.weights?.storage === 'streamed').map((l: { name: string }) => l.name);
      expect(streamed.length).toBeGreaterThan(0);
      expect(streamed.sort()).toEqual(macs.sort());
      const image = report.plan.weightImage;
      expect(statSync(path.join(prj, 'tb_data', 'weights.bin')).size).toBe((image.words * image.wordBits) / 8);
      const hlsTop = readFileSync(path.join(prj, 'firmware', itf === 'memory' ? 'top.cpp' : `fpgac_top_${itf === 'axis' ? 'axis' : 'maxi'}.cpp`), 'utf8');
      expect(hlsTop).toContain(`#pragma HLS INTERFACE m_axi port=fpgac_wimg offset=slave bundle=wimg depth=${image.words}`);
      expect(hlsTop).toContain('#pragma HLS INTERFACE s_axilite port=fpgac_wimg bundle=control');
      await expectCsimEqualsSim(prj, [INPUT], { work: tmp, name: itf });
    });
  }

  it('--weights with another value is refused in one line (exit 2), nothing written', async () => {
    const prj = path.join(tmp, 'bad');
    const err: string[] = [];
    expect(await main(['node', 'fpgac', 'build', MODEL, '-o', prj, '--weights', 'dram'], { out: () => {}, err: (s: string) => err.push(s) })).toBe(2);
    expect(err.join('\n')).toMatch(/FPGAC005.*--weights 'dram' is not one of auto, chip, ddr/);
    expect(existsSync(prj)).toBe(false);
  });

  it('--weights chip: no weight image, no image port', async () => {
    const prj = path.join(tmp, 'chip');
    expect(await main(['node', 'fpgac', 'build', MODEL, '-o', prj, '--board', 'zcu104', '--weights', 'chip', '--interface', 'axis'], quiet)).toBe(0);
    expect(existsSync(path.join(prj, 'tb_data', 'weights.bin'))).toBe(false);
    expect(readFileSync(path.join(prj, 'firmware', 'fpgac_top_axis.cpp'), 'utf8')).not.toContain('fpgac_wimg');
    expect(JSON.parse(readFileSync(path.join(prj, 'report.json'), 'utf8')).plan.weightImage).toBeUndefined();
  });
});
