/**
 * fpgac's estimates against real Vivado HLS reports (issue 14 part 5): the comparison runs, the reproducible
 * design stays within the stated bounds, and docs/estimates.md is exactly the comparison's output.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BOUNDS, compareEstimates, HAVE_REPORTS, parseVivadoUtilization, REPORTS, renderEstimatesDoc } from './estimate-validation.js';
import { REPO } from '../support/harness.js';

const DOC = path.join(REPO, 'docs', 'estimates.md');

describe.skipIf(!HAVE_REPORTS)('estimates against real HLS reports', () => {
  const compared = compareEstimates();

  it('reads the Vivado synthesis utilization (figures read by eye from vivado_synth.rpt)', () => {
    expect(parseVivadoUtilization(readFileSync(path.join(REPORTS, 'hls4ml-test-report', 'vivado_synth.rpt'), 'utf8'))).toEqual({ lut: 1526, ff: 2428, dsp: 66, bram18: 0 });
  });

  it('compares every quantity of every reproducible report, within the stated bounds', () => {
    expect(compared.length).toBeGreaterThan(0);
    for (const c of compared) {
      expect(c.rows.length).toBe(10);
      for (const r of c.rows) {
        const b = BOUNDS[r.quantity];
        if (!b || r.source !== 'csynth' || r.real === 0) continue;
        const ratio = r.estimated / r.real;
        expect(ratio, `${c.name} ${r.quantity}`).toBeGreaterThanOrEqual(b[0]);
        expect(ratio, `${c.name} ${r.quantity}`).toBeLessThanOrEqual(b[1]);
      }
    }
  });

  it('docs/estimates.md is the comparison\'s output', () => {
    const doc = renderEstimatesDoc(compared);
    if (process.env.FPGAC_UPDATE_DOCS) writeFileSync(DOC, doc);
    expect(readFileSync(DOC, 'utf8')).toBe(doc);
  });
});

if (!HAVE_REPORTS) describe('estimates against real HLS reports', () => {
  it.skip('skipped: ../shared/hls-reports is not present', () => {});
});
