/**
 * @fileoverview Totals of a plan, shared by both schedules: resource sums against the board, throughput from the
 * initiation interval, and the packing efficiency of block memories holding constants; and the utilization
 * budget (`--max-utilization`) the planner fills, with the margin left per resource.
 */
import type { Board } from './boards.js';
import type { BoardResources, LayerEstimate, MemoryPlacement, Plan, Resource, UtilizationBudget } from './types.js';

/** The board's figures as the plan records them (without the lookup name). */
export function boardResources(board: Board): BoardResources {
  const { board: _name, ...res } = board;
  void _name;
  return res;
}

/** Constant bits / bits of the block memories (BRAM18, URAM) given to constants; 1 when none are. */
export function packing(memories: readonly MemoryPlacement[]): number {
  const mems = memories.filter((m) => m.role !== 'feature' && (m.kind === 'bram18' || m.kind === 'uram'));
  const cap = mems.reduce((s, m) => s + m.capacityBits, 0);
  return cap ? mems.reduce((s, m) => s + m.words * m.bits * (m.copies ?? 1), 0) / cap : 1;
}

export function totalsOf(rows: readonly LayerEstimate[], board: Board, latency: number, ii: number, clockMHz: number): Pick<Plan, 'totals' | 'utilization' | 'fits'> {
  const sum = (k: 'dsp' | 'lut' | 'ff' | 'bram18' | 'uram') => rows.reduce((s, r) => s + r[k], 0);
  const totals = {
    dsp: sum('dsp'), lut: sum('lut'), ff: sum('ff'), bram18: sum('bram18'), uram: sum('uram'),
    latencyCycles: latency, iiCycles: ii, latencyUs: latency / clockMHz, throughputFps: (clockMHz * 1e6) / Math.max(ii, 1),
  };
  const ratio = (a: number, b: number) => (b > 0 ? a / b : a > 0 ? Infinity : 0);
  const utilization = { dsp: ratio(totals.dsp, board.dsp), lut: ratio(totals.lut, board.lut), ff: ratio(totals.ff, board.ff), bram18: ratio(totals.bram18, board.bram18), uram: ratio(totals.uram, board.uram) };
  return { totals, utilization, fits: Object.values(utilization).every((u) => u <= 1) };
}


/** The resources a plan is totalled and budgeted on. */
export const RESOURCES: readonly Resource[] = ['dsp', 'lut', 'ff', 'bram18', 'uram'];
export const RESOURCE_NAMES: Readonly<Record<Resource, string>> = { dsp: 'DSP', lut: 'LUT', ff: 'FF', bram18: 'BRAM18', uram: 'URAM' };

/**
 * A device with fewer LUTs than this is "small" (the PYNQ-Z2's xc7z020 has 53,200, the Ultra96-V2's xczu3eg
 * 70,560): routing congestion there makes place and route fail well below 100% LUT, so its default LUT budget is
 * lower.
 */
export const SMALL_PART_LUTS = 100_000;
/** Default share of each resource the planner may fill (`--max-utilization`), and of LUTs on a small part. */
export const DEFAULT_UTILIZATION = 0.8;
export const SMALL_PART_LUT_UTILIZATION = 0.7;

/** The default budget of a board: 80% of every resource, 70% of the LUTs of a part under SMALL_PART_LUTS. */
export function defaultBudget(board: Pick<BoardResources, 'lut'>): UtilizationBudget {
  const lut = board.lut < SMALL_PART_LUTS ? SMALL_PART_LUT_UTILIZATION : DEFAULT_UTILIZATION;
  return { dsp: DEFAULT_UTILIZATION, lut, ff: DEFAULT_UTILIZATION, bram18: DEFAULT_UTILIZATION, uram: DEFAULT_UTILIZATION };
}

