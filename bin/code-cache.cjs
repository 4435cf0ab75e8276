// V8 code cache for the bundled CLI (dist/bundle/, src/bundle.ts). Compiling JavaScript is a large part of a
// short command's start: `fpgac sim DIR` compiles ~300 kB of code, first the top level of every file, then each
// function on its first call. `npm run build` runs the bundle once on the example model (src/bundle.ts, `train`)
// and keeps V8's compiled bytecode of every file it loaded in dist/bundle/v8-cache/; later runs hand it back to
// V8, which then skips those compilations (~10 ms of ~55 ms for `fpgac sim DIR` of a small model, measured with
// `npm run bench:sim`).
//
// A cache is only a shortcut: V8 refuses one made by another V8 version or with other flags (the file is then
// compiled as usual), and each cache starts with a line naming the size and modification time of the file it was
// made from, so a bundle file that changed after its cache (rebuilt without the cache, edited by hand) is
// compiled as usual too. Files outside the bundle folder (dependencies loaded at run time) are untouched.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/** The folder of the caches of `dir`'s files. */
function cacheDir(dir) {
  return path.join(dir, 'v8-cache');
}

/**
 * "size:mtime" of a file, what its cache was made from. Whole seconds: copies that keep file times (cp -p, tar,
 * fs.cpSync) keep those exactly, not always the fractions.
 */
function stamp(file) {
  const st = fs.statSync(file);
  return `${st.size}:${Math.floor(st.mtimeMs / 1000)}`;
}

/** The cached data for `file` when its cache exists and was made from the file as it is now, else undefined. */
function readCache(dir, file) {
  let buf;
  try {
    buf = fs.readFileSync(path.join(cacheDir(dir), `${path.basename(file)}.v8`));
  } catch {
    return undefined;
  }
  const nl = buf.indexOf(10);
  return nl > 0 && buf.toString('latin1', 0, nl) === stamp(file) ? buf.subarray(nl + 1) : undefined;
}

/**
 * Compiles every CommonJS file loaded from `dir` through vm.Script, with its cache ('read'), or without one,
 * keeping the scripts so that `writeCaches` can save what V8 compiled ('write'). Returns the list of
 * [file, script, cache used] for the files compiled so far (tests and the bundler read it).
 */
function useCodeCache(dir, mode) {
  const scripts = [];
  const base = Module.prototype._compile;
  Module.prototype._compile = function compile(content, filename) {
    if (path.dirname(filename) !== dir) return base.call(this, content, filename);
    const cachedData = mode === 'read' ? readCache(dir, filename) : undefined;
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    scripts.push({ file: filename, script, used: cachedData !== undefined && !script.cachedDataRejected });
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, Module.createRequire(filename), this, filename, dir);
  };
  return scripts;
}

/** Writes the caches of `scripts` (from useCodeCache(dir, 'write')) after the code ran; returns the files written. */
function writeCaches(dir, scripts) {
  fs.mkdirSync(cacheDir(dir), { recursive: true });
  return scripts.map(({ file, script }) => {
    const out = path.join(cacheDir(dir), `${path.basename(file)}.v8`);
    fs.writeFileSync(out, Buffer.concat([Buffer.from(`${stamp(file)}\n`, 'latin1'), script.createCachedData()]));
    return out;
  });
}

module.exports = { useCodeCache, writeCaches, cacheDir };
