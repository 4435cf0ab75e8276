/**
 * @fileoverview Resource limits. A hostile or corrupt model can claim any size: every limit is checked before the
 * memory or time it guards is spent, and a model above one is refused with FPGAC013 naming the limit, the value
 * found and the `--limit KEY=N` that raises it. The defaults are far beyond any design that fits an FPGA.
 */
import { DiagnosticError, fail } from './diagnostics.js';

export interface Limits {
  /** Elements of any one tensor: graph inputs, constants, every inferred value (`--limit elements=N`). */
  readonly elements: number;
  /**
   * Bytes of constants, counted as float64 (8 bytes per element): the initializers and Constant values of the
   * model, and every tensor constant folding produces (`--limit constant-bytes=N`).
   */
  readonly constantBytes: number;
  /** Nesting depth of Loop bodies (`--limit loop-depth=N`). */
  readonly loopDepth: number;
  /** Trip count of a Loop, times the trip counts of the Loops around it (`--limit loop-trips=N`). */
  readonly loopTrips: number;
  /** Nodes of the model, Loop bodies included (`--limit nodes=N`). */
  readonly nodes: number;
  /**
   * Arithmetic operations constant folding may spend on one node (`--limit fold-ops=N`): a product of two
   * constant 4096×4096 matrices passes every size limit but would run for minutes.
   */
  readonly foldOps: number;
}

export const DEFAULT_LIMITS: Limits = {
  elements: 2 ** 24,
  constantBytes: 2 ** 30,
  loopDepth: 4,
  loopTrips: 1_000_000,
  nodes: 100_000,
  foldOps: 2 ** 28,
};

/** Command-line names of the limits. */
export const LIMIT_NAMES: Readonly<Record<keyof Limits, string>> = {
  elements: 'elements',
  constantBytes: 'constant-bytes',
  loopDepth: 'loop-depth',
  loopTrips: 'loop-trips',
  nodes: 'nodes',
  foldOps: 'fold-ops',
};

const BY_NAME = new Map(Object.entries(LIMIT_NAMES).map(([k, v]) => [v, k as keyof Limits]));

/** 16777216 → '16,777,216'. */
export function count(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : String(n);
}

function checkValue(name: string, v: unknown, raw: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    fail('FPGAC005', `--limit ${name}=${raw}: the value must be a positive whole number`);
  }
  return v;
}

/** One `KEY=VALUE` string (`elements=67108864`); an unknown key or a value that is not a positive integer is FPGAC005. */
export function parseLimit(s: string): [keyof Limits, number] {
  const m = /^([a-z-]+)=(.*)$/.exec(s.trim());
  if (!m) fail('FPGAC005', `--limit '${s}': expected KEY=N with KEY one of ${[...BY_NAME.keys()].join(', ')}`);
  const key = BY_NAME.get(m[1]);
  if (!key) fail('FPGAC005', `--limit '${s}': unknown limit '${m[1]}' (known: ${[...BY_NAME.keys()].join(', ')})`);
  const v = /^[0-9]+$/.test(m[2]) ? Number(m[2]) : NaN;
  return [key, checkValue(m[1], v, m[2])];
}

/** Every `--limit` given, later ones overriding earlier ones. */
export function parseLimits(list: readonly string[]): Partial<Limits> {
  const out: Partial<Record<keyof Limits, number>> = {};
  for (const s of list) {
    const [k, v] = parseLimit(s);
    out[k] = v;
  }
  return out;
}

/** The defaults with `partial` applied; values are validated (library callers bypass the CLI parser). */
export function resolveLimits(partial?: Partial<Limits>): Limits {
  if (!partial) return DEFAULT_LIMITS;
  const out = { ...DEFAULT_LIMITS } as Record<keyof Limits, number>;
  for (const [k, v] of Object.entries(partial) as [keyof Limits, number | undefined][]) {
    if (v === undefined) continue;
    const name = LIMIT_NAMES[k];
    if (!name) fail('FPGAC005', `unknown limit '${k}' (known: ${Object.keys(LIMIT_NAMES).join(', ')})`);
    out[k] = checkValue(name, v, String(v));
  }
  return out;
}

/** The FPGAC013 diagnostic: `<found>, above the limit of N (raise it with --limit KEY=N)`. */
export function limitError(key: keyof Limits, found: string, limits: Limits, where: { node?: string; op?: string } = {}): DiagnosticError {
  return new DiagnosticError([{
    code: 'FPGAC013', ...where,
    message: `${found}, above the limit of ${count(limits[key])} (raise it with --limit ${LIMIT_NAMES[key]}=N)`,
  }]);
}

/** Throws FPGAC013 when `n` elements exceed the limit; `what` names the tensor ("output [2, 3]", "tensor 'w'"). */
export function checkElements(n: number, what: string, limits: Limits, where: { node?: string; op?: string } = {}): void {
  if (n > limits.elements) throw limitError('elements', `${what} has ${count(n)} elements`, limits, where);
}

/** Running total of constant bytes (float64), checked before each allocation. */
export class ConstantBudget {
  used = 0;
  constructor(readonly limits: Limits) {}

  /** Charges `elements` float64 values for constant `name`; throws FPGAC013 above the limit. */
  charge(elements: number, name: string, where: { node?: string; op?: string } = {}): void {
    const bytes = elements * 8;
    if (this.used + bytes > this.limits.constantBytes) {
      throw limitError('constantBytes', `constant '${name}' (${count(bytes)} bytes) brings the constants to ${count(this.used + bytes)} bytes`, this.limits, where);
    }
    this.used += bytes;
  }
}
