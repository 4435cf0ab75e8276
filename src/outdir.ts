/**
 * @fileoverview The build directory, written so that no user file is ever lost (issue 10).
 *
 * Ownership: every build writes `.fpgac-build.json`, the manifest of the files it wrote with their SHA-256. A
 * folder is fpgac's to replace only when it is absent, empty, or carries that manifest; anything else is refused
 * (FPGAC012) unless `--force`. Inside an fpgac folder, files the manifest does not list (Vitis `*_prj/` results,
 * `make csim`'s `build/` and outputs, the user's notes) are carried into the new build, and a listed file whose
 * contents changed since fpgac wrote it is the user's edit: refused unless `--force`.
 *
 * Replacement by rename, so a SIGKILL at any instant loses nothing (each step is one rename(2)):
 *   1. the new tree is written complete into the hidden sibling `.NAME.fpgac-new-PID`;
 *   2. the old folder is renamed aside to `.NAME.fpgac-old-PID`;
 *   3. the new tree is renamed to NAME;
 *   4. the old folder's unlisted entries are renamed into NAME;
 *   5. the old folder's listed files are deleted, then its emptied directories.
 * A later build first repairs what a killed one left (`recoverStale`): a `-new-` sibling holds only fpgac's own
 * files and is deleted; an `-old-` sibling is renamed back when NAME is missing (killed between 2 and 3), else its
 * unlisted entries are moved into NAME and the rest deleted as in step 5. SIGINT/SIGTERM/SIGHUP arriving while
 * this runs are held until it has finished (the write is synchronous; see `holdSignals`).
 *
 * Where: the folder must not be the model's folder, the working folder, the home folder, the file-system root,
 * or an ancestor of any of them, nor contain a file the build reads: those are refused even with --force.
 */
import {
  closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync,
  renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { DiagnosticError, type Diagnostic } from './diagnostics.js';

export const MARKER = '.fpgac-build.json';

export interface Manifest {
  readonly tool: 'fpgac';
  readonly version: string;
  /** Relative path (posix separators) → SHA-256 of the bytes written. */
  readonly files: Readonly<Record<string, string>>;
}

export interface OutputOptions {
  /** Replace a folder fpgac did not write, and files the user changed (`--force`). */
  readonly force?: boolean;
  /** Files the build reads (model, external data, inputs, calibration, config): the folder may not hold them. */
  readonly reads?: readonly string[];
  /** The model file: its folder may not be the output folder or inside it. */
  readonly model?: string;
  /** Written into the manifest. */
  readonly version: string;
}

export interface WriteResult {
  /** Entries of the previous build's folder that were not fpgac's and were kept (relative paths). */
  readonly kept: readonly string[];
  /** What the stale-temp repair did, one line each (for the CLI to print as notes). */
  readonly repaired: readonly string[];
}

function refuse(message: string, hint?: string): never {
  const d: Diagnostic = { code: 'FPGAC012', message, ...(hint ? { hint } : {}) };
  throw new DiagnosticError([d]);
}

const sha256 = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The real path of p, resolving symlinks of its longest existing prefix (p itself may not exist yet). */
function realish(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(head), ...tail.reverse());
    } catch {
      const up = path.dirname(head);
      if (up === head) return abs;
      tail.push(path.basename(head));
      head = up;
    }
  }
}

