/**
 * @fileoverview The fuzz case families. Each case writes its inputs into a fresh World and says what command to
 * run, which folder it may write, and what else to check. Seeded: the same seed gives the same cases.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeNpy } from '../../src/npy.js';
import { packageRoot } from '../../src/paths.js';
import { bombSpec, convSpec, denseSpec, distinctValues, encode, int, mutateModel, nameFor, pick, withExternal, type Rand } from './models.js';
import type { World } from './world.js';

export const FAMILIES = ['bytes', 'structure', 'names', 'paths', 'data', 'bombs', 'signals'] as const;
export type Family = (typeof FAMILIES)[number];

export interface Prepared {
  /** fpgac's arguments; the case runs in world.work. */
  readonly argv: readonly string[];
  /** Folders (relative to world.work) the command may create or replace. */
  readonly writes: readonly string[];
  /** The model carries hostile names: scan the project for anything that reached code. */
  readonly hostile?: boolean;
  /** What the outcome must be, beyond "success or a coded diagnostic". */
  readonly expect?: 'ok' | 'diagnostic';
  /** signals family: an earlier build of the same folder, then this command killed after `afterMs`. */
  readonly kill?: { readonly signal: 'SIGKILL' | 'SIGTERM'; readonly afterMs: number };
}

export interface FuzzCase {
  readonly family: Family;
  readonly label: string;
  prepare(w: World): Prepared;
}

const example = () => path.join(packageRoot(), 'examples', 'dsodenet-digits', 'model.onnx');

function put(w: World, rel: string, bytes: Uint8Array | string): string {
  const p = path.join(w.work, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return rel;
}

/** A file name a file system accepts, from a hostile name: no '/', no NUL, at most 200 bytes. */
function fileName(name: string): string {
  const s = name.replace(/[/\u0000]/g, '_');
  const b = Buffer.from(s);
  return (b.length > 200 ? b.subarray(0, 200).toString('utf8').replace(/\uFFFD+$/, '') : s) || 'empty';
}

function bytesCase(rand: Rand): FuzzCase {
  const base = readFileSync(example());
  const b = Buffer.from(base);
  const truncate = rand() < 0.2;
  const cut = int(rand, 0, b.length);
  const flips = int(rand, 1, 6);
  for (let k = 0; !truncate && k < flips; k++) b[int(rand, 0, b.length - 1)] = int(rand, 0, 255);
  const bytes = truncate ? b.subarray(0, cut) : b;
  return { family: 'bytes', label: truncate ? `truncated at ${cut}` : `${flips} random bytes`, prepare: (w) => ({ argv: ['build', put(w, 'models/m.onnx', bytes), '-o', 'out'], writes: ['out'] }) };
}

function structureCase(rand: Rand): FuzzCase {
  const plain = (k: number) => `v${k}`;
  const sources = [() => readFileSync(example()), () => encode(denseSpec(plain)), () => encode(convSpec(plain))];
  let bytes: Uint8Array = pick(rand, sources)();
  const what: string[] = [];
  for (let k = 0, n = int(rand, 1, 3); k < n; k++) {
    const m = mutateModel(bytes, rand);
    bytes = m.bytes;
    what.push(m.what);
  }
  const cmd = pick(rand, ['build', 'build', 'inspect', 'sim']);
  return {
    family: 'structure', label: `${cmd}: ${what.join('; ')}`,
    prepare: (w) => {
      const model = put(w, 'models/m.onnx', bytes);
      if (cmd === 'build') return { argv: ['build', model, '-o', 'out'], writes: ['out'] };
      if (cmd === 'inspect') return { argv: ['inspect', model], writes: [] };
      return { argv: ['sim', model, '-o', 'y.npy', '--input', put(w, 'x.npy', encodeNpy({ shape: [1, 6], data: new Float64Array(6) }))], writes: ['y.npy'] };
    },
  };
}

function namesCase(rand: Rand): FuzzCase {
  const conv = rand() < 0.4;
  const slots = conv ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const name = distinctValues((k) => nameFor(rand, k), slots);
  const spec = conv ? convSpec(name) : denseSpec(name);
  const file = `${fileName(nameFor(rand, 99))}.onnx`;
  return {
    family: 'names', label: `${conv ? 'conv' : 'dense'} model '${file.slice(0, 40)}'`,
    prepare: (w) => ({ argv: ['build', put(w, path.join('models', file), encode(spec)), '-o', 'out'], writes: ['out'], hostile: true }),
  };
}

/** External data locations, output folders and option values a hostile or careless user could give. */
function pathsCase(rand: Rand): FuzzCase {
  const kind = int(rand, 0, 3);
  const plain = (k: number) => `v${k}`;
  if (kind === 0) {
    const loc = pick(rand, ['../../outside/secret.bin', '/etc/passwd', 'sub/../../../outside/secret.bin', 'link.bin', 'models', '', 'w.bin\u0000x', 'C:\\x.bin', 'w.bin']);
    const offset = pick(rand, [0, 0, 16, -1, 2 ** 40]);
    return {
      family: 'paths', label: `external data at '${loc}' offset ${offset}`,
      prepare: (w) => {
        symlinkSync(path.join(w.outside, 'secret.bin'), path.join(w.work, 'models', 'link.bin'));
        put(w, 'models/w.bin', Buffer.alloc(4096));
        return { argv: ['build', put(w, 'models/m.onnx', withExternal(encode(denseSpec(plain)), loc, offset, 120)), '-o', 'out'], writes: ['out'] };
      },
    };
  }
  if (kind === 1) {
    const out = pick(rand, ['.', '', '..', 'models', 'notes.md', 'thesis', '~', '/', 'link-out', 'out/../out', '$(touch PWNED_o)', 'a b/out', 'out\nx']);
    return {
      family: 'paths', label: `-o '${out}'`,
      prepare: (w) => {
        symlinkSync(path.join(w.work, 'thesis'), path.join(w.work, 'link-out'));
        const writes = ['$(touch PWNED_o)', 'a b', 'out', 'out\nx'].includes(out.split('/')[0]) ? [out.split('/')[0]] : [];
        return { argv: ['build', put(w, 'models/m.onnx', encode(denseSpec(plain))), '-o', out === '~' ? w.home : out], writes, expect: writes.length ? 'ok' : 'diagnostic' };
      },
    };
  }
  const flag = pick(rand, ['--part', '--top', '--board', '--precision', '--clock', '--config', '--target-fps', '--schedule', '--hls-tool', '--calibrate', '--input']);
  const value = pick(rand, ['x; exec touch PWNED_p; #', '[exec touch PWNED_t]', 'int', 'main', '', '-1', 'NaN', '1e309', 'ap_fixed<6,16>', 'ap_fixed<0,0>', 'ap_fixed<99,1>', '../../outside/secret.bin', 'models', 'zcu104\u001b[2K']);
  return {
    family: 'paths', label: `${flag} '${value}'`,
    prepare: (w) => ({ argv: ['build', put(w, 'models/m.onnx', encode(denseSpec(plain))), '-o', 'out', flag, value], writes: ['out'] }),
  };
}

/** Data files that are wrong in every way: shapes, types, headers, sizes. */
function dataCase(rand: Rand): FuzzCase {
  const good = encodeNpy({ shape: [2, 6], data: new Float64Array(12).fill(0.5) });
  const variants: [string, () => Uint8Array][] = [
    ['NHWC-like shape', () => encodeNpy({ shape: [2, 3, 2], data: new Float64Array(12) })],
    ['sizes that merely divide', () => encodeNpy({ shape: [4, 3], data: new Float64Array(12) })],
    ['int8 data', () => {
      // A float32 file relabelled '|i1' (same header length) with 12 one-byte values.
      const f = Buffer.from(encodeNpy({ shape: [2, 6], data: new Float64Array(12) }, 'float32'));
      const end = 10 + f.readUInt16LE(8);
      return Buffer.concat([Buffer.from(f.subarray(0, end).toString('latin1').replace("'<f4'", "'|i1'"), 'latin1'), Buffer.alloc(12, 1)]);
    }],
    ['truncated', () => good.subarray(0, int(rand, 0, good.length - 1))],
    ['garbage', () => Uint8Array.from({ length: int(rand, 0, 300) }, () => int(rand, 0, 255))],
    ['header claims 2^40 values', () => Buffer.from(Buffer.from(good).toString('latin1').replace('(2, 6)', '(1099511627776,)'), 'latin1')],
    ['NaN and Inf', () => encodeNpy({ shape: [2, 6], data: Float64Array.from([NaN, Infinity, -Infinity, 1e308, -0, 5e-324, 1, 2, 3, 4, 5, 6]) })],
    ['empty batch', () => encodeNpy({ shape: [0, 6], data: new Float64Array(0) })],
    ['scalar', () => encodeNpy({ shape: [], data: new Float64Array([1]) })],
    ['a .pb that is not a tensor', () => Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])],
  ];
  const [what, make] = pick(rand, variants);
  const cmd = pick(rand, ['sim', 'verify', 'build-input', 'build-calibrate']);
  const plain = (k: number) => `v${k}`;
  return {
    family: 'data', label: `${cmd} with ${what}`,
    prepare: (w) => {
      const model = put(w, 'models/m.onnx', encode(denseSpec(plain)));
      const data = put(w, what.includes('.pb') ? 'x.pb' : 'x.npy', make());
      if (cmd === 'sim') return { argv: ['sim', model, '--input', data, '-o', 'y.npy'], writes: ['y.npy'] };
      if (cmd === 'verify') return { argv: ['verify', model, '--input', data], writes: [] };
      if (cmd === 'build-input') return { argv: ['build', model, '-o', 'out', '--input', data], writes: ['out'] };
      return { argv: ['build', model, '-o', 'out', '--calibrate', data], writes: ['out'] };
    },
  };
}

