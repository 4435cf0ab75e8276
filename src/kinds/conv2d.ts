/**
 * @fileoverview The `conv2d` layer kind (Conv2dLayer in src/ir/design.ts): pf_out output-channel engines times
 * pf_px pixel lanes, each a flat pipelined loop per channel group; sparse weights when that saves cycles and bits
 * (src/plan/sparse.ts).
 */
import { simulateConv2d } from '../../sim/kernels/conv.js';
import type { Conv2dLayer } from '../ir/design.js';
import { renderConv2d } from '../emit/kernels/conv.js';
import { divisors, mac, PIPELINE_DEPTH, sparseCannotSave, withStorage, zerosOf, type Parallel, type SparseOption } from '../plan/estimate.js';
import { sparseConv, sparsePointwise, type SparseCode } from '../plan/sparse.js';
import { inFormat } from './common.js';
import { macConstants, macFormats, macPath, macStored, unrolledMac } from './mac.js';
import type { KindDef } from './types.js';
import { convPacking } from '../plan/packing.js';

const fanInOf = (l: Conv2dLayer) => (l.c / l.group) * l.kh * l.kw;
const pxOf = (p: Parallel) => p.pfPx ?? 1;
/** Output pixels one pixel lane computes per engine and group (lanes split the rows, or a one-row output's columns). */
const pixelsPerLane = (l: Conv2dLayer, p: Parallel) => (l.oh * l.ow) / pxOf(p);

/** Pixel lanes cap: beyond 16 the row banks of the feature maps cost more memory than the lanes save cycles. */
const MAX_PIXEL_LANES = 16;
/** The most banks pixel lanes may split a feature map into (see convChoices). */
const MAX_FEATURE_BANKS = 1024;

/**
 * The parallel factors, fewest multipliers first: output-channel engines (ordinary and depthwise convs; other
 * groupings run one engine), then pixel lanes of every engine (divisors of oh, or of ow when oh is 1). Of two
 * choices with as many multipliers the one with more engines is kept: pixel lanes need finer feature-map banks.
 */
