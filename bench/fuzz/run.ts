/**
 * @fileoverview Runs one fuzz case and classifies it. Every case must end as a success or as coded diagnostics
 * (exit 2, every stderr line `error FPGACnnn: ...`, a warning or a note); anything else is a failure: an internal
 * error, a stack trace, a crash or signal, a hang, too much memory, a raw control character on the terminal, a
 * file changed outside the folders the case may write, a secret copied into the project, or a hostile name that
 * reached code (or ran, at `make csim`).
 *
 * In-process (`main` called directly; fast, for `npm test`) or in a child process (`node dist/bench/fuzz/child.js`,
 * with a time limit and its peak memory measured; for `npm run fuzz`). Signals cases need a child.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli.js';
import { packageRoot } from '../../src/paths.js';
import type { FuzzCase, Prepared } from './cases.js';
import { projectLeaks, filesContaining, terminalProblem } from './scan.js';
import { changes, makeWorld, removeWorld, SECRET, snapshot, type World } from './world.js';

export type Outcome = 'ok' | 'diagnostic' | 'fail';

export interface CaseResult {
  readonly family: string;
  readonly label: string;
  readonly outcome: Outcome;
  /** Why it failed (empty unless outcome is 'fail'). */
  readonly problems: readonly string[];
  readonly ms: number;
  readonly maxRssMb?: number;
}

export interface RunOptions {
  /** Run in a child process with this time limit (ms); otherwise in-process. */
  readonly childTimeoutMs?: number;
  /** Peak memory allowed in a child (MB). */
  readonly maxRssMb?: number;
  /** Compile and run the emitted project of successful hostile-name builds (`make csim`, g++). */
  readonly csim?: boolean;
}

interface Ran { code: number | null; signal: string | null; out: string; err: string; rssMb?: number; timedOut?: boolean }

async function inProcess(w: World, argv: readonly string[]): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = process.cwd();
  const home = process.env.HOME;
  process.chdir(w.work);
  process.env.HOME = w.home;
  try {
    const code = await main(['node', 'fpgac', ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, signal: null, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.chdir(cwd);
    if (home === undefined) delete process.env.HOME;
    else process.env.HOME = home;
  }
}

const CHILD = () => path.join(packageRoot(), 'dist', 'bench', 'fuzz', 'child.js');

function inChild(w: World, argv: readonly string[], timeoutMs: number, kill?: Prepared['kill']): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD(), ...argv], { cwd: w.work, env: { ...process.env, HOME: w.home, FPGAC_FAULT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    let timedOut = false;
    const limit = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    const killer = kill ? setTimeout(() => child.kill(kill.signal), kill.afterMs) : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      if (killer) clearTimeout(killer);
      const m = /\nFUZZ-RSS (\d+)\n?$/.exec(err);
      if (m) err = err.slice(0, m.index);
      resolve({ code, signal, out, err, rssMb: m ? Number(m[1]) / 1024 : undefined, timedOut });
    });
  });
}

/** Coded diagnostics only: every line an error with a code, a warning, or a note; at least one error. */
function diagnosticsOnly(err: string): boolean {
  const lines = err.split('\n').filter((l) => l.trim());
  return lines.some((l) => /^error FPGAC\d{3}: /.test(l)) && lines.every((l) => /^(error FPGAC\d{3}: |fpgac: (warning|note): )/.test(l));
}

/** Files named PWNED* anywhere in the world: a hostile name ran as a command. */
function pwned(root: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.name.startsWith('PWNED')) found.push(path.join(d, n.name));
      if (n.isDirectory() && !n.isSymbolicLink()) walk(path.join(d, n.name));
    }
  };
  walk(root);
  return found;
}

