/**
 * @fileoverview The `--precision` option. A format written without modes gets fpgac's defaults, round to
 * nearest even and saturate (AP_RND_CONV, AP_SAT): a layer's output cast must never wrap silently. Modes written
 * explicitly are honoured, AP_WRAP included.
 */
import { fixed, parseFormat, type FixedFormat } from '../../sim/fixed.js';
import { fail } from '../diagnostics.js';

export const DEFAULT_PRECISION = 'ap_fixed<16,6>';

export function parsePrecision(text: string): FixedFormat {
  let f: FixedFormat;
  try {
    f = parseFormat(text);
  } catch (e) {
    fail('FPGAC005', `--precision '${text}': ${(e as Error).message}`, { hint: "write e.g. 'ap_fixed<16,6>' or 'ap_fixed<18,8,AP_RND,AP_SAT>'" });
  }
  const args = text.slice(text.indexOf('<') + 1, text.lastIndexOf('>')).split(',').map((s) => s.trim());
  const isFixed = /ap_u?fixed/.test(text);
  const hasQ = isFixed && args.length >= 3;
  const hasO = isFixed && args.length >= 4;
  if (f.width > 52) fail('FPGAC005', `--precision '${text}': widths above 52 bits are not supported`);
  return fixed(f.width, f.int, { signed: f.signed, q: hasQ ? f.q : 'AP_RND_CONV', o: hasO ? f.o : 'AP_SAT', n: f.n });
}
