// Generates the type-specific half of the ap_fixed vector checker
// (ap_vectors_driver.cpp holds the fixed half: parsing, helpers, main).
//
// ap types are templates, so every distinct type combination in the vectors
// needs its own instantiation. We emit one small function per combination and
// spread them over a few translation units so g++ can compile them in
// parallel (one big TU is several times slower; four parts plus main take
// well under a minute on two cores). Output goes to a scratch directory.
//
// Usage as a script:  npx vite-node test/hw/gen-ap-driver.ts <vectors.txt.gz> <outDir> [parts]
// then compile <outDir>/part*.cpp and ap_vectors_driver.cpp with
//   -I hw/include -I test/hw -DREGISTRY_H='"<outDir>/registry.h"'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface DriverSources {
  /** Generated translation units (compile each, then link with ap_vectors_driver.cpp). */
  parts: string[];
  /** Header declaring registerAll(); pass it to the main file as -DREGISTRY_H. */
  registry: string;
  /** Number of distinct type combinations (= generated check functions). */
  combos: number;
}

const Q = ['AP_RND', 'AP_RND_ZERO', 'AP_RND_MIN_INF', 'AP_RND_INF', 'AP_RND_CONV', 'AP_TRN', 'AP_TRN_ZERO'];
const O = ['AP_SAT', 'AP_SAT_ZERO', 'AP_SAT_SYM', 'AP_WRAP', 'AP_WRAP_SM'];

/** C++ spelling of a fixed type from width, integer bits, signedness (and modes). */
function fx(w: string, i: string, s: string, q?: string, o?: string): string {
  const base = s === '1' ? 'ap_fixed' : 'ap_ufixed';
  return q === undefined || o === undefined ? `${base}<${w}, ${i}>` : `${base}<${w}, ${i}, ${Q[+q]}, ${O[+o]}>`;
}

/**
 * Key of a vector line: every field that determines the C++ types involved
 * (must match the key built by main() in ap_vectors_driver.cpp).
 */
export function comboKey(fields: string[]): string | undefined {
  switch (fields[0]) {
    case 'C': return fields.slice(0, 9).join(' ');
    case 'D': return fields.slice(0, 6).join(' ');
    case 'B': return [...fields.slice(0, 8), ...fields.slice(10, 13)].join(' ');
    default: return undefined;
  }
}

/** The check function for one combination (see CheckFn in ap_vectors_driver.cpp). */
function checkFunction(name: string, key: string): string {
  const f = key.split(' ');
  const head = `static bool ${name}(const Raw* in, Raw& got) {`;
  if (f[0] === 'C') {
    const [, sw, si, ss, dw, di, ds, q, o] = f;
    return `${head}
  ${fx(sw, si, ss)} a;
  setRaw(a, in[0]);
  ${fx(dw, di, ds, q, o)} r = a;
  got = getRaw(r);
  return true;
}`;
  }
  if (f[0] === 'D') {
    const [, dw, di, ds, q, o] = f;
    return `${head}
  double d;
  const unsigned long long bits = in[0].lo;
  std::memcpy(&d, &bits, sizeof d);
  ${fx(dw, di, ds, q, o)} r = d;
  got = getRaw(r);
  return true;
}`;
  }
  const [, op, w1, i1, s1, w2, i2, s2, rw, ri, rs] = f;
  return `${head}
  ${fx(w1, i1, s1)} a;
  ${fx(w2, i2, s2)} b;
  setRaw(a, in[0]);
  setRaw(b, in[1]);
  auto r = a ${op} b;
  got = getRaw(r);
  return std::is_same<decltype(r), ${fx(rw, ri, rs)}>::value;
}`;
}

/** Parse the gzipped vectors and write the generated sources into outDir. */
export function generateDriver(vectorsGz: string, outDir: string, nParts = 4): DriverSources {
  const text = gunzipSync(readFileSync(vectorsGz)).toString('utf8');
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    const key = comboKey(line.trim().split(/\s+/));
    if (key !== undefined) keys.add(key);
  }
  const sorted = [...keys].sort();
  mkdirSync(outDir, { recursive: true });
  const parts: string[] = [];
  for (let p = 0; p < nParts; ++p) {
    const mine = sorted.map((k, i) => ({ k, i })).filter(({ i }) => i % nParts === p);
    const file = join(outDir, `part${p}.cpp`);
    writeFileSync(file, [
      '#define AP_VECTORS_HELPERS_ONLY',
      '#include "ap_vectors_driver.cpp"',
      '',
      ...mine.map(({ k, i }) => checkFunction(`check${i}`, k) + '\n'),
      `void registerPart${p}(CheckTable& table) {`,
      ...mine.map(({ k, i }) => `  table["${k}"] = check${i};`),
      '}',
      '',
    ].join('\n'));
    parts.push(file);
  }
  const registry = join(outDir, 'registry.h');
  const idx = Array.from({ length: nParts }, (_, p) => p);
  writeFileSync(registry, [
    ...idx.map((p) => `void registerPart${p}(CheckTable& table);`),
    'static void registerAll(CheckTable& table) {',
    ...idx.map((p) => `  registerPart${p}(table);`),
    '}',
    '',
  ].join('\n'));
  return { parts, registry, combos: sorted.length };
}

// CLI entry (skipped when imported by the vitest suite).
if (!process.env.VITEST) {
  const [gz, out, parts] = process.argv.slice(2);
  if (!gz || !out) {
    console.error('usage: gen-ap-driver.ts <vectors.txt.gz> <outDir> [parts]');
    process.exit(2);
  }
  const r = generateDriver(gz, out, parts ? Number(parts) : undefined);
  console.log(`${r.combos} combinations -> ${[...r.parts, r.registry].join(' ')}`);
}
