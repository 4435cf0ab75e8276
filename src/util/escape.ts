/**
 * @fileoverview One escaping function per output language. Every text that comes from a model (node, tensor and
 * graph input/output names, the model's file name, its producer string, warnings that quote them) passes through
 * the function of the language it is written into, at the point where it is written: the Handlebars templates are
 * compiled with `noEscape`, so the view models in src/emit/ call these. Each function is small and pure, and its
 * comment states exactly what it guarantees; test/escape.test.ts checks those guarantees with the real tools (g++,
 * tclsh, sh) on hostile random strings.
 *
 * A visible escape (`\x1b`, `\u202e`) stands for a character that a display could act on instead of showing:
 * C0 controls, DEL, C1 controls (U+0080–U+009F: 8-bit terminals read U+009B as CSI), the Unicode bidi controls
 * (U+061C, U+200E/U+200F, U+202A–U+202E, U+2066–U+2069, which reorder what the reader sees) and the line and
 * paragraph separators U+2028/U+2029.
 */

/** Characters shown as a visible escape rather than written raw (see the file comment). */
const INVISIBLE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const utf8 = new TextEncoder();

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * `\x1b` for a C0 control, `\u007f` / `\u009b` / `\u202e` for the others: the `\u` form is also a valid JSON
 * escape, so a JSON document printed through `terminalText` stays valid JSON that decodes to the same strings
 * (JSON.stringify already escapes C0 controls, but leaves DEL, C1 and bidi controls raw).
 */
function visible(ch: string): string {
  const c = ch.charCodeAt(0);
  return c < 0x20 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`;
}

/**
 * Text for a terminal (every line the CLI prints). Guarantees: the result holds no C0 control other than `\n`
 * and `\t`, no DEL, no C1 control and no bidi control or line/paragraph separator; each of those is a visible
 * escape (`\x1b`, `\r` as `\x0d`, `\u202e`). Nothing else changes (a backslash is not escaped, so a name that
 * spells `\x1b` literally looks the same as an escaped ESC: harmless, the point is that no byte reaches the
 * terminal that it would interpret).
 */
export function terminalText(s: string): string {
  return s.replace(INVISIBLE, (ch) => (ch === '\n' || ch === '\t' ? ch : visible(ch)));
}

/** Like `terminalText`, and `\n` and `\t` are escaped too: the result is exactly one line. */
export function terminalLine(s: string): string {
  return s.replace(INVISIBLE, visible);
}

/** `%XX` for each UTF-8 byte of one code point (a lone surrogate becomes U+FFFD's bytes). */
function percentBytes(ch: string): string {
  return Array.from(utf8.encode(ch), (b) => `%${hex(b, 2).toUpperCase()}`).join('');
}

/**
 * Text for the body of a C++ `//` comment. Guarantees: the result is printable ASCII (0x20–0x7E) only, so no
 * newline, CR or other character ends the comment; it holds no backslash (line splicing) and never two `?` in a
 * row (so no trigraph, in particular `??/`, which is a backslash under `-std=c++14`); every other character is
 * `%XX` per UTF-8 byte, `%` itself included, so the mapping is one-to-one. Printable names stay as they are:
 * `/layer1/conv/Conv_output_0` is unchanged. (`/*` and `*\/` mean nothing inside a `//` comment.)
 */
export function cppComment(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    const plain = c >= 0x20 && c < 0x7f && ch !== '\\' && ch !== '%' && !(ch === '?' && out.endsWith('?'));
    out += plain ? ch : percentBytes(ch);
  }
  return out;
}

/**
 * The body of a C++ narrow string literal: `"` + cppString(s) + `"` holds exactly the UTF-8 bytes of s (a NUL as
 * `\000`). Printable ASCII stays except `\` `"` `?` (escaped, so no trigraph can form); every other byte is a
 * three-digit octal escape, which unlike `\x` never swallows a following digit.
 */
export function cppString(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"' || ch === '?') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else for (const b of utf8.encode(ch)) out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** Tcl words made of these characters are literal as they stand (no substitution, no quoting meaning). */
const TCL_BARE = /^[A-Za-z0-9_.:/+=,@%^-]+$/;

/** True when s can be brace-quoted: printable ASCII, no backslash, braces balanced and never closing early. */
function braceable(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c > 0x7e || ch === '\\') return false;
    if (ch === '{') depth++;
    else if (ch === '}' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * One Tcl word that evaluates to exactly s, with no substitution (`$`, `[...]`, backslashes) happening: the bare
 * word when s is made of letters, digits and `_.:/+=,@%^-` (so ordinary part numbers and identifiers are written
 * as before); else `{s}` when s is printable ASCII without backslash and its braces balance; else every character
 * except letters and digits escaped: ASCII punctuation and space as `\c` (literal c in Tcl), anything else as
 * `\uXXXX` per UTF-16 code unit (exactly four digits, so a following hex digit is not absorbed; Tcl 8.6 joins a
 * surrogate pair into one character, which `\U` would not do with its default 16-bit strings). The result is a
 * single line. It is a complete word: the caller puts whitespace, `;`, `]` or the end of line after it.
 */
export function tclQuote(s: string): string {
  if (TCL_BARE.test(s)) return s;
  if (braceable(s)) return `{${s}}`;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    if (/[A-Za-z0-9]/.test(ch)) out += ch;
    else if (c >= 0x20 && c < 0x7f) out += `\\${ch}`;
    else out += `\\u${hex(c, 4)}`;
  }
  return out;
}

/**
 * A POSIX sh word that evaluates to exactly s: single quotes, inside which nothing is special, and each `'` as
 * `'\''`. An sh word cannot hold a NUL byte, so a string with one is refused.
 */
export function shellQuote(s: string): string {
  if (s.includes('\0')) throw new Error('internal error: a shell word cannot hold a NUL character');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Text for Markdown (a table cell, a list item, a paragraph; not inside a code span, where backslashes are
 * literal). Guarantees: one line, no raw control, bidi or separator character (visible escapes, their backslash
 * escaped in turn); every ASCII punctuation mark that Markdown or GitHub's extensions give a meaning to
 * (`\ \` * _ [ ] < > | # ! ~ & $ { }`) is backslash-escaped, so the text cannot end a table cell, open a tag, a
 * link, a code span, emphasis, math or an entity, and renders as itself. An `_` between two letters or digits
 * is left alone (CommonMark never reads it as emphasis), so `conv1_Conv` stays readable in the source.
 */
export function markdownText(s: string): string {
  const shown = terminalLine(s);
  let out = '';
  for (let i = 0; i < shown.length; i++) {
    const ch = shown[i];
    const intraword = ch === '_' && /[A-Za-z0-9]/.test(shown[i - 1] ?? '') && /[A-Za-z0-9]/.test(shown[i + 1] ?? '');
    out += /[\\`*_[\]<>|#!~&${}]/.test(ch) && !intraword ? `\\${ch}` : ch;
  }
  return out;
}

/**
 * Text for HTML or SVG, in element content or a quoted attribute value (either quote). Guarantees: no raw `<`,
 * `>`, `&`, `"` or `'` (entities), and no raw control, bidi or separator character (visible escapes as in
 * `terminalLine`, so a newline is the text `\x0a`; a caller that wants a line break in a tooltip joins already
 * escaped parts with `&#10;`).
 */
export function htmlText(s: string | number): string {
  return terminalLine(String(s)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