/** a equals b or contains it. */
function containsOrEquals(a: string, b: string): boolean {
  const rel = path.relative(a, b);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

export function readManifest(dir: string): Manifest | undefined {
  const file = path.join(dir, MARKER);
  const st = lstatOrNull(file);
  if (!st || !st.isFile()) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (m.tool !== 'fpgac' || typeof m.files !== 'object' || m.files === null) return undefined;
    // A manifest naming paths outside the folder is not one we wrote: never let it direct a deletion there.
    if (Object.keys(m.files).some((f) => !safeRelative(f))) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

function safeRelative(f: string): boolean {
  return f.length > 0 && !f.startsWith('/') && !f.includes('\\') && !f.includes('\0') && f.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** Checks where the build may write, before any work is done. Throws FPGAC012 with the reason. */
export function checkOutputDir(dir: string, opts: { readonly force?: boolean; readonly reads?: readonly string[]; readonly model?: string }): void {
  if (dir.trim() === '') refuse(`-o '${dir}' names no folder; give -o DIR`);
  const st = lstatOrNull(path.resolve(dir));
  if (st?.isSymbolicLink()) refuse(`-o '${dir}' is a symbolic link; fpgac writes a real folder there`, 'give the folder the link points to, or a new one');
  if (st && !st.isDirectory()) refuse(`-o '${dir}' is an existing file, not a folder; fpgac will not replace it`, 'give a new folder, e.g. -o out/');
  const target = realish(dir);
  const protectedDirs: [string, string][] = [
    [realish(process.cwd()), 'the working folder'],
    [realish(os.homedir()), 'your home folder'],
    [path.parse(target).root, 'the file-system root'],
  ];
  if (opts.model) protectedDirs.unshift([realish(path.dirname(opts.model)), "the model's folder"]);
  for (const [p, what] of protectedDirs) {
    if (containsOrEquals(target, p)) refuse(`-o '${dir}' is ${target === p ? what : `an ancestor of ${what}`} (${p}); fpgac replaces its output folder, so it must be a folder of its own`, 'give a new folder, e.g. -o out/');
  }
  for (const r of opts.reads ?? []) {
    if (containsOrEquals(target, realish(r))) refuse(`-o '${dir}' contains '${r}', which this build reads; the output folder is replaced by the build`, 'give a folder of its own, e.g. -o out/');
  }
  if (!st) return;
  if (readdirSync(target).length === 0) return;
  const m = readManifest(target);
  if (!m) {
    if (opts.force) return;
    refuse(`the output folder '${dir}' exists and was not written by fpgac (it has no ${MARKER}); its files would be replaced`, 'choose another -o, empty the folder, or pass --force to replace it');
  }
  if (opts.force) return;
  const changed = Object.entries(m.files).filter(([rel, hash]) => {
    const p = path.join(target, ...rel.split('/'));
    const s = lstatOrNull(p);
    return s !== null && (!s.isFile() || sha256(readFileSync(p)) !== hash);
  }).map(([rel]) => rel);
  if (changed.length) {
    refuse(`${changed.length} file(s) of the previous build in '${dir}' were changed since fpgac wrote them (${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', ...' : ''}); a rebuild would replace them`, 'copy your edits elsewhere, or pass --force to replace them');
  }
}

/** Temp siblings of `target` left by earlier builds: name → pid and kind. */
function staleSiblings(target: string): { path: string; kind: 'new' | 'old' | 'legacy'; pid: number }[] {
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const out: { path: string; kind: 'new' | 'old' | 'legacy'; pid: number }[] = [];
  for (const n of names) {
    let m = /^\.(.+)\.fpgac-(new|old)-(\d+)$/.exec(n);
    if (m && m[1] === base) out.push({ path: path.join(parent, n), kind: m[2] as 'new' | 'old', pid: Number(m[3]) });
    // Builds before the manifest wrote `NAME.fpgac-tmp-PID` (only their own files).
    m = /^(.+)\.fpgac-tmp-(\d+)$/.exec(n);
    if (m && m[1] === base) out.push({ path: path.join(parent, n), kind: 'legacy', pid: Number(m[2]) });
  }
  return out;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // our own earlier, interrupted call in this process
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes the listed files of `dir` (unchanged ones only) and then the directories that became empty. */
function removeListed(dir: string, m: Manifest | undefined): void {
  for (const [rel, hash] of Object.entries(m?.files ?? {})) {
    const p = path.join(dir, ...rel.split('/'));
    const s = lstatOrNull(p);
    if (s?.isFile() && sha256(readFileSync(p)) === hash) unlinkSync(p);
  }
  const marker = path.join(dir, MARKER);
  if (lstatOrNull(marker)?.isFile()) unlinkSync(marker);
  pruneEmptyDirs(dir);
}

/** Removes empty directories bottom-up (never a file); leaves `dir` itself if anything remains in it. */
function pruneEmptyDirs(dir: string): boolean {
  const s = lstatOrNull(dir);
  if (!s?.isDirectory()) return false;
  let empty = true;
  for (const n of readdirSync(dir)) {
    const p = path.join(dir, n);
    if (!(lstatOrNull(p)?.isDirectory() && pruneEmptyDirs(p))) empty = false;
  }
  if (empty) rmdirSync(dir);
  return empty;
}

/**
 * Entries of an old build folder that fpgac did not write: whole directories holding no listed file, and
 * unlisted files inside directories that do. Relative posix paths, parents before children.
 */
function unlistedEntries(dir: string, m: Manifest | undefined): string[] {
  const listed = new Set(Object.keys(m?.files ?? {}));
  listed.add(MARKER);
  const listedDirs = new Set<string>();
  for (const f of listed) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) listedDirs.add(parts.slice(0, i).join('/'));
  }
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(rel ? path.join(dir, ...rel.split('/')) : dir).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const s = lstatSync(path.join(dir, ...r.split('/')));
      if (s.isDirectory() && !s.isSymbolicLink() && listedDirs.has(r)) walk(r);
      else if (!listed.has(r)) out.push(r);
    }
  };
  walk('');
  return out;
}

