/**
 * @fileoverview `npm run bench:build`: how `fpgac build` scales (issue 13). Builds seeded MobileNetV2 (96×96) and
 * ResNet18 (224×224) models and the shared models, each in a child process (`node bin/fpgac.js build`, u250 with
 * --allow-overflow so the plan never stops the build), and prints wall time and peak memory (the child's maxRSS,
 * from a wrapper that reports `process.resourceUsage()` at exit) beside the issue's targets, plus a fit of seconds
 * and bytes per million parameters. Always exits 0: a report, not a test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/paths.js';
import { mobileNetV2Spec, paramCount, writeModel } from './models.js';
import { resnet18Spec } from './resnet.js';

interface Row { name: string; params: number; seconds: number; mb: number; target?: string; ok?: boolean; note?: string }

/** Runs `fpgac build` in a child that prints its peak RSS (KiB) last; returns wall seconds and MB. */
function timedBuild(model: string, out: string): { seconds: number; mb: number; error?: string } {
  const wrapper = path.join(path.dirname(out), 'rss-wrapper.mjs');
  writeFileSync(wrapper, `import { main } from ${JSON.stringify(path.join(packageRoot(), 'dist', 'src', 'cli.js'))};
main(process.argv).then((c) => { process.stderr.write('\\nBENCH-RSS ' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = c; });`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [wrapper, 'build', model, '-o', out, '--board', 'u250', '--allow-overflow'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  const m = /BENCH-RSS (\d+)/.exec(r.stderr);
  return { seconds, mb: m ? Number(m[1]) / 1024 : NaN, ...(r.status === 0 ? {} : { error: r.stderr.trim().split('\n')[0] }) };
}

function main(): void {
  const root = packageRoot();
  const shared = path.resolve(root, '..', 'shared', 'models');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-bench-build-'));
  const rows: Row[] = [];
  try {
    const mnv2 = path.join(tmp, 'mobilenetv2-96.onnx');
    const r18 = path.join(tmp, 'resnet18-224.onnx');
    const mSpec = mobileNetV2Spec();
    const rSpec = resnet18Spec();
    writeModel(mSpec, mnv2);
    writeModel(rSpec, r18);
    const models: [string, string, number, { s: number; mb?: number }?][] = [
      ['MobileNetV2 96×96 (seeded)', mnv2, paramCount(mSpec), { s: 3 }],
      ['ResNet18 224×224 (seeded)', r18, paramCount(rSpec), { s: 10, mb: 800 }],
      ['dsodenet-digits', path.join(root, 'examples', 'dsodenet-digits', 'model.onnx'), 3002],
      ['hls4ml/dense_big_keras', path.join(shared, 'hls4ml', 'dense_big_keras', 'model.onnx'), 42605],
      ['qonnx-zoo/TFC_2W2A', path.join(shared, 'qonnx-zoo', 'TFC_2W2A', 'model.onnx'), 59807],
    ];
    for (const [name, file, params, target] of models) {
      if (!existsSync(file)) continue;
      const b = timedBuild(file, path.join(tmp, `out-${rows.length}`));
      const ok = target ? b.seconds <= target.s && (target.mb === undefined || b.mb <= target.mb) : undefined;
      rows.push({ name, params, seconds: b.seconds, mb: b.mb, ...(target ? { target: `≤ ${target.s} s${target.mb ? `, ≤ ${target.mb} MB` : ''}`, ok } : {}), ...(b.error ? { note: b.error } : {}) });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`fpgac bench:build: node ${process.version}, ${os.cpus().length} CPU(s); fpgac build in a child process, --board u250 --allow-overflow`);
  const head = ['model', 'params', 'build s', 'peak MB', 's / M params', 'MB / M params', 'target', 'met'];
  const body = rows.map((r) => [r.name, r.params.toLocaleString('en-US'), r.seconds.toFixed(2), r.mb.toFixed(0), (r.seconds / (r.params / 1e6)).toFixed(2),
    (r.mb / (r.params / 1e6)).toFixed(0), r.target ?? '', r.ok === undefined ? '' : r.ok ? 'yes' : 'NO']);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  console.log(line(head));
  for (const b of body) console.log(line(b));
  for (const r of rows) if (r.note) console.log(`  ${r.name}: ${r.note}`);
  // Growth: least-squares line through the large models (seconds and MB against millions of parameters).
  const big = rows.filter((r) => r.params > 1e5);
  if (big.length >= 2) {
    const fit = (ys: number[]) => {
      const xs = big.map((r) => r.params / 1e6);
      const mx = xs.reduce((a, b) => a + b) / xs.length;
      const my = ys.reduce((a, b) => a + b) / ys.length;
      const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
      return { slope, at0: my - slope * mx };
    };
    const t = fit(big.map((r) => r.seconds));
    const m = fit(big.map((r) => r.mb));
    console.log(`growth (fit through ${big.map((r) => r.name.split(' ')[0]).join(', ')}): ${t.slope.toFixed(2)} s and ${m.slope.toFixed(0)} MB per million parameters (+${t.at0.toFixed(2)} s, +${m.at0.toFixed(0)} MB)`);
  }
}

main();
