/**
 * @fileoverview `npm run fuzz -- --cases N --seed S [--families a,b] [--in-process] [--csim]`: the seeded fuzzer
 * of issue 10 at scale. Cases are spread evenly over the families (bytes, structure, names, paths, data, bombs,
 * signals); each runs in a child process with a 60 s limit and a 2 GB peak-memory budget unless --in-process.
 * Prints outcome counts per family and every failure; exits 1 when any case failed.
 */
import { FAMILIES, makeCase, type Family } from './fuzz/cases.js';
import { runCase, type CaseResult } from './fuzz/run.js';
import { mulberry32 } from '../src/util/random.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seeded = mulberry32;

async function run(): Promise<number> {
  const cases = Number(arg('--cases') ?? 700);
  const seed = Number(arg('--seed') ?? 1);
  const families = (arg('--families')?.split(',') ?? [...FAMILIES]) as Family[];
  const inProcess = process.argv.includes('--in-process');
  const rand = seeded(seed);
  const results: CaseResult[] = [];
  const t0 = performance.now();
  for (let k = 0; k < cases; k++) {
    const family = families[k % families.length];
    const c = makeCase(family, rand);
    const r = await runCase(c, { ...(inProcess && family !== 'signals' ? {} : { childTimeoutMs: 60_000, maxRssMb: 2048 }), csim: process.argv.includes('--csim') });
    results.push(r);
    if (r.outcome === 'fail') console.log(`FAIL ${r.family} #${k} ${r.label}: ${r.problems.join('; ')}`);
    if ((k + 1) % 50 === 0) process.stderr.write(`${k + 1}/${cases} cases, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  console.log(`\nfpgac fuzz: ${cases} cases, seed ${seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log('family      cases  ok  diagnostic  fail  slowest(ms)  peak MB');
  for (const f of families) {
    const rs = results.filter((r) => r.family === f);
    const count = (o: string) => rs.filter((r) => r.outcome === o).length;
    const peak = Math.max(0, ...rs.map((r) => r.maxRssMb ?? 0));
    console.log(`${f.padEnd(11)} ${String(rs.length).padStart(5)} ${String(count('ok')).padStart(3)} ${String(count('diagnostic')).padStart(11)} ${String(count('fail')).padStart(5)} ${Math.max(0, ...rs.map((r) => r.ms)).toFixed(0).padStart(12)} ${peak ? peak.toFixed(0).padStart(8) : '       -'}`);
  }
  return results.some((r) => r.outcome === 'fail') ? 1 : 0;
}

run().then((code) => { process.exitCode = code; });
