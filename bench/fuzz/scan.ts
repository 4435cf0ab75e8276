/**
 * @fileoverview Checks of a fuzz case's output, independent of the code that wrote it: what the terminal got, and
 * whether anything from a hostile name reached code in the emitted project.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Control characters a terminal acts on (all C0 but tab and newline, DEL, C1) and bidirectional overrides. */
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export function terminalProblem(text: string): string | undefined {
  const m = TERMINAL_CONTROL.exec(text);
  return m ? `raw control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} printed` : undefined;
}

/**
 * C++ source with comments removed and string/char literals replaced by "S", as g++ (-std=c++14, trigraphs on)
 * reads it: backslash-newline splices lines first (also inside // comments, which is how a name ending in a
 * backslash swallows the next line), `??/` is a backslash.
 */
export function cppCode(src: string): string {
  const s = src.replace(/\?\?\//g, '\\').replace(/\\\r?\n/g, '');
  let out = '';
  for (let i = 0; i < s.length;) {
    const c = s[i];
    if (c === '/' && s[i + 1] === '/') {
      while (i < s.length && s[i] !== '\n') i++;
    } else if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      i = end < 0 ? s.length : end + 2;
      out += ' ';
    } else if (c === '"' || c === '\'') {
      let j = i + 1;
      let body = '';
      while (j < s.length && s[j] !== c && s[j] !== '\n') {
        if (s[j] === '\\') { body += s.slice(j, j + 2); j += 2; } else body += s[j++];
      }
      out += c === '"' ? `"S${body.includes('PWN') ? 'PWN' : ''}"` : '\'S\'';
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every file under dir, relative. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/**
 * What of a hostile name reached code: in C++ outside comments, a string literal carrying PWN, a declaration
 * `int PWN...` (the payloads' own), or a call of system/popen/exec; in the Makefile and the Tcl script, PWN anywhere (no model name belongs there); any raw
 * control character in a text file; a <script> element in the HTML report. Returns the problems found.
 */
export function projectLeaks(dir: string): string[] {
  const problems: string[] = [];
  for (const rel of files(dir)) {
    if (!/\.(h|cpp|hpp|tcl|md|html|json)$|^Makefile$/.test(path.basename(rel)) || rel.startsWith('source/')) continue;
    const text = readFileSync(path.join(dir, rel), 'utf8');
    if (/\.(h|cpp|hpp)$/.test(rel)) {
      // Includes of generated header names (identifier characters only) are the project's own strings.
      const code = cppCode(text.replace(/^\s*#\s*include\s+"[A-Za-z0-9_/.]+"\s*$/gm, ''));
      if (code.includes('"SPWN"')) problems.push(`${rel}: a string literal carries a model name`);
      const call = /\b(system|popen|execl|execv|execvp|fork)\s*\(/.exec(code);
      if (call) problems.push(`${rel}: code calls ${call[1]}()`);
      // The hostile names declare `int PWN_...`: generated declarations never give a model-derived name type int.
      if (/\b(int|char|void|long)\s+\w*PWN/.test(code)) problems.push(`${rel}: a declaration from a model name reached code`);
    }
    if ((rel === 'Makefile' || rel.endsWith('.tcl')) && text.includes('PWN')) problems.push(`${rel}: carries a model name`);
    if (rel.endsWith('.html') && /<script/i.test(text)) problems.push(`${rel}: has a <script> element`);
    if (!rel.endsWith('.json')) {
      const t = terminalProblem(text.replace(/\r?\n/g, '\n'));
      if (t) problems.push(`${rel}: ${t}`);
    }
  }
  return problems;
}

/** Files under dir whose bytes contain `needle` (a secret a hostile model tried to copy in). */
export function filesContaining(dir: string, needle: string): string[] {
  const b = Buffer.from(needle);
  if (!statSync(dir).isDirectory()) return readFileSync(dir).includes(b) ? [dir] : [];
  return files(dir).filter((rel) => readFileSync(path.join(dir, rel)).includes(b));
}
