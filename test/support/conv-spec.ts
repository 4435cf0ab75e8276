/**
 * Test support: conv2d layers from a short spec (sizes, strides, pads, groups, formats, activation, shifts), with
 * random weights and an exact accumulator, for the kernel tests (test/kernels/conv.test.ts) and the batch tests;
 * `convConstants` is the part transposed convs share (test/kernels/convtranspose.test.ts).
 */
import type { Activation, ChannelShift, Conv2dLayer, ConstData, DTensor } from '../../src/ir/design.js';
import { fixed, type FixedFormat } from '../../sim/fixed.js';
import { constData, exactAccFor, randomRaws } from './harness.js';

export interface ConvSpec {
  name: string; input: DTensor; oc: number; kh: number; kw: number;
  sh?: number; sw?: number; dh?: number; dw?: number;
  pt?: number; pl?: number; pb?: number; pr?: number; group?: number;
  wFormat: FixedFormat; bFormat: FixedFormat | null; out: FixedFormat | 'acc'; act?: Activation;
  /** Per-output-channel right shifts of the accumulator (ChannelShift). */
  shift?: number[];
}

/** What both conv kinds hold beside their geometry: constants, accumulator, output tensor, activation, shifts. */
export interface ConvConstants {
  readonly weight: ConstData; readonly bias: ConstData | null; readonly acc: FixedFormat; readonly out: DTensor;
  readonly act: Activation; readonly shift?: ChannelShift;
}

/** Weights [oc][c/group][kh][kw] and bias from `rand`, an exact accumulator, and the [1, oc, oh, ow] output tensor. */
export function convConstants(s: Omit<ConvSpec, 'sh' | 'sw' | 'dh' | 'dw' | 'pt' | 'pl' | 'pb' | 'pr'>, oh: number, ow: number, rand: () => number): ConvConstants {
  const c = s.input.shape[1];
  const group = s.group ?? 1;
  const wShape = [s.oc, c / group, s.kh, s.kw];
  const nW = wShape.reduce((a, b) => a * b, 1);
  const weight = constData(`${s.name}_w`, wShape, s.wFormat, randomRaws(s.wFormat, nW, rand));
  const bias = s.bFormat ? constData(`${s.name}_b`, [s.oc], s.bFormat, randomRaws(s.bFormat, s.oc, rand)) : null;
  const acc = exactAccFor(s.input.format, s.wFormat, s.bFormat, (c / group) * s.kh * s.kw);
  const out: DTensor = { name: `${s.name}_y`, onnxName: `${s.name}_y`, shape: [1, s.oc, oh, ow], format: s.out === 'acc' ? acc : s.out };
  return {
    weight, bias, acc, out, act: s.act ?? { kind: 'none' },
    ...(s.shift ? { shift: { k: constData(`${s.name}_sh`, [s.oc], fixed(6, 6, { signed: false }), s.shift), accs: fixed(acc.width + Math.max(...s.shift), acc.int) } } : {}),
  };
}

/** Builds the layer and its output tensor, weights and bias drawn from `rand`; oh/ow follow from the bottom/right padding. */
export function convLayer(s: ConvSpec, rand: () => number): { layer: Conv2dLayer; out: DTensor } {
  const [, c, h, w] = s.input.shape;
  const { sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0, group = 1 } = s;
  const oh = Math.floor((h + pt + pb - dh * (s.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + pl + pr - dw * (s.kw - 1) - 1) / sw) + 1;
  const { out, ...k } = convConstants(s, oh, ow, rand);
  const layer: Conv2dLayer = {
    kind: 'conv2d', name: s.name, sources: [s.name], inputs: [s.input.name], output: out.name,
    c, h, w, oc: s.oc, oh, ow, kh: s.kh, kw: s.kw, sh, sw, pt, pl, dh, dw, group, ...k,
  };
  return { layer, out };
}
