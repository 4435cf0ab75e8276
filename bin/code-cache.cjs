// V8 code cache for the bundled CLI (dist/bundle/, src/bundle.ts). Compiling JavaScript is a large part of a
// short command's start: `fpgac sim DIR` compiles ~300 kB of code, first the top level of every file, then each
// function on its first call. `npm run build` runs the bundle once on the example model (src/bundle.ts, `train`)
// and keeps V8's compiled bytecode of every file it loaded in dist/bundle/v8-cache/; later runs hand it back to
// V8, which then skips those compilations (6–14 ms of a ~100 ms `fpgac sim DIR` of a small model, measured with
// `npm run bench:sim` and alternating runs).
//
// A cache is only a shortcut: V8 refuses one made by another V8 version or with other flags (the file is then
// compiled as usual), but its own check of the source compares lengths only. So a cache starts with a line naming
// the size of the file it was made from, and applies only while the file has that size and is not newer than the
// cache: a bundle file changed after its cache (edited by hand, rebuilt without a cache) is compiled as usual.
// Freshness is "not newer", as for make, rather than an exact time, because packing (npm pack sets every file to
// the same date) and copying keep the order of file times but not always the times. Files outside the bundle
// folder (dependencies loaded at run time) are untouched.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/** The folder of the caches of `dir`'s files. */
function cacheDir(dir) {
  return path.join(dir, 'v8-cache');
}

/** The cache file of `file`. */
function cachePath(dir, file) {
  return path.join(cacheDir(dir), `${path.basename(file)}.v8`);
}

/** The cached data for `file` when its cache exists, names the file's size and is not older than it, else undefined. */
function readCache(dir, file) {
  const at = cachePath(dir, file);
  let buf;
  try {
    buf = fs.readFileSync(at);
  } catch {
    return undefined;
  }
  const nl = buf.indexOf(10);
  const src = fs.statSync(file);
  if (nl <= 0 || buf.toString('latin1', 0, nl) !== String(src.size) || fs.statSync(at).mtimeMs < src.mtimeMs) return undefined;
  return buf.subarray(nl + 1);
}

/**
 * Compiles every CommonJS file loaded from `dir` through vm.Script, with its cache ('read'), or without one,
 * keeping the scripts so that `writeCaches` can save what V8 compiled ('write'). Returns the list, growing as
 * files load, of { file, script, used } (used: V8 took the file's cache), which tests and the bundler read.
 * FPGAC_NO_CODE_CACHE set turns 'read' into nothing at all: Node loads the files as usual (to compare, or to rule
 * the cache out), in the launcher and in worker threads alike.
 */
function useCodeCache(dir, mode) {
  const scripts = [];
  if (mode === 'read' && process.env.FPGAC_NO_CODE_CACHE) return scripts;
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
    const out = cachePath(dir, file);
    fs.writeFileSync(out, Buffer.concat([Buffer.from(`${fs.statSync(file).size}\n`, 'latin1'), script.createCachedData()]));
    return out;
  });
}

module.exports = { useCodeCache, writeCaches, cacheDir };
