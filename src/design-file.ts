/**
 * @fileoverview Reading a build folder's design.json (what `fpgac sim DIR` and `fpgac verify DIR` run). The folder
 * may come from anywhere, so the file is checked before the simulator trusts it: valid JSON, an fpgac design of a
 * known version, tensor sizes within the limits, loop trip counts within the limits, and a layer graph the
 * simulator can wire (every tensor declared and computed before it is read). Anything else is FPGAC001.
 * Versions 1 (plain JSON) and 2 (long raw arrays encoded) are read: src/ir/design-json.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Design, Layer } from './ir/design.js';
import { fail } from './diagnostics.js';
import { resolveLimits, type Limits } from './limits.js';
import { designProblem } from '../sim/simulate.js';
import { decodeRaws, DESIGN_FILE_VERSION } from './ir/design-json.js';

export function readDesignFile(dir: string, limits?: Partial<Limits>): Design {
  const file = path.join(dir, 'design.json');
  if (!existsSync(file) || !statSync(file).isFile()) fail('FPGAC001', `'${dir}' is not an fpgac build directory (no design.json)`);
  let design: Design;
  try {
    design = JSON.parse(readFileSync(file, 'utf8')) as Design;
  } catch (e) {
    fail('FPGAC001', `'${file}' is not valid JSON (${(e as Error).message})`);
  }
  if (!design || typeof design !== 'object' || design.format !== 'fpgac-design') fail('FPGAC001', `'${file}' is not an fpgac design`);
  const version = (design as { version: unknown }).version;
  if (version !== 1 && version !== DESIGN_FILE_VERSION) fail('FPGAC001', `'${file}' is a design of version ${String(version)}; this fpgac reads versions 1 and ${DESIGN_FILE_VERSION}`, { hint: 'rebuild the folder with this fpgac' });
  if (version === DESIGN_FILE_VERSION) {
    const bad = decodeRaws(design);
    if (bad) fail('FPGAC001', `'${file}': ${bad}`, { hint: 'rebuild the folder' });
    design = { ...design, version: 1 };
  }
  const lim = resolveLimits(limits);
  const tensors = design.tensors && typeof design.tensors === 'object' ? Object.values(design.tensors) : [];
  for (const t of tensors) {
    const shape = (t as { shape?: unknown }).shape;
    const ok = Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    const n = ok ? (shape as number[]).reduce((a, b) => a * b, 1) : NaN;
    if (!(n <= lim.elements)) fail('FPGAC001', `'${file}': tensor '${String((t as { name?: unknown }).name)}' has an invalid or too large shape`);
  }
  const trips = (ls: readonly Layer[] | undefined, outer: number): void => {
    for (const l of Array.isArray(ls) ? ls : []) {
      if (l?.kind !== 'loop') continue;
      const total = outer * l.trips;
      if (!(Number.isSafeInteger(l.trips) && l.trips >= 0 && total <= lim.loopTrips)) fail('FPGAC001', `'${file}': loop '${String(l.name)}' runs ${l.trips} trip(s) (${total} with its enclosing loops), above the limit of ${lim.loopTrips}`);
      trips(l.body, total);
    }
  };
  trips(design.layers, 1);
  const problem = designProblem(design);
  if (problem) fail('FPGAC001', `'${file}' is inconsistent: ${problem}`, { hint: 'rebuild the folder' });
  return design;
}

