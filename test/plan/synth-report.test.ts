/**
 * C-synthesis report parsing: every real report in ../shared/hls-reports (Vivado HLS 2020.1, XML and text), and
 * small synthetic reports written here in the newer Vitis HLS 2020.2-2024.x spellings (DSP instead of DSP48E,
 * URAM used, right-aligned cells, `?`/`undef` latencies, the aggregate csynth.xml hierarchy) and the older 2019.1
 * layout (`Latency | Interval` columns, units in the section titles).
 *
 * The expected values of the real reports were typed in by reading the report files by eye, not produced by the
 * parser.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsynthRpt, parseCsynthXml, parseCsynthFile, readCsynthReport, findCsynthReport } from '../../src/plan/synth-report.js';
import type { SynthesisReport } from '../../src/plan/types.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { HAVE_REPORTS, HLS4ML_INSTANCES, HLS4ML_SUMMARY, REPORTS, inst, res, type Res } from './hls4ml-report.js';

function sum(rows: readonly Res[]): Res {
  return rows.reduce((a, r) => res(a.bram18 + r.bram18, a.dsp + r.dsp, a.ff + r.ff, a.lut + r.lut, a.uram + r.uram), res(0, 0, 0, 0, 0));
}

describe.skipIf(!HAVE_REPORTS)('real reports (../shared/hls-reports)', () => {
  it('hls4ml test report, XML: every field', () => {
    const r = parseCsynthFile(path.join(REPORTS, 'hls4ml-test-report', 'myproject_csynth.xml'));
    // Vivado HLS 2020.1's per-top XML has no instance table.
    expect(r).toEqual({ ...HLS4ML_SUMMARY, instances: [] });
  });

  it('hls4ml test report, text: every field and the instance table', () => {
    const r = parseCsynthFile(path.join(REPORTS, 'hls4ml-test-report', 'myproject_csynth.rpt'));
    expect(r).toEqual({ ...HLS4ML_SUMMARY, instances: HLS4ML_INSTANCES });
  });

  it('readCsynthReport takes the instances of an XML report from the .rpt beside it', () => {
    const r = readCsynthReport(path.join(REPORTS, 'hls4ml-test-report', 'myproject_csynth.xml'));
    expect(r).toEqual({ ...HLS4ML_SUMMARY, instances: HLS4ML_INSTANCES });
  });

  it('pruned CNN (xcu250): Available, not Available SLR; all 16 instances', () => {
    const r = parseCsynthFile(path.join(REPORTS, 'pruned_cnn', 'myproject_csynth.rpt'));
    expect({ ...r, instances: [] }).toEqual({
      tool: 'Vivado HLS 2020.1',
      part: 'xcu250-figd2104-2L-e',
      clockNs: 5,
      estimatedClockNs: 4.363,
      latencyMin: 1044,
      latencyMax: 1044,
      intervalMin: 1028,
      intervalMax: 1028,
      resources: res(100, 5414, 52549, 245466, 0),
      available: res(5376, 12288, 3456000, 1728000, 1280),
      instances: [],
    });
    expect(r.instances).toHaveLength(16);
    expect(r.instances[0]).toEqual(inst('Block_proc_U0', 'Block_proc', res(0, 0, 2, 11, 0)));
    expect(r.instances.find((i) => i.name === 'conv_2d_cl_array_array_ap_fixed_24u_config12_U0')).toEqual(
      inst('conv_2d_cl_array_array_ap_fixed_24u_config12_U0', 'conv_2d_cl_array_array_ap_fixed_24u_config12_s', res(0, 1300, 11809, 53724, 0)));
    expect(r.instances[15]).toEqual(
      inst('softmax_array_array_ap_fixed_10u_softmax_config27_U0', 'softmax_array_array_ap_fixed_10u_softmax_config27_s', res(4, 10, 788, 3096, 0)));
    // The rows add up to the table's Total row (and to the summary's Instance row).
    expect(sum(r.instances)).toEqual(res(4, 5414, 47025, 231790, 0));
  });

  it('quantized pruned CNN (xcu250): every summary field, all 18 instances', () => {
    const r = parseCsynthFile(path.join(REPORTS, 'quantized_pruned_cnn', 'myproject_csynth.rpt'));
    expect({ ...r, instances: [] }).toEqual({
      tool: 'Vivado HLS 2020.1',
      part: 'xcu250-figd2104-2L-e',
      clockNs: 5,
      estimatedClockNs: 4.373,
      latencyMin: 1044,
      latencyMax: 1044,
      intervalMin: 1028,
      intervalMax: 1028,
      resources: res(100, 340, 43847, 263280, 0),
      available: res(5376, 12288, 3456000, 1728000, 1280),
      instances: [],
    });
    expect(r.instances).toHaveLength(18);
    expect(r.instances.map((i) => i.name)).toContain('normalize_array_array_ap_fixed_64u_config20_U0');
    expect(r.instances.find((i) => i.name === 'dense_array_array_ap_fixed_16_6_5_3_0_10u_config22_U0')).toEqual(
      inst('dense_array_array_ap_fixed_16_6_5_3_0_10u_config22_U0', 'dense_array_array_ap_fixed_16_6_5_3_0_10u_config22_s', res(0, 83, 1531, 39567, 0)));
    expect(sum(r.instances)).toEqual(res(4, 340, 38113, 248240, 0));
  });

  it('the Vivado synthesis reports beside them are not csynth reports (FPGAC006)', () => {
    for (const d of ['hls4ml-test-report', 'pruned_cnn', 'quantized_pruned_cnn']) {
      const file = path.join(REPORTS, d, 'vivado_synth.rpt');
      if (!existsSync(file)) continue;
      expect(() => parseCsynthFile(file)).toThrow(DiagnosticError);
    }
  });
});

if (!(HAVE_REPORTS)) describe('real reports', () => {
  it.skip(`SKIPPED: the shared HLS reports are not at ${REPORTS} (expected hls4ml-test-report/, pruned_cnn/, quantized_pruned_cnn/)`, () => {});
});

// ---------------------------------------------------------------------------------------------------------------
// Synthetic reports in the newer (and one older) spellings. Figures are made up; layouts follow the tools.

/** Per-top <top>_csynth.xml as Vitis HLS 2023.x writes it: DSP (not DSP48E), FlowTarget, URAM used, loops. */
const VITIS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand in the Vitis HLS 2023.x layout -->
<profile>
<ReportVersion>
<Version>2023.1</Version>
</ReportVersion>
<UserAssignments>
<unit>ns</unit>
<ProductFamily>zynquplus</ProductFamily>
<Part>xczu7ev-ffvc1156-2-e</Part>
<TopModelName>fpgac_top</TopModelName>
<TargetClockPeriod>4.00</TargetClockPeriod>
<ClockUncertainty>1.08</ClockUncertainty>
<FlowTarget>vivado</FlowTarget>
</UserAssignments>
<PerformanceEstimates>
<PipelineType>dataflow</PipelineType>
<SummaryOfTimingAnalysis>
<unit>ns</unit>
<EstimatedClockPeriod>2.918</EstimatedClockPeriod>
</SummaryOfTimingAnalysis>
<SummaryOfOverallLatency>
<unit>clock cycles</unit>
<Best-caseLatency>1210</Best-caseLatency>
<Average-caseLatency>1300</Average-caseLatency>
<Worst-caseLatency>1402</Worst-caseLatency>
<Best-caseRealTimeLatency>4.840 us</Best-caseRealTimeLatency>
<Average-caseRealTimeLatency>5.200 us</Average-caseRealTimeLatency>
<Worst-caseRealTimeLatency>5.608 us</Worst-caseRealTimeLatency>
<Interval-min>1025</Interval-min>
<Interval-max>1031</Interval-max>
</SummaryOfOverallLatency>
<SummaryOfLoopLatency>
<VITIS_LOOP_12_1>
<Slack>2.92</Slack>
<TripCount>64</TripCount>
<Latency>640</Latency>
<AbsoluteTimeLatency>2.560 us</AbsoluteTimeLatency>
<InstanceList/>
<VITIS_LOOP_14_2.1>
<Latency>9</Latency>
</VITIS_LOOP_14_2.1>
</VITIS_LOOP_12_1>
</SummaryOfLoopLatency>
</PerformanceEstimates>
<AreaEstimates>
<Resources>
<BRAM_18K>12</BRAM_18K>
<DSP>96</DSP>
<FF>20311</FF>
<LUT>18840</LUT>
<URAM>4</URAM>
</Resources>
<AvailableResources>
<BRAM_18K>624</BRAM_18K>
<DSP>1728</DSP>
<FF>460800</FF>
<LUT>230400</LUT>
<URAM>96</URAM>
</AvailableResources>
</AreaEstimates>
<InterfaceSummary>
<RtlPorts>
<name>x_TDATA</name>
<Object>x</Object>
<Type>pointer</Type>
<Scope/>
<IOProtocol>axis</IOProtocol>
<Dir>in</Dir>
<Bits>16</Bits>
</RtlPorts>
</InterfaceSummary>
</profile>
`;

const VITIS_XML_REPORT: SynthesisReport = {
  tool: 'Vitis HLS 2023.1',
  part: 'xczu7ev-ffvc1156-2-e',
  clockNs: 4,
  estimatedClockNs: 2.918,
  latencyMin: 1210,
  latencyMax: 1402,
  intervalMin: 1025,
  intervalMax: 1031,
  resources: res(12, 96, 20311, 18840, 4),
  available: res(624, 1728, 460800, 230400, 96),
  instances: [],
};

/** Vitis's aggregate csynth.xml: indented, with the RTL hierarchy and per-module estimates; latency undefined. */
const VITIS_AGGREGATE_XML = `<profile>
    <ReportVersion>
        <Version>2024.1</Version>
    </ReportVersion>
    <UserAssignments>
        <Part>xcu250-figd2104-2L-e</Part>
        <TopModelName>fpgac_top</TopModelName>
        <TargetClockPeriod>3.33</TargetClockPeriod>
        <FlowTarget>vivado</FlowTarget>
    </UserAssignments>
    <PerformanceEstimates>
        <SummaryOfTimingAnalysis>
            <EstimatedClockPeriod>2.433</EstimatedClockPeriod>
        </SummaryOfTimingAnalysis>
        <SummaryOfOverallLatency>
            <Best-caseLatency>undef</Best-caseLatency>
            <Worst-caseLatency>undef</Worst-caseLatency>
            <Interval-min>undef</Interval-min>
            <Interval-max>undef</Interval-max>
        </SummaryOfOverallLatency>
    </PerformanceEstimates>
    <AreaEstimates>
        <Resources>
            <BRAM_18K>30</BRAM_18K>
            <DSP>200</DSP>
            <FF>50000</FF>
            <LUT>40000</LUT>
            <URAM>8</URAM>
        </Resources>
        <AvailableResources>
            <BRAM_18K>5376</BRAM_18K>
            <DSP>12288</DSP>
            <FF>3456000</FF>
            <LUT>1728000</LUT>
            <URAM>1280</URAM>
        </AvailableResources>
    </AreaEstimates>
    <RTLDesignHierarchy>
        <TopModule MAX_DEPTH="3">
            <ModuleName>fpgac_top</ModuleName>
            <InstancesList>
                <Instance>
                    <InstName>conv1_U0</InstName>
                    <ModuleName>conv2d_cfg1_s</ModuleName>
                    <IsCompInst>true</IsCompInst>
                    <InstancesList>
                        <Instance>
                            <InstName>grp_conv2d_cfg1_Pipeline_L1_fu_80</InstName>
                            <ModuleName>conv2d_cfg1_Pipeline_L1</ModuleName>
                        </Instance>
                    </InstancesList>
                </Instance>
                <Instance>
                    <InstName>dense2_U0</InstName>
                    <ModuleName>dense_cfg2_s</ModuleName>
                </Instance>
            </InstancesList>
            <BindInstances>a_U b_U</BindInstances>
        </TopModule>
    </RTLDesignHierarchy>
    <ModuleInformation>
        <Module>
            <Name>conv2d_cfg1_Pipeline_L1</Name>
            <AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP>64</DSP><FF>9000</FF><LUT>8000</LUT><URAM>0</URAM></Resources></AreaEstimates>
        </Module>
        <Module>
            <Name>conv2d_cfg1_s</Name>
            <AreaEstimates>
                <Resources>
                    <FF>21000</FF>
                    <AVAIL_FF>3456000</AVAIL_FF>
                    <UTIL_FF>~0</UTIL_FF>
                    <LUT>17000</LUT>
                    <BRAM_18K>10</BRAM_18K>
                    <AVAIL_BRAM>5376</AVAIL_BRAM>
                    <DSP>128</DSP>
                    <URAM>8</URAM>
                </Resources>
            </AreaEstimates>
            <BindNodes>
                <BindNode BINDTYPE="op" DSP="1" RTLNAME="mul_16s_16s_26_1_1_U1" SOURCE="a.h:3&gt;4"/>
            </BindNodes>
        </Module>
        <Module>
            <Name>dense_cfg2_s</Name>
            <AreaEstimates><Resources><BRAM_18K>20</BRAM_18K><DSP>72</DSP><FF>28900</FF><LUT>22950</LUT><URAM>0</URAM></Resources></AreaEstimates>
        </Module>
    </ModuleInformation>
