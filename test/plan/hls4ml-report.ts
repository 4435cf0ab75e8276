/**
 * Test fixture: the hls4ml test report in ../shared/hls-reports (xc7z020, 200 MHz), its header, timing, latency,
 * utilization and instance figures typed in by reading hls4ml-test-report/myproject_csynth.rpt and .xml by eye
 * (the two files agree). The parser and the synthesis-run tests both check against these values.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { SynthesisReport } from '../../src/plan/types.js';

export const REPORTS = path.resolve(__dirname, '../../../shared/hls-reports');
export const HAVE_REPORTS = existsSync(path.join(REPORTS, 'hls4ml-test-report', 'myproject_csynth.xml'));

export type Res = SynthesisReport['resources'];
export const res = (bram18: number, dsp: number, ff: number, lut: number, uram: number): Res => ({ bram18, dsp, ff, lut, uram });
export const inst = (name: string, module: string, r: Res) => ({ name, module, ...r });

export const HLS4ML_SUMMARY = {
  tool: 'Vivado HLS 2020.1',
  part: 'xc7z020-clg400-1',
  clockNs: 5,
  estimatedClockNs: 4.049,
  latencyMin: 10,
  latencyMax: 10,
  intervalMin: 8,
  intervalMax: 8,
  resources: res(0, 73, 7969, 2532, 0),
  available: res(280, 220, 106400, 53200, 0),
};

export const HLS4ML_INSTANCES = [
  inst('dense_array_array_ap_fixed_16_6_5_3_0_5u_config2_U0', 'dense_array_array_ap_fixed_16_6_5_3_0_5u_config2_s', res(0, 73, 7860, 2134, 0)),
  inst('relu_array_array_ap_fixed_5u_relu_config3_U0', 'relu_array_array_ap_fixed_5u_relu_config3_s', res(0, 0, 84, 256, 0)),
];

/** The whole report as readCsynthReport gives it (summary plus the .rpt's instance table). */
export const HLS4ML_REPORT: SynthesisReport = { ...HLS4ML_SUMMARY, instances: HLS4ML_INSTANCES };
