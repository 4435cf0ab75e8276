/**
 * @fileoverview Locates the package's own files (templates/, hw/) whether running from src/ (tests) or from
 * dist/src/ (the installed CLI).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'fpgac') return (cached = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error('internal error: cannot locate the fpgac package root');
    dir = up;
  }
}

export const templatesDir = (): string => path.join(packageRoot(), 'templates');
export const hwDir = (): string => path.join(packageRoot(), 'hw');
/** The bundled example model, the embedded default of `fpgac build`. */
export const exampleModel = (): string => path.join(packageRoot(), 'examples', 'dsodenet-digits', 'model.onnx');