</profile>
`;

/** <top>_csynth.rpt as Vitis HLS 2023-2024 writes it: right-aligned cells, DSP column, SLR rows, URAM used. */
const VITIS_RPT = `

================================================================
== Vitis HLS Report for 'fpgac_top'
================================================================
* Date:           Tue Jan  9 10:00:00 2024

* Version:        2023.2 (Build 4023990 on Oct 11 2023)
* Project:        fpgac_top_prj
* Solution:       solution1 (Vivado IP Flow Target)
* Product family: virtexuplus
* Target device:  xcu250-figd2104-2L-e


================================================================
== Performance Estimates
================================================================
+ Timing: 
    * Summary: 
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  |  3.33 ns|  2.433 ns|     0.90 ns|
    +--------+---------+----------+------------+

+ Latency: 
    * Summary: 
    +---------+---------+----------+----------+------+------+---------------------------------------------+
    |  Latency (cycles) |  Latency (absolute) |   Interval  |                   Pipeline                  |
    |   min   |   max   |    min   |    max   |  min |  max |                     Type                    |
    +---------+---------+----------+----------+------+------+---------------------------------------------+
    |     2051|     2307|  6.830 us|  7.682 us|  1025|  1281|                                     dataflow|
    +---------+---------+----------+----------+------+------+---------------------------------------------+

    + Detail: 
        * Instance: 
        +------------+---------------+---------+---------+----------+----------+------+------+---------+
        |            |               |  Latency (cycles) |  Latency (absolute) |   Interval  | Pipeline|
        |  Instance  |     Module    |   min   |   max   |    min   |    max   |  min |  max |   Type  |
        +------------+---------------+---------+---------+----------+----------+------+------+---------+
        |conv1_U0    |conv2d_cfg1_s  |     1024|     1280|  3.410 us|  4.262 us|  1024|  1280|       no|
        |dense2_U0   |dense_cfg2_s   |     1025|     1025|  3.413 us|  3.413 us|  1025|  1025|       no|
        +------------+---------------+---------+---------+----------+----------+------+------+---------+

        * Loop: 
        N/A



