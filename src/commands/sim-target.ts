/**
 * @fileoverview What `fpgac sim` runs: a build folder's design.json, the float reference of the model a folder was
 * built from (--float), or a model compiled on the fly. The compiler is only loaded here, so `sim DIR` (which needs
 * none of it) starts fast: the CLI reads a folder's design directly and imports this module for the other cases.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { compileModel, type CompileOptions } from '../compile.js';
import { runFloat } from '../reference.js';
import { loadModel } from '../onnx/load.js';
import { inferAndFold } from '../passes/infer.js';
import { fail } from '../diagnostics.js';
import { readDesignFile } from '../design-file.js';
import type { SimTarget } from './sim.js';

/** Loads what `sim` runs: a build directory (design.json, source/model.onnx) or a model file. */
export function loadTarget(target: string, opts: CompileOptions, float: boolean): SimTarget {
  if (!existsSync(target)) fail('FPGAC001', `'${target}' does not exist`);
  if (statSync(target).isDirectory()) {
    if (float) {
      const src = path.join(target, 'source', 'model.onnx');
      if (!existsSync(src)) fail('FPGAC001', `'${target}' has no source/model.onnx for the float reference`);
      return { reference: inferAndFold(loadModel(src, { limits: opts.limits }).graph, { limits: opts.limits }).graph, runFloat };
    }
    return { design: readDesignFile(target, opts.limits) };
  }
  if (float) return { reference: inferAndFold(loadModel(target, { limits: opts.limits }).graph, { limits: opts.limits }).graph, runFloat };
  return { design: compileModel(target, opts).design };
}
