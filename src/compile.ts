/**
 * @fileoverview The compiler as a library: every CLI command is one of these functions, so tests call them
 * directly. load → infer/fold → passes → lower (fixed-point Design).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Design } from './ir/design.js';
import type { Graph } from './ir/graph.js';
import { loadModel, type LoadedModel } from './onnx/load.js';
import { inferAndFold } from './passes/infer.js';
import { runPipeline } from './passes/pipeline.js';
import { lowerGraph } from './quant/lower.js';
import { DEFAULT_PRECISION, parsePrecision } from './quant/precision.js';
import { fail } from './diagnostics.js';
import { topNameProblem } from './emit/cpp.js';
import { calibrateFormats, valueRanges } from './quant/calibrate.js';
import type { QuantOptions } from './quant/context.js';
import { readSamples, sampleOf } from './data.js';
import { searchWidth, widthFormat, type WidthSearch } from './quant/search.js';
import { formatToCpp, type FixedFormat } from '../sim/fixed.js';
import { resolveLimits, type Limits } from './limits.js';

/** Calibration files split into samples: samples[s][i] is input i of sample s. */
function calibrationSamples(g: Graph, files: readonly string[]): Float64Array[][] {
  if (files.length !== g.inputs.length) fail('FPGAC005', `--calibrate needs ${g.inputs.length} file(s), one per graph input; ${files.length} given`);
  const data = files.map((f, i) => readSamples(f, g.inputs[i].shape, g.inputs[i].name, g.inputs[i].dtype));
  const n = Math.min(...data.map((d) => d.samples));
  return Array.from({ length: n }, (_, s) => data.map((d) => sampleOf(d, s)));
}

export interface CompileOptions {
  /** Default format of weights and activations (`--precision`). */
  readonly precision?: string;
  /** Name of the HLS top function. */
  readonly top?: string;
  /**
   * Calibration data (`--calibrate`): one .npy/.pb per graph input, first axis = samples. Every activation then
   * keeps the precision's width with the fewest integer bits that do not saturate on these samples, and every
   * constant gets a format from its own values (src/quant/calibrate.ts).
   */
  readonly calibrate?: readonly string[];
  /** Extra integer bits on every calibrated activation format (`--calibrate-margin`, default 0). */
  readonly calibrateMargin?: number;
  /** With --calibrate: one weight format per tensor, no per-output-channel precision (`--per-tensor-weights`). */
  readonly perTensorWeights?: boolean;
  /** With `precision: 'auto'`: the top-1 agreement with the float model to keep (`--min-agreement`, 0.99). */
  readonly minAgreement?: number;
  /** Resource limits (`--limit KEY=N`, src/limits.ts); unset ones take their defaults. */
  readonly limits?: Partial<Limits>;
}

export interface Compiled {
  readonly loaded: LoadedModel;
  /** The imported graph after constant folding only: what the float reference runs. */
  readonly reference: Graph;
  /** The canonical graph after every pass. */
  readonly canonical: Graph;
  readonly design: Design;
  readonly log: readonly string[];
  /** The width search, when `--precision auto` chose the precision. */
  readonly search?: WidthSearch;
  /** The same model lowered at another precision, reusing this compile's graph and calibration ranges. */
  readonly designAt: (precision: string) => Design;
}

export function compileModel(modelPath: string, opts: CompileOptions = {}): Compiled {
  const limits = resolveLimits(opts.limits);
  const loaded = loadModel(modelPath, { limits });
  // The loader checked the opset (1 to 25; a newer one is a warning in loaded.warnings).
  const opset = loaded.graph.opset;
  // Imported once: the reference is the folded graph, and the pipeline starts from it.
  const imported = inferAndFold(loaded.graph, { limits });
  const reference = imported.graph;
  const { graph: canonical, log } = runPipeline(loaded.graph, { limits, first: imported });
  const auto = opts.precision === 'auto';
  if (auto && !opts.calibrate) fail('FPGAC005', '--precision auto needs --calibrate DATA.npy: the search measures top-1 agreement on those samples');
  if (opts.minAgreement !== undefined && !auto) fail('FPGAC005', '--min-agreement goes with --precision auto');
  const base = parsePrecision(auto ? DEFAULT_PRECISION : opts.precision ?? DEFAULT_PRECISION);
  const top = opts.top ?? 'fpgac_top';
  const topProblem = topNameProblem(top);
  if (topProblem) fail('FPGAC005', `--top '${top}' ${topProblem}`, { hint: 'give a C identifier such as my_net_top' });
  const margin = opts.calibrateMargin ?? 0;
  if (!(Number.isInteger(margin) && margin >= 0 && margin <= 32)) fail('FPGAC005', `--calibrate-margin ${opts.calibrateMargin}: expected a whole number of bits from 0 to 32`);
  if (opts.calibrateMargin !== undefined && !opts.calibrate) fail('FPGAC005', '--calibrate-margin needs --calibrate');
  const samples = opts.calibrate ? calibrationSamples(canonical, opts.calibrate) : undefined;
  // The float ranges do not depend on the width: computed once, whatever the search tries.
  const ranges = samples ? valueRanges(canonical, samples) : undefined;
  const model = {
    file: path.basename(modelPath),
    sha256: createHash('sha256').update(readFileSync(modelPath)).digest('hex'),
    opset,
    producer: loaded.producer,
  };
  const build = (act: FixedFormat, precision: string): Design => {
    let quant: QuantOptions = { activation: act, weight: act, bias: act };
    if (ranges) {
      const cal = calibrateFormats(canonical, ranges, act, margin);
      quant = { ...quant, valueFormats: cal.values, regionFormats: cal.regions, constantsFromValues: true, perChannel: !opts.perTensorWeights };
    }
    return lowerGraph(canonical, { quant, topName: top, precision, model });
  };
  const designAt = (precision: string) => build(parsePrecision(precision), precision);
  if (auto) {
    const search = searchWidth(reference, samples!, (f) => build(f, formatToCpp(f)), base, opts.minAgreement);
    const f = widthFormat(search.chosen.width, base);
    return { loaded, reference, canonical, designAt, design: build(f, formatToCpp(f)), log: [...log, `precision auto: ${search.chosen.precision} (top-1 agreement ${(100 * search.chosen.agreement).toFixed(2)}% ≥ ${100 * search.minAgreement}%; tried ${search.tried.map((t) => `${t.width} bits: ${(100 * t.agreement).toFixed(1)}%`).join(', ')})`], search };
  }
  const design = build(base, opts.precision ?? DEFAULT_PRECISION);
  return { loaded, reference, canonical, design, log, designAt };
}