================================================================
== Utilization Estimates
================================================================
* Summary: 
+---------------------+---------+------+---------+---------+-----+
|         Name        | BRAM_18K|  DSP |    FF   |   LUT   | URAM|
+---------------------+---------+------+---------+---------+-----+
|DSP                  |        -|     -|        -|        -|    -|
|Expression           |        -|     -|        0|       12|    -|
|FIFO                 |        0|     -|      100|       38|    -|
|Instance             |       30|   200|    49900|    39950|    8|
|Memory               |        -|     -|        -|        -|    -|
|Multiplexer          |        -|     -|        -|        -|    -|
|Register             |        -|     -|        -|        -|    -|
+---------------------+---------+------+---------+---------+-----+
|Total                |       30|   200|    50000|    40000|    8|
+---------------------+---------+------+---------+---------+-----+
|Available SLR        |     1344|  3072|   864000|   432000|  320|
+---------------------+---------+------+---------+---------+-----+
|Utilization SLR (%)  |        2|     6|        5|        9|    2|
+---------------------+---------+------+---------+---------+-----+
|Available            |     5376| 12288|  3456000|  1728000| 1280|
+---------------------+---------+------+---------+---------+-----+
|Utilization (%)      |       ~0|     1|        1|        2|   ~0|
+---------------------+---------+------+---------+---------+-----+