export async function runCase(c: FuzzCase, opts: RunOptions = {}): Promise<CaseResult> {
  const w = makeWorld(c.family);
  const t0 = performance.now();
  const problems: string[] = [];
  let outcome: Outcome = 'fail';
  let rssMb: number | undefined;
  try {
    const p = c.prepare(w);
    if (p.kill) await inChild(w, p.argv, 60_000); // the earlier build the killed one replaces
    const allowed = p.writes.map((r) => path.resolve(w.work, r));
    const siblings = (s: Map<string, string>) => new Map([...s].filter(([f]) => !allowed.some((a) => f === a || f.startsWith(`${a}/`) || path.basename(f).startsWith(`.${path.basename(a)}.fpgac-`) && path.dirname(f) === path.dirname(a))));
    const before = [snapshot(w.home), siblings(snapshot(w.work)), snapshot(w.outside)];
    const r = opts.childTimeoutMs || p.kill ? await inChild(w, p.argv, opts.childTimeoutMs ?? 60_000, p.kill) : await inProcess(w, p.argv);
    rssMb = r.rssMb;
    if (r.timedOut) problems.push(`no answer within ${opts.childTimeoutMs} ms`);
    if (p.kill) {
      outcome = r.code === 0 ? 'ok' : 'diagnostic';
      if (r.code !== 0 && r.signal !== p.kill.signal) problems.push(`ended with code ${r.code} signal ${r.signal}, not by ${p.kill.signal}`);
      // The next build must restore every file and leave no temporary folder.
      const again = await inChild(w, p.argv, 60_000);
      if (again.code !== 0) problems.push(`the rebuild after ${p.kill.signal} failed: ${again.err.trim().split('\n')[0]}`);
      const left = readdirSync(w.work).filter((n) => n.includes('.fpgac-'));
      if (left.length) problems.push(`temporary folders left: ${left.join(', ')}`);
    } else if (r.code === 0) outcome = 'ok';
    else if (r.code === 2 && diagnosticsOnly(r.err)) outcome = 'diagnostic';
    else problems.push(`exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}: ${r.err.trim().split('\n').slice(0, 3).join(' | ').slice(0, 400)}`);
    if (/\n\s+at .+:\d+:\d+\)?/.test(r.err)) problems.push('a stack trace was printed');
    for (const t of [terminalProblem(r.out), terminalProblem(r.err)]) if (t) problems.push(`terminal: ${t}`);
    if (p.expect && outcome !== 'fail' && outcome !== p.expect) problems.push(`expected ${p.expect}, got ${outcome}: ${r.err.trim().split('\n')[0] ?? ''}`);
    const after = [snapshot(w.home), siblings(snapshot(w.work)), snapshot(w.outside)];
    before.forEach((b, i) => problems.push(...changes(b, after[i]).map((x) => `outside the output: ${x}`)));
    for (const a of allowed) {
      if (!existsSync(a) || !p.writes.length) continue;
      const copied = filesContaining(a, SECRET);
      if (copied.length) problems.push(`a file from outside the model's folder was copied in: ${copied.join(', ')}`);
      if (p.hostile && outcome === 'ok') {
        problems.push(...projectLeaks(a));
        if (opts.csim) {
          const m = spawnSync('make', ['-s', '-C', a, 'csim', 'CXXFLAGS=-std=c++14 -O0'], { encoding: 'utf8', cwd: w.work, env: { ...process.env, HOME: w.home } });
          if (m.status !== 0) problems.push(`make csim failed: ${(m.stderr || m.stdout).trim().split('\n').slice(-2).join(' | ')}`);
        }
      }
    }
    problems.push(...pwned(w.root).map((f) => `a hostile name ran: ${f} exists`));
    if (opts.maxRssMb && rssMb !== undefined && rssMb > opts.maxRssMb) problems.push(`peak memory ${rssMb.toFixed(0)} MB above ${opts.maxRssMb} MB`);
  } catch (e) {
    problems.push(`harness: ${(e as Error).stack}`);
  } finally {
    removeWorld(w);
  }
  return { family: c.family, label: c.label, outcome: problems.length ? 'fail' : outcome, problems, ms: performance.now() - t0, ...(rssMb !== undefined ? { maxRssMb: rssMb } : {}) };
}