/** Moves the old folder's unlisted entries into `target` (renames); an entry whose path is taken stays. */
function carryOver(old: string, target: string, m: Manifest | undefined): { kept: string[]; blocked: string[] } {
  const kept: string[] = [];
  const blocked: string[] = [];
  for (const rel of unlistedEntries(old, m)) {
    const to = path.join(target, ...rel.split('/'));
    if (lstatOrNull(to)) { blocked.push(rel); continue; }
    mkdirSync(path.dirname(to), { recursive: true });
    renameSync(path.join(old, ...rel.split('/')), to);
    kept.push(rel);
    fault('carried');
  }
  return { kept, blocked };
}

/** Repairs what builds killed before they finished left next to `target` (see the file overview). */
export function recoverStale(target: string): string[] {
  const notes: string[] = [];
  for (const s of staleSiblings(target)) {
    if (alive(s.pid)) continue;
    if (s.kind !== 'old') {
      rmSync(s.path, { recursive: true, force: true });
      notes.push(`removed ${path.basename(s.path)}, left by an interrupted build`);
      continue;
    }
    if (!lstatOrNull(target)) {
      renameSync(s.path, target);
      notes.push(`restored ${path.basename(target)} from ${path.basename(s.path)}, left by an interrupted build`);
      continue;
    }
    const m = readManifest(s.path);
    const { kept, blocked } = carryOver(s.path, target, m);
    removeListed(s.path, m);
    if (kept.length) notes.push(`moved ${kept.length} file(s) of yours (${kept.slice(0, 3).join(', ')}${kept.length > 3 ? ', ...' : ''}) back into ${path.basename(target)} from an interrupted build`);
    if (blocked.length) notes.push(`kept ${path.basename(s.path)}: it holds ${blocked.join(', ')}, whose place in ${path.basename(target)} is taken`);
  }
  return notes;
}

/**
 * SIGINT, SIGTERM and SIGHUP received during `fn` are held until it returns and then delivered as usual (the
 * process ends by that signal). Node runs signal handlers between synchronous tasks, so the synchronous `fn`
 * always completes: the folder is never left between two renames by a polite signal. Before the first write the
 * default disposition applies (nothing is on disk yet); from then on the handler stays installed, and re-raises
 * the signal with the default disposition as soon as the event loop runs it.
 */
let signalsHeld = false;

function holdSignals<T>(fn: () => T): T {
  if (!signalsHeld) {
    signalsHeld = true;
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const onSignal = (sig: NodeJS.Signals) => {
      for (const s of signals) process.off(s, onSignal);
      signalsHeld = false;
      process.kill(process.pid, sig);
    };
    for (const s of signals) process.on(s, onSignal);
  }
  try {
    return fn();
  } finally {
    // Node's signal watchers do not keep the process alive: a ref'd timer makes the event loop poll once more,
    // which dispatches a signal that arrived during fn before the process could exit as if none had.
    setTimeout(() => undefined, 20);
  }
}

/**
 * Fault injection for the crash tests (test/outdir-signals.test.ts), off unless FPGAC_FAULT is set:
 * `kill:<point>` SIGKILLs the process at that point of writeOutputDir, `sleep:<point>:<ms>` blocks there (so a
 * test can send a signal mid-write). Points: written (new tree complete), aside (old folder moved aside),
 * renamed (new tree in place), carried (first unlisted entry moved back).
 */
function fault(point: string): void {
  const f = process.env.FPGAC_FAULT;
  if (!f) return;
  const [what, at, ms] = f.split(':');
  if (at !== point) return;
  if (what === 'kill') process.kill(process.pid, 'SIGKILL');
  // Busy, as the real write is: a signal then waits for the event loop as it would in a build.
  if (what === 'sleep') for (const t0 = Date.now(); Date.now() - t0 < (Number(ms) || 0);) { /* busy */ }
}

function writeErrorHint(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EACCES': case 'EPERM': return 'no permission to write there';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOSPC': case 'EDQUOT': return 'the disk is full';
    case 'ENAMETOOLONG': return 'the path is too long';
    case 'ENOTDIR': case 'EEXIST': return 'a component of the path is a file';
    default: return e.message;
  }
}

/**
 * Writes `files` as the folder `dir` (see the file overview). `checkOutputDir` must have passed; it is checked
 * again here because time passed during the build.
 */
/**
 * A file's contents, or a function that renders them when the file is written (a weights header of millions of
 * values is rendered, written and dropped one at a time instead of all of them held at once).
 */
export type FileContent = string | Uint8Array | (() => string | Uint8Array);