+ Detail: 
    * Instance: 
    +------------+---------------+---------+-----+-------+-------+-----+
    |  Instance  |     Module    | BRAM_18K| DSP |   FF  |  LUT  | URAM|
    +------------+---------------+---------+-----+-------+-------+-----+
    |conv1_U0    |conv2d_cfg1_s  |       10|  128|  21000|  17000|    8|
    |dense2_U0   |dense_cfg2_s   |       20|   72|  28900|  22950|    0|
    +------------+---------------+---------+-----+-------+-------+-----+
    |Total       |               |       30|  200|  49900|  39950|    8|
    +------------+---------------+---------+-----+-------+-------+-----+

    * DSP: 
    N/A

    * Memory: 
    N/A
`;

const VITIS_RPT_REPORT: SynthesisReport = {
  tool: 'Vitis HLS 2023.2',
  part: 'xcu250-figd2104-2L-e',
  clockNs: 3.33,
  estimatedClockNs: 2.433,
  latencyMin: 2051,
  latencyMax: 2307,
  intervalMin: 1025,
  intervalMax: 1281,
  resources: res(30, 200, 50000, 40000, 8),
  available: res(5376, 12288, 3456000, 1728000, 1280),
  instances: [inst('conv1_U0', 'conv2d_cfg1_s', res(10, 128, 21000, 17000, 8)), inst('dense2_U0', 'dense_cfg2_s', res(20, 72, 28900, 22950, 0))],
};

/** Vivado HLS 2019.1 layout: units in the titles, `Latency | Interval` columns, no instance table, no URAM column. */
const VIVADO_2019_RPT = `================================================================
== Vivado HLS Report for 'fpgac_top'
================================================================
* Date:           Mon Jun  3 12:00:00 2019