/** The board's default budget with the shares the user gave (`--max-utilization`) in place. */
export function resolveBudget(board: Pick<BoardResources, 'lut'>, given: Partial<UtilizationBudget> = {}): UtilizationBudget {
  return { ...defaultBudget(board), ...given };
}

const ALIASES: Readonly<Record<string, Resource>> = { dsp: 'dsp', lut: 'lut', ff: 'ff', bram: 'bram18', bram18: 'bram18', uram: 'uram' };

/**
 * `--max-utilization SPEC`: a percentage for every resource ("75"), per resource ("dsp=80,lut=70"), or both
 * ("90,lut=70": the keyed ones win). Each is a percentage above 0 and at most 100 (a trailing % is allowed).
 * Returns the shares as fractions, or throws an Error whose message is one line naming the bad part.
 */
export function parseMaxUtilization(spec: string): Partial<UtilizationBudget> {
  const out: Partial<Record<Resource, number>> = {};
  const keyed: Partial<Record<Resource, number>> = {};
  const parts = spec.split(',').map((s) => s.trim());
  if (!spec.trim() || parts.some((s) => !s)) throw new Error(`--max-utilization '${spec}' is empty or has an empty item (expected e.g. 80 or dsp=80,lut=70)`);
  const percent = (v: string, what: string): number => {
    const n = Number(v.trim().replace(/%$/, ''));
    if (!/^\s*[0-9.eE+-]+%?\s*$/.test(v) || !Number.isFinite(n) || !(n > 0 && n <= 100)) throw new Error(`--max-utilization '${spec}': ${what} '${v}' is not a percentage above 0 and at most 100`);
    return n / 100;
  };
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) {
      const f = percent(p, 'the value');
      for (const r of RESOURCES) out[r] = f;
      continue;
    }
    const name = p.slice(0, eq).trim().toLowerCase();
    const r = ALIASES[name];
    if (!r) throw new Error(`--max-utilization '${spec}': unknown resource '${p.slice(0, eq).trim()}' (known: dsp, lut, ff, bram, uram)`);
    keyed[r] = percent(p.slice(eq + 1), name);
  }
  return { ...out, ...keyed };
}

/** The plan measured against a budget: the budget, the margin left per resource, and the verdict. */
export function withBudget<P extends Plan>(plan: P, budget: UtilizationBudget): P {
  const margin = Object.fromEntries(RESOURCES.map((r) => [r, budget[r] - plan.utilization[r]])) as Record<Resource, number>;
  const within = RESOURCES.every((r) => plan.utilization[r] <= budget[r]);
  return { ...plan, budget, margin, verdict: !plan.fits ? 'over-device' : within ? 'within-budget' : 'over-budget' };
}

/** True when the plan keeps every resource within its budget (a plan without one: within the device). */
export function withinBudget(plan: Plan): boolean {
  return plan.budget ? RESOURCES.every((r) => plan.utilization[r] <= plan.budget![r]) : plan.fits;
}

/** Resources over their budget on a plan that still fits the device, as "LUT 86% of xc7z020 exceeds the 70% budget". */
export function overBudget(plan: Plan): string[] {
  if (!plan.budget || !plan.fits) return [];
  const pc = (x: number) => `${+(100 * x).toFixed(1)}%`;
  return RESOURCES.filter((r) => plan.utilization[r] > plan.budget![r])
    .map((r) => `${RESOURCE_NAMES[r]} ${pc(plan.utilization[r])} of ${plan.board.part} exceeds the ${pc(plan.budget![r])} budget by ${pc(plan.utilization[r] - plan.budget![r])}`);
}

/** The build warning for a plan over its budget but within the device (nothing when within budget). */
export function budgetWarnings(plan: Plan): string[] {
  const over = overBudget(plan);
  if (!over.length) return [];
  return [`${over.join('; ')}: place and route may fail; a narrower --precision, larger reuse factors (--config), --schedule sequential or a bigger --board would bring it back, or raise --max-utilization to accept the risk`];
}