function convChoices(l: Conv2dLayer): Parallel[] {
  const engines = l.group === 1 || (l.group === l.c && l.c === l.oc) ? divisors(l.oc) : [1];
  const lanes = divisors(l.oh > 1 ? l.oh : l.ow).filter((d) => d <= MAX_PIXEL_LANES);
  const best = new Map<number, Parallel>();
  for (const pfOut of engines) {
    for (const pfPx of lanes) {
      // Pixel lanes bank the maps by rows of every channel: past MAX_FEATURE_BANKS banks an array is thousands of
      // tiny LUTRAMs (and a partition HLS handles badly), never worth its lanes.
      const px = pixelBanks(l, { pfIn: 1, pfOut, pfPx });
      if (pfPx > 1 && Math.max(px.input, px.output) > MAX_FEATURE_BANKS) continue;
      const n = pfOut * pfPx;
      const had = best.get(n);
      if (!had || had.pfOut < pfOut) best.set(n, pfPx > 1 ? { pfIn: 1, pfOut, pfPx } : { pfIn: 1, pfOut });
    }
  }
  return [...best].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/**
 * Banks the pixel lanes need (hw/fpgac/conv.h): at one cycle lane k reads input row (or column) r0 + k·stride·span,
 * span being a lane's output rows (columns), so block banks of at most stride·span whole rows (words), never
 * straddling a channel (rows) or a row (columns), hold each lane's read in its own bank; lane k writes output rows
 * (columns) k·span .. (k+1)·span − 1 of every channel: banks of span rows (words) each.
 */
function pixelBanks(l: Conv2dLayer, p: Parallel): { input: number; output: number } {
  const px = pxOf(p);
  if (px === 1) return { input: 1, output: 1 };
  const rows = l.oh > 1;
  const span = rows ? l.oh / px : l.ow / px;
  const step = span * (rows ? l.sh : l.sw);
  const run = Math.max(...divisors(rows ? l.h : l.w).filter((d) => d <= step));
  const inputWords = l.c * l.h * l.w;
  return { input: inputWords / (run * (rows ? l.w : 1)), output: l.oc * (rows ? l.oh / span : l.oh * px) };
}

function convSparse(l: Conv2dLayer, par: Parallel): SparseOption {
  if (!zerosOf(l.weight)) return { why: 'no zero weights' };
  const cannot = sparseCannotSave(l, fanInOf(l));
  if (cannot) return { why: cannot };
  // One flat pipelined loop per channel group (hw/fpgac/conv.h): pixels x that group's steps.
  const latency = (code: SparseCode) => pixelsPerLane(l, par) * code.steps + (l.oc / par.pfOut) * PIPELINE_DEPTH;
  const union = sparseConv(l, par.pfOut);
  if (l.kh * l.kw !== 1 || l.group !== 1) return { code: union, latency: latency(union) };
  // 1x1: gathering the pixel's channels into registers frees each engine's list.
  const own = sparsePointwise(l, par.pfOut);
  return latency(own) < latency(union) ? { code: own, latency: latency(own) } : { code: union, latency: latency(union) };
}

export const CONV2D: KindDef<Conv2dLayer> = {
  kind: 'conv2d',
  doc: '2-D convolution (1-D with h = 1), any groups, strides, padding, dilation; bias and fused activation',
  family: 'conv',
  constants: macConstants,
  macs: (l) => l.oc * l.oh * l.ow * (l.c / l.group) * l.kh * l.kw,
  simulate: simulateConv2d,
  render: renderConv2d,
  sequential: {
    parallelChoices: convChoices,
    estimate(design, l, par) {
      const fanIn = fanInOf(l);
      const groups = l.oc / par.pfOut;
      // Products bound by operand widths: narrow ones in LUTs (hw/fpgac/conv.h lut_mul), the rest in DSPs.
      // Reuse stays per output pixel (fan-in x channels per engine): pixel lanes add multipliers, not reuse.
      const e = mac(groups * pixelsPerLane(l, par) * fanIn, groups, par.pfOut * pxOf(par), fanIn * l.oc * pxOf(par), inFormat(design, l), l.weight.format, l.acc, 'by-width');
      return withStorage(e, l, convSparse(l, par));
    },
    // A gathered sparse 1×1 conv reads every input channel of a pixel at once: one bank per channel. Channel banks
    // and row banks are both block partitions, so their least common multiple serves both.
    banks: (l, p, e) => {
      const px = pixelBanks(l, p);
      return { input: lcm(e.sparse?.gather ? l.c : l.group === 1 ? 1 : p.pfOut, px.input), output: lcm(p.pfOut, px.output), layout: 'block' };
    },
    // Each engine reads its own contiguous run of weights; tap codes are shared unless the pixel is gathered.
    stored: (l, p, e) => macStored(l, e, p.pfOut, 'block', p.pfOut, e.sparse?.gather ? p.pfOut : 1),
    packing: (design, l, p, e, part) => convPacking(inFormat(design, l), l, p, e, part),
    // A tile is one channel group: channel u·(oc/pf_out) + t of every engine u, the engines' weights interleaved
    // (element e: engine e mod pf_out, fan-in index e div pf_out; hw/fpgac/conv.h conv2d_stream), so a cycle's
    // pf_out reads are consecutive: cyclic banks.
    stream: (l, p) => {
      const fanIn = fanInOf(l);
      const opb = l.oc / p.pfOut;
      return {
        tiles: opb, tileElems: p.pfOut * fanIn, banks: p.pfOut,
        computePerTile: pixelsPerLane(l, p) * fanIn + PIPELINE_DEPTH,
        source: (t, e) => ((e % p.pfOut) * opb + t) * fanIn + Math.floor(e / p.pfOut),
      };
    },
  },
  pipelined: {
    resources: (design, l) => unrolledMac(design, l, l.oh * l.ow, l.oc, 'by-width'),
    path: (design, l, d) => macPath(design, l, d, fanInOf(l), l.oc * l.oh * l.ow, l.oc),
    tableReads: () => 0,
  },
  report: { label: (l) => l.kind, formats: macFormats, macWeight: (l) => l.weight, parallelText: (p) => (pxOf(p) > 1 ? `${p.pfOut} x ${pxOf(p)} px` : String(p.pfOut)) },
};