* Version:        2019.1 (Build 2552052 on Fri May 24 15:28:33 MDT 2019)
* Project:        fpgac_top_prj
* Solution:       solution1
* Product family: zynq
* Target device:  xc7z020-clg400-1


================================================================
== Performance Estimates
================================================================
+ Timing (ns): 
    * Summary: 
    +--------+-------+----------+------------+
    |  Clock | Target| Estimated| Uncertainty|
    +--------+-------+----------+------------+
    |ap_clk  |  10.00|     8.510|        1.25|
    +--------+-------+----------+------------+

+ Latency (clock cycles): 
    * Summary: 
    +-----+-----+-----+-----+----------+
    |  Latency  |  Interval | Pipeline |
    | min | max | min | max |   Type   |
    +-----+-----+-----+-----+----------+
    |   37|   41|   38|   42|   none   |
    +-----+-----+-----+-----+----------+

    + Detail: 
        * Instance: 
        N/A

        * Loop: 
        N/A



================================================================
== Utilization Estimates
================================================================
* Summary: 
+-----------------+---------+-------+--------+-------+
|       Name      | BRAM_18K| DSP48E|   FF   |  LUT  |
+-----------------+---------+-------+--------+-------+
|DSP              |        -|      2|       -|      -|
|Expression       |        -|      -|       0|     91|
|Register         |        -|      -|     120|      -|
+-----------------+---------+-------+--------+-------+
|Total            |        1|      2|     120|     91|
+-----------------+---------+-------+--------+-------+
|Available        |      280|    220|  106400|  53200|
+-----------------+---------+-------+--------+-------+
|Utilization (%)  |    ~0   |    ~0 |    ~0  |   ~0  |
+-----------------+---------+-------+--------+-------+

+ Detail: 
    * Instance: 
    N/A
