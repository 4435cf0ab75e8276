/**
 * Killed builds lose nothing (issue 10): the CLI is SIGKILLed at every step of the folder replacement (fault
 * points of src/outdir.ts) and at seeded random instants of a real build, and sent SIGTERM mid-write. After each,
 * the user's files still exist (in the folder, or in the hidden sibling a killed build moved aside), and the next
 * build puts them back, leaves a complete folder whose files match its manifest, and no temporary folder.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildModel, values } from './support/onnx-builder.js';
import { REPO, rng } from './support/harness.js';
import { MARKER, readManifest } from '../src/outdir.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-kill-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BIN = path.join(REPO, 'bin', 'fpgac.js');

function tiny(file: string): void {
  buildModel({
    inputs: [{ name: 'x', dims: ['N', 8] }], outputs: [{ name: 'y' }],
    initializers: [{ name: 'W', dims: [8, 4], values: values(32, 5) }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { op: 'Relu', inputs: ['h'], outputs: ['y'] }],
  }, file);
}

function build(model: string, out: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, 'build', model, '-o', out], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: dir });
}

/** The user's work inside a build folder: a Vitis result and a note. */
function addUserFiles(out: string): void {
  mkdirSync(path.join(out, 'fpgac_top_prj', 'solution1'), { recursive: true });
  writeFileSync(path.join(out, 'fpgac_top_prj', 'solution1', 'csynth.rpt'), 'synthesis results');
  writeFileSync(path.join(out, 'NOTES.md'), 'my notes');
}

const USER = ['NOTES.md', path.join('fpgac_top_prj', 'solution1', 'csynth.rpt')];

/** Where each user file is now: the folder itself or a sibling a killed build left. */
function userFilesSomewhere(parent: string, base: string): boolean {
  const homes = [path.join(parent, base), ...readdirSync(parent).filter((n) => n.startsWith(`.${base}.fpgac-`)).map((n) => path.join(parent, n))];
  return USER.every((f) => homes.some((h) => existsSync(path.join(h, f))));
}

/** The folder is a finished build: every file its manifest lists is there with the listed hash. */
function complete(out: string): boolean {
  const m = readManifest(out);
  if (!m) return false;
  return Object.entries(m.files).every(([rel, h]) => existsSync(path.join(out, rel)) && createHash('sha256').update(readFileSync(path.join(out, rel))).digest('hex') === h);
}

function temps(parent: string): string[] {
  return readdirSync(parent).filter((n) => n.includes('fpgac-new') || n.includes('fpgac-old') || n.includes('fpgac-tmp'));
}

describe('a build killed while replacing its folder', () => {
  for (const point of ['written', 'aside', 'renamed', 'carried']) {
    it(`SIGKILL at "${point}": the user's files survive and the next build restores them`, () => {
      const parent = path.join(dir, point);
      mkdirSync(parent);
      const model = path.join(parent, 'm.onnx');
      tiny(model);
      const out = path.join(parent, 'out');
      expect(build(model, out).status).toBe(0);
      addUserFiles(out);
      const killed = build(model, out, { FPGAC_FAULT: `kill:${point}` });
      expect(killed.signal).toBe('SIGKILL');
      expect(userFilesSomewhere(parent, 'out')).toBe(true);
      const again = build(model, out);
      expect(again.status).toBe(0);
      expect(USER.every((f) => existsSync(path.join(out, f)))).toBe(true);
      expect(readFileSync(path.join(out, 'NOTES.md'), 'utf8')).toBe('my notes');
      expect(complete(out)).toBe(true);
      expect(temps(parent)).toEqual([]);
    });
  }

  it('SIGTERM in the middle of the write: the write finishes, then the process ends by the signal; nothing is left over', async () => {
    const parent = path.join(dir, 'term');
    mkdirSync(parent);
    const model = path.join(parent, 'm.onnx');
    tiny(model);
    const out = path.join(parent, 'out');
    expect(build(model, out).status).toBe(0);
    addUserFiles(out);
    const before = readFileSync(path.join(out, MARKER), 'utf8');
    writeFileSync(model, readFileSync(model)); // same model: the rebuild is byte-identical
    const child = spawn(process.execPath, [BIN, 'build', model, '-o', out], { env: { ...process.env, FPGAC_FAULT: 'sleep:aside:1500' }, cwd: dir, stdio: 'ignore' });
    // The old folder is moved aside while the child sleeps: signal it then.
    const t0 = Date.now();
    while (!readdirSync(parent).some((n) => n.includes('fpgac-old')) && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(parent).some((n) => n.includes('fpgac-old'))).toBe(true);
    child.kill('SIGTERM');
    const { signal, status } = await new Promise<{ signal: string | null; status: number | null }>((resolve) => child.on('exit', (c, s) => resolve({ signal: s, status: c })));
    expect({ signal, status }).toEqual({ signal: 'SIGTERM', status: null });
    expect(signal).toBe('SIGTERM');
    expect(complete(out)).toBe(true);
    expect(readFileSync(path.join(out, MARKER), 'utf8')).toBe(before);
    expect(USER.every((f) => existsSync(path.join(out, f)))).toBe(true);
    expect(temps(parent)).toEqual([]);
  });

  it('SIGKILL at 12 seeded random instants of a real build over an earlier one: nothing of the user\'s is ever lost', async () => {
    const parent = path.join(dir, 'random');
    mkdirSync(parent);
    const model = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');
    const out = path.join(parent, 'out');
    expect(build(model, out).status).toBe(0);
    addUserFiles(out);
    const rand = rng(7);
    for (let k = 0; k < 12; k++) {
      const child = spawn(process.execPath, [BIN, 'build', model, '-o', out], { cwd: dir, stdio: 'ignore' });
      const delay = 100 + Math.floor(rand() * 1400);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      await new Promise((r) => child.on('exit', r));
      clearTimeout(timer);
      expect(userFilesSomewhere(parent, 'out')).toBe(true);
    }
    expect(build(model, out).status).toBe(0);
    expect(USER.every((f) => existsSync(path.join(out, f)))).toBe(true);
    expect(complete(out)).toBe(true);
    expect(temps(parent)).toEqual([]);
  }, 120_000);

  it('removes a temporary folder an old fpgac version left (NAME.fpgac-tmp-PID) and says so', () => {
    const parent = path.join(dir, 'legacy');
    mkdirSync(path.join(parent, 'out.fpgac-tmp-999999'), { recursive: true });
    writeFileSync(path.join(parent, 'out.fpgac-tmp-999999', 'design.json'), '{}');
    const model = path.join(parent, 'm.onnx');
    tiny(model);
    const r = build(model, path.join(parent, 'out'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/note: removed out\.fpgac-tmp-999999, left by an interrupted build/);
    expect(temps(parent)).toEqual([]);
  });
});
