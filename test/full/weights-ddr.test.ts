/**
 * Issue 14 part 4's targets: models larger than the on-chip memory build for a ZCU104 without --allow-overflow,
 * weights streamed from DDR, and C-simulation with the weight image is bit-exact with the simulator.
 * - ResNet18 at 224 px (11.7 M weights, 1.8 G MACs; seeded weights, bench/resnet.ts) at the default 16-bit precision.
 * - MobileNetV2 at 224 px (3.5 M weights; bench/models.ts) at 16 bits, where its 96×112×112 map and the maps beside
 *   it exceed the ZCU104's block RAM and UltraRAM together: the largest maps are computed in row bands
 *   (src/plan/bands.ts).
 * Each: the plan is within the default budget, streams its largest layers, states its DDR assumption, and
 * `make csim` on one seeded input sample equals `fpgac sim` bit for bit.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProject } from '../../src/build.js';
import { expectCsimEqualsSim } from '../support/csim.js';
import { mobileNetV2Spec, writeModel } from '../../bench/models.js';
import { writeResNet18 } from '../../bench/resnet.js';
import { writeNpy } from '../../src/npy.js';
import { rng } from '../support/harness.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-bigddr-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases = [
  { name: 'ResNet18-224', write: (f: string) => writeResNet18(f), precision: undefined },
  { name: 'MobileNetV2-224', write: (f: string) => writeModel(mobileNetV2Spec({ size: 224 }), f), precision: undefined },
];

describe('models larger than the chip build for ZCU104 with weights from DDR', () => {
  for (const c of cases) {
    it(`${c.name}: within the default budget, weights streamed, make csim equals fpgac sim`, async () => {
      const model = path.join(dir, `${c.name}.onnx`);
      c.write(model);
      const out = path.join(dir, c.name);
      // One sample: a 224-px ResNet18 takes g++ C-simulation about 10 s a sample.
      const input = path.join(dir, `${c.name}-x.npy`);
      const rand = rng(224);
      writeNpy(input, { shape: [1, 3, 224, 224], data: Float64Array.from({ length: 3 * 224 * 224 }, () => 2 * rand() - 1) });
      const r = buildProject(model, out, { board: 'zcu104', interface: 'memory', inputs: [input], ...(c.precision ? { precision: c.precision } : {}) });
      const p = r.report.plan!;
      expect(p.verdict).toBe('within-budget');
      expect(p.weightImage!.layers).toBeGreaterThan(0);
      expect(p.weightImage!.ddrGBps).toBe(19.2);
      // The weights left on chip and the feature maps fit the block memories; the image holds the rest.
      const onChip = p.layers.filter((l) => l.weights && l.weights.storage !== 'streamed').reduce((s, l) => s + l.weights!.weights, 0);
      const total = p.layers.reduce((s, l) => s + (l.weights?.weights ?? 0), 0);
      expect(onChip).toBeLessThan(total);
      await expectCsimEqualsSim(out, [input], { work: dir, name: c.name });
    }, 900_000);
  }
});
