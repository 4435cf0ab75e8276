/**
 * Issue 12's torchvision target: SqueezeNet 1.1, ShuffleNetV2 x0.5, MnasNet 0.5, MobileNetV2, EfficientNet-B0 and
 * ResNet18, exported with torch.onnx.export at opsets 11 and 17 (bench/torchvision/export.py: 64-px inputs, seeded
 * weights and BatchNorm statistics, eight seeded samples, torch's outputs saved beside them). `.ci/run` installs
 * torch and torchvision from the machine's wheel mirror and exports them into FPGAC_TORCHVISION; without it these
 * tests are skipped, saying why.
 * For every export: fpgac's float reference is within 1e-4 of torch's outputs; built for a ZCU104 with the samples
 * as calibration data it fits the default budget and the simulator's top-1 equals torch's on every sample; and for
 * three of them `make csim` equals `fpgac sim` bit for bit.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { readNpy } from '../../src/npy.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { expectCsimEqualsSim } from '../support/csim.js';
import { REPO } from '../support/harness.js';

const execFileAsync = promisify(execFile);
/** Lets the test worker answer vitest between long synchronous steps (its RPC times out otherwise). */
const yieldToVitest = () => new Promise((r) => setImmediate(r));

const ROOT = process.env.FPGAC_TORCHVISION ?? '';
const HAVE = ROOT !== '' && existsSync(ROOT);
const WHY = ROOT ? `no exports at ${ROOT}` : 'FPGAC_TORCHVISION not set (.ci/run exports the models when torch can be installed)';
const MODELS = ['squeezenet1_1', 'shufflenet_v2_x0_5', 'mnasnet0_5', 'mobilenet_v2', 'efficientnet_b0', 'resnet18'];
const CSIM = new Set(['squeezenet1_1-op11', 'shufflenet_v2_x0_5-op17', 'mobilenet_v2-op11']);

const argmax = (a: Float64Array, o: number, n: number) => { let b = 0; for (let k = 1; k < n; k++) if (a[o + k] > a[o + b]) b = k; return b; };

describe.skipIf(!HAVE)(`torchvision models exported by torch.onnx.export${HAVE ? '' : ` (skipped: ${WHY})`}`, () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-tv-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports every model at opsets 11 and 17', () => {
    expect(readdirSync(ROOT).sort()).toEqual(MODELS.flatMap((m) => [`${m}-op11`, `${m}-op17`]).sort());
  });

  for (const m of MODELS) {
    for (const opset of [11, 17]) {
      const name = `${m}-op${opset}`;
      it(`${name}: float within 1e-4 of torch; built for ZCU104, calibrated top-1 = torch's on every sample${CSIM.has(name) ? '; make csim = fpgac sim' : ''}`, async () => {
        const src = path.join(ROOT, name);
        const x = readNpy(path.join(src, 'input.npy'));
        const y = readNpy(path.join(src, 'torch.npy'));
        const per = x.data.length / x.shape[0];
        const n = y.data.length / y.shape[0];
        const { reference } = compileModel(path.join(src, 'model.onnx'));
        for (let s = 0; s < x.shape[0]; s++) {
          await yieldToVitest();
          const out = [...runFloat(reference, [x.data.subarray(s * per, (s + 1) * per)]).outputs.values()][0].data;
          for (let i = 0; i < n; i++) expect(Math.abs(out[i] - y.data[s * n + i]), `${name} sample ${s} logit ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(y.data[s * n + i])));
        }
        const prj = path.join(dir, name);
        const input = path.join(src, 'input.npy');
        // The build runs as the CLI in a child process: a large model's build would hold the test worker too long.
        await execFileAsync(process.execPath, [path.join(REPO, 'bin', 'fpgac.js'), 'build', path.join(src, 'model.onnx'), '-o', prj, '--board', 'zcu104',
          '--calibrate', input, '--input', input, '--interface', 'memory'], { maxBuffer: 16 << 20 });
        expect(JSON.parse(readFileSync(path.join(prj, 'report.json'), 'utf8')).plan.verdict).toBe('within-budget');
        const sim = readNpy(path.join(prj, 'tb_data', 'sim_output.npy'));
        for (let s = 0; s < y.shape[0]; s++) expect(argmax(sim.data, s * n, n), `${name} sample ${s}`).toBe(argmax(y.data, s * n, n));
        if (CSIM.has(name)) await expectCsimEqualsSim(prj, [input], { work: dir, name });
      }, 300_000);
    }
  }
});