function bombsCase(rand: Rand): FuzzCase {
  const kind = int(rand, 0, 5);
  const labels = ['ConstantOfShape [2^28]', 'input of 2^28 elements', '20,000-node chain', 'Loop of 2^62 trips', '30 nested Loops', 'Expand to 2^32 elements'];
  return {
    family: 'bombs', label: labels[kind],
    // The chain is within the node limit (it builds, or does not fit the board: either, quickly); the others ask for
    // more than a limit allows and must be refused.
    prepare: (w) => ({ argv: ['build', put(w, 'models/m.onnx', encode(bombSpec(kind))), '-o', 'out'], writes: ['out'], ...(kind === 2 ? {} : { expect: 'diagnostic' as const }) }),
  };
}

function signalsCase(rand: Rand): FuzzCase {
  const signal = rand() < 0.6 ? 'SIGKILL' as const : 'SIGTERM' as const;
  const afterMs = int(rand, 50, 1500);
  return {
    family: 'signals', label: `${signal} after ${afterMs} ms of a rebuild`,
    prepare: (w) => ({ argv: ['build', path.join(packageRoot(), 'examples', 'dsodenet-digits', 'model.onnx'), '-o', 'out'], writes: ['out'], kill: { signal, afterMs } }),
  };
}

const MAKERS: Record<Family, (rand: Rand) => FuzzCase> = {
  bytes: bytesCase, structure: structureCase, names: namesCase, paths: pathsCase, data: dataCase, bombs: bombsCase, signals: signalsCase,
};

export function makeCase(family: Family, rand: Rand): FuzzCase {
  return MAKERS[family](rand);
}
