/**
 * @fileoverview Target boards (hw/boards/boards.json): part number and default clock. `--board NAME` selects
 * one; `--part PART` overrides the part.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hwDir } from '../paths.js';
import { fail } from '../diagnostics.js';

export interface Board {
  readonly name: string;
  readonly part: string;
  readonly clockMHz: number;
  readonly board: string;
}

let cache: Map<string, Board> | undefined;

export function boards(): Map<string, Board> {
  if (!cache) {
    const raw = JSON.parse(readFileSync(path.join(hwDir(), 'boards', 'boards.json'), 'utf8')) as Record<string, Omit<Board, 'name'>>;
    cache = new Map(Object.entries(raw).map(([name, b]) => [name, { name, ...b }]));
  }
  return cache;
}

export function resolveBoard(name: string | undefined, part?: string): Board {
  const key = (name ?? 'zcu104').toLowerCase().replace(/[_\s]/g, '-').replace(/^ultra96-?v2$/, 'ultra96v2');
  const b = boards().get(key);
  if (!b) fail('FPGAC005', `unknown board '${name}'`, { hint: `known boards: ${[...boards().keys()].join(', ')}; or give --part` });
  return part ? { ...b, part } : b;
}
