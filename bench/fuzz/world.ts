/**
 * @fileoverview A throw-away world for one fuzz case: a HOME and a working folder full of the user's files
 * (sentinels), so a case can prove it changed nothing outside the folder it was allowed to write.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface World {
  readonly root: string;
  /** $HOME for the case, with a .bashrc and an .ssh key. */
  readonly home: string;
  /** The working folder (cwd), with the user's own project files; models go in work/models. */
  readonly work: string;
  /** A folder outside both, holding a secret a hostile model may try to read. */
  readonly outside: string;
}

export const SECRET = 'FPGAC-FUZZ-SECRET-7f3a9c';

export function makeWorld(tag = 'case'): World {
  const root = mkdtempSync(path.join(os.tmpdir(), `fpgac-fuzz-${tag}-`));
  const w: World = { root, home: path.join(root, 'home'), work: path.join(root, 'work'), outside: path.join(root, 'outside') };
  for (const d of [w.home, path.join(w.home, '.ssh'), w.work, path.join(w.work, 'models'), path.join(w.work, 'thesis'), w.outside]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(w.home, '.bashrc'), '# the user\'s shell setup\n');
  writeFileSync(path.join(w.home, '.ssh', 'id_ed25519'), `${SECRET}-key\n`);
  writeFileSync(path.join(w.work, 'thesis', 'chapter1.tex'), 'years of work\n');
  writeFileSync(path.join(w.work, 'notes.md'), 'the user\'s notes\n');
  writeFileSync(path.join(w.outside, 'secret.bin'), Buffer.from(SECRET.repeat(64)));
  return w;
}

export function removeWorld(w: World): void {
  rmSync(w.root, { recursive: true, force: true });
}

/** path → content hash (or link target) of every entry under `dir`, except the subtrees in `skip`. */
export function snapshot(dir: string, skip: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const skipSet = new Set(skip.map((s) => path.resolve(s)));
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      if (skipSet.has(p)) continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(p, `link:${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(p, 'dir');
        walk(p);
      } else out.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** Entries added, removed or changed between two snapshots. */
export function changes(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [p, h] of before) if (after.get(p) !== h) out.push(after.has(p) ? `changed ${p}` : `removed ${p}`);
  for (const p of after.keys()) if (!before.has(p)) out.push(`added ${p}`);
  return out;
}