export function writeOutputDir(dir: string, files: ReadonlyMap<string, FileContent>, opts: OutputOptions): WriteResult {
  if (dir.trim() === '') refuse(`-o '${dir}' names no folder; give -o DIR`);
  const target = realish(dir);
  return holdSignals(() => {
    const repaired = recoverStale(target);
    checkOutputDir(dir, opts);
    if (!opts.force && lstatOrNull(target)) {
      // A file of the user's where the new build puts one of its own: say so rather than pick one.
      const names = [...files.keys()];
      const clash = unlistedEntries(target, readManifest(target)).filter((u) => names.some((f) => f === u || f.startsWith(`${u}/`) || u.startsWith(`${f}/`)));
      if (clash.length) refuse(`the output folder '${dir}' holds ${clash.slice(0, 3).join(', ')}${clash.length > 3 ? ', ...' : ''}, not written by fpgac, where the new build writes its own files`, 'move them, or pass --force to replace them');
    }
    const parent = path.dirname(target);
    const base = path.basename(target);
    const fresh = path.join(parent, `.${base}.fpgac-new-${process.pid}`);
    const aside = path.join(parent, `.${base}.fpgac-old-${process.pid}`);
    const manifest: Record<string, string> = {};
    const sorted = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    try {
      mkdirSync(parent, { recursive: true });
      removeQuietly(fresh);
      mkdirSync(fresh);
      for (const [rel, content] of sorted) {
        if (!safeRelative(rel)) throw new Error(`internal error: project file path '${rel}'`);
        const p = path.join(fresh, ...rel.split('/'));
        mkdirSync(path.dirname(p), { recursive: true });
        const made = typeof content === 'function' ? content() : content;
        // Encoded once: the file and its hash take the same bytes (a string would be encoded twice).
        const data = typeof made === 'string' ? Buffer.from(made) : made;
        writeFileSync(p, data);
        manifest[rel] = sha256(data);
      }
      const m: Manifest = { tool: 'fpgac', version: opts.version, files: manifest };
      writeFileSync(path.join(fresh, MARKER), JSON.stringify(m, null, 2) + '\n');
      syncTree(fresh);
      fault('written');
    } catch (e) {
      removeQuietly(fresh);
      if ((e as NodeJS.ErrnoException).code) refuse(`cannot write the output folder '${dir}': ${writeErrorHint(e as NodeJS.ErrnoException)} (${(e as NodeJS.ErrnoException).code})`);
      throw e;
    }
    const old = lstatOrNull(target);
    if (!old) {
      renameSync(fresh, target);
      return { kept: [], repaired };
    }
    const oldManifest = readManifest(target);
    renameSync(target, aside);
    fault('aside');
    try {
      renameSync(fresh, target);
    } catch (e) {
      renameSync(aside, target);
      rmSync(fresh, { recursive: true, force: true });
      refuse(`cannot replace the output folder '${dir}': ${writeErrorHint(e as NodeJS.ErrnoException)}`);
    }
    fault('renamed');
    if (opts.force && !oldManifest) {
      // --force on a folder fpgac did not write: the user asked for it to be replaced.
      rmSync(aside, { recursive: true, force: true });
      return { kept: [], repaired };
    }
    const { kept, blocked } = carryOver(aside, target, oldManifest);
    if (opts.force) rmSync(aside, { recursive: true, force: true });
    else removeListed(aside, oldManifest);
    if (!opts.force && blocked.length) {
      repaired.push(`kept ${path.basename(aside)}: it holds ${blocked.join(', ')}, whose place the new build takes`);
    }
    return { kept, repaired };
  });
}

/** Removes our own temp tree; a path that cannot exist (ENOTDIR, EACCES) holds nothing to remove. */
function removeQuietly(p: string): void {
  try {
    rmSync(p, { recursive: true, force: true });
  } catch {
    // nothing of ours is there
  }
}

/** fsync every file of the new tree before it replaces the old one, so a power loss cannot leave empty files. */
function syncTree(dir: string): void {
  for (const n of readdirSync(dir)) {
    const p = path.join(dir, n);
    const s = lstatSync(p);
    if (s.isDirectory()) syncTree(p);
    else if (s.isFile()) {
      const fd = openSync(p, 'r');
      try { fsyncSync(fd); } finally { closeSync(fd); }
    }
  }
}

/** Rewrites files of a finished build (the reports `--synth` merges) and records them in its manifest. */
export function rewriteBuildFiles(dir: string, files: ReadonlyMap<string, string>): void {
  const m = readManifest(dir);
  if (!m) throw new Error(`internal error: '${dir}' lost its ${MARKER}`);
  const next: Record<string, string> = { ...m.files };
  for (const [rel, content] of files) {
    writeFileSync(path.join(dir, ...rel.split('/')), content);
    next[rel] = sha256(content);
  }
  writeFileSync(path.join(dir, MARKER), JSON.stringify({ ...m, files: next }, null, 2) + '\n');
}