`;

describe('synthetic Vitis 2023-2024 and Vivado 2019.1 reports', () => {
  it('Vitis per-top XML: DSP, URAM, FlowTarget; loop latencies are not the overall latency', () => {
    expect(parseCsynthXml(VITIS_XML)).toEqual(VITIS_XML_REPORT);
  });

  it('Vitis aggregate csynth.xml: direct sub-module instances with their module estimates; undef is NaN', () => {
    const r = parseCsynthXml(VITIS_AGGREGATE_XML);
    expect(r.tool).toBe('Vitis HLS 2024.1');
    expect(r.clockNs).toBe(3.33);
    expect(r.estimatedClockNs).toBe(2.433);
    for (const k of ['latencyMin', 'latencyMax', 'intervalMin', 'intervalMax'] as const) expect(r[k]).toBeNaN();
    expect(JSON.parse(JSON.stringify(r)).latencyMin).toBeNull();
    expect(r.resources).toEqual(res(30, 200, 50000, 40000, 8));
    expect(r.available).toEqual(res(5376, 12288, 3456000, 1728000, 1280));
    expect(r.instances).toEqual([
      inst('conv1_U0', 'conv2d_cfg1_s', res(10, 128, 21000, 17000, 8)),
      inst('dense2_U0', 'dense_cfg2_s', res(20, 72, 28900, 22950, 0)),
    ]);
  });

  it('Vitis text report: every field', () => {
    expect(parseCsynthRpt(VITIS_RPT)).toEqual(VITIS_RPT_REPORT);
    expect(parseCsynthRpt(VITIS_RPT.replace(/\n/g, '\r\n'))).toEqual(VITIS_RPT_REPORT);
  });

  it('Vitis text report with unknown latency (?) gives NaN', () => {
    const text = VITIS_RPT.replace('|     2051|     2307|  6.830 us|  7.682 us|  1025|  1281|', '|        ?|        ?|         ?|         ?|     ?|     ?|');
    const r = parseCsynthRpt(text);
    for (const k of ['latencyMin', 'latencyMax', 'intervalMin', 'intervalMax'] as const) expect(r[k]).toBeNaN();
    expect(r.estimatedClockNs).toBe(2.433);
  });

  it('Vivado HLS 2019.1 text report: older column layout, no URAM column, no instances', () => {
    expect(parseCsynthRpt(VIVADO_2019_RPT)).toEqual({
      tool: 'Vivado HLS 2019.1',
      part: 'xc7z020-clg400-1',
      clockNs: 10,
      estimatedClockNs: 8.51,
      latencyMin: 37,
      latencyMax: 41,
      intervalMin: 38,
      intervalMax: 42,
      resources: res(1, 2, 120, 91, 0),
      available: res(280, 220, 106400, 53200, 0),
      instances: [],
    });
  });

  it('tool family from the XML when the header does not say: DSP48E and no FlowTarget before 2020.2 is Vivado HLS', () => {
    const old = VITIS_XML.replace(/<DSP>/g, '<DSP48E>').replace(/<\/DSP>/g, '</DSP48E>').replace('<FlowTarget>vivado</FlowTarget>', '').replace('2023.1', '2019.2');
    const r = parseCsynthXml(old);
    expect(r.tool).toBe('Vivado HLS 2019.2');
    expect(r.resources.dsp).toBe(96);
  });

  it('rejects text that is not a csynth report with FPGAC006', () => {
    for (const f of [() => parseCsynthXml('<html><body>no</body></html>'), () => parseCsynthRpt('hello\nworld\n')]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DiagnosticError);
        expect((e as DiagnosticError).diagnostics[0].code).toBe('FPGAC006');
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('findCsynthReport', () => {
  let tmp: string;
  beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-synth-report-')); });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function layout(root: string, files: Record<string, string>): string {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    return root;
  }

  it('build directory: <top>_prj/solution1/syn/report/<top>_csynth.xml, not a sub-module report', () => {
    const root = layout(path.join(tmp, 'build'), {
      'build_prj.tcl': 'set_top fpgac_top\n',
      'fpgac_top_prj/solution1/syn/report/fpgac_top_csynth.xml': VITIS_XML,
      'fpgac_top_prj/solution1/syn/report/fpgac_top_csynth.rpt': VITIS_RPT,
      'fpgac_top_prj/solution1/syn/report/conv2d_cfg1_s_csynth.xml': VITIS_XML,
      'fpgac_top_prj/solution1/syn/report/csynth.xml': VITIS_AGGREGATE_XML,
    });
    const file = path.join(root, 'fpgac_top_prj/solution1/syn/report/fpgac_top_csynth.xml');
    expect(findCsynthReport(root)).toBe(file);
    expect(findCsynthReport(path.join(root, 'fpgac_top_prj'))).toBe(file);
    expect(findCsynthReport(root, 'conv2d_cfg1_s')).toBe(path.join(root, 'fpgac_top_prj/solution1/syn/report/conv2d_cfg1_s_csynth.xml'));
    expect(findCsynthReport(root, 'nope')).toBeUndefined();
    // The XML summary with the instances of the .rpt beside it.
    expect(readCsynthReport(file)).toEqual({ ...VITIS_XML_REPORT, instances: VITIS_RPT_REPORT.instances });
  });

  it('the top from hls.app or build.json when the project directory is named otherwise; .rpt when there is no .xml', () => {
    const a = layout(path.join(tmp, 'app'), {
      'proj/hls.app': '<project xmlns="com.autoesl.autopilot.project" name="proj" top="net_top" projectType="C/C++">\n</project>\n',
      'proj/solution1/syn/report/net_top_csynth.rpt': VITIS_RPT,
      'proj/solution1/syn/report/helper_csynth.rpt': VITIS_RPT,
    });
    expect(findCsynthReport(a)).toBe(path.join(a, 'proj/solution1/syn/report/net_top_csynth.rpt'));
    const b = layout(path.join(tmp, 'json'), {
      'source/build.json': JSON.stringify({ top: 'other_top' }),
      'hls/solution1/syn/report/helper_csynth.xml': VITIS_XML,
      'hls/solution1/syn/report/other_top_csynth.xml': VITIS_XML,
    });
    expect(findCsynthReport(b)).toBe(path.join(b, 'hls/solution1/syn/report/other_top_csynth.xml'));
  });

  it("the aggregate csynth.xml's top, another solution name, a single report", () => {
    const a = layout(path.join(tmp, 'agg'), {
      'p/sol_fast/syn/report/csynth.xml': VITIS_AGGREGATE_XML,
      'p/sol_fast/syn/report/fpgac_top_csynth.xml': VITIS_XML,
      'p/sol_fast/syn/report/conv2d_cfg1_s_csynth.xml': VITIS_XML,
    });
    expect(findCsynthReport(a)).toBe(path.join(a, 'p/sol_fast/syn/report/fpgac_top_csynth.xml'));
    const b = layout(path.join(tmp, 'single'), { 'p/solution1/syn/report/only_csynth.rpt': VITIS_RPT });
    expect(findCsynthReport(b)).toBe(path.join(b, 'p/solution1/syn/report/only_csynth.rpt'));
  });

  it('undefined when nothing was synthesized', () => {
    const a = layout(path.join(tmp, 'none'), { 'build_prj.tcl': '', 'fpgac_top_prj/solution1/csim/report/x.log': '' });
    expect(findCsynthReport(a)).toBeUndefined();
    expect(findCsynthReport(path.join(tmp, 'does-not-exist'))).toBeUndefined();
  });

  it.skipIf(!HAVE_REPORTS)('a real report copied into a project layout', () => {
    const root = path.join(tmp, 'real');
    const dir = path.join(root, 'myproject_prj/solution1/syn/report');
    mkdirSync(dir, { recursive: true });
    for (const ext of ['xml', 'rpt']) copyFileSync(path.join(REPORTS, 'hls4ml-test-report', `myproject_csynth.${ext}`), path.join(dir, `myproject_csynth.${ext}`));
    const file = findCsynthReport(root);
    expect(file).toBe(path.join(dir, 'myproject_csynth.xml'));
    expect(readCsynthReport(file!)).toEqual({ ...HLS4ML_SUMMARY, instances: HLS4ML_INSTANCES });
  });
});
