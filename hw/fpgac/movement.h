// fpgac kernel library: data-movement layers that copy with a cast.
//
// gather: out[i0..i5] = (any tk[ik] < 0) ? pad : in[t0[i0] + ... + t5[i5]], the output written in C order over the
//   dims d0..d5 (padded to rank 6 with leading 1s). Each table tk holds, per index on output axis k, the input index
//   it reads times that input axis's stride (the compiler resolved slicing, reflection, edge clamping, wrapping and
//   nearest-neighbour rounding into it), or -1 where the element is padding. No multipliers: one table read per
//   axis and an adder per element. The assignment casts (quantization then overflow) when the formats differ; `pad`
//   is a raw already in the output format.
// concat_part: copies one part of a concatenation, viewed as [outer][len], into columns [off, off + len) of an
//   output viewed as [outer][total]; a Concat layer is one call per part (a part may be a constant array).
// interp: separable interpolation (Resize linear/cubic) through per-axis index and weight tables, exact sum.
// sim/kernels/movement.ts mirrors this file.
#ifndef FPGAC_MOVEMENT_H
#define FPGAC_MOVEMENT_H

#include "common.h"

namespace fpgac {

// fpgac::gather<cfg>(in, out, t0, ..., t5).
template <class CFG, class in_t, class out_t, class t0_t, class t1_t, class t2_t, class t3_t, class t4_t, class t5_t>
void gather(const in_t in[CFG::n_in], out_t out[CFG::n_out], const t0_t t0[CFG::d0], const t1_t t1[CFG::d1],
            const t2_t t2[CFG::d2], const t3_t t3[CFG::d3], const t4_t t4[CFG::d4], const t5_t t5[CFG::d5]) {
  const out_t pad = from_raw<out_t>(CFG::pad);
  // Perfect nest with constant bounds, flattened by HLS into one pipelined loop over the output; the input is read
  // at table-given offsets, so `in` should be a RAM (not a stream), which every layer buffer here is.
GaD0:
  for (int i0 = 0; i0 < CFG::d0; i0++) {
  GaD1:
    for (int i1 = 0; i1 < CFG::d1; i1++) {
    GaD2:
      for (int i2 = 0; i2 < CFG::d2; i2++) {
      GaD3:
        for (int i3 = 0; i3 < CFG::d3; i3++) {
        GaD4:
          for (int i4 = 0; i4 < CFG::d4; i4++) {
          GaD5:
            for (int i5 = 0; i5 < CFG::d5; i5++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
              const int a0 = t0[i0].to_int(), a1 = t1[i1].to_int(), a2 = t2[i2].to_int();
              const int a3 = t3[i3].to_int(), a4 = t4[i4].to_int(), a5 = t5[i5].to_int();
              const int io = ((((i0 * CFG::d1 + i1) * CFG::d2 + i2) * CFG::d3 + i3) * CFG::d4 + i4) * CFG::d5 + i5;
              // The OR of the entries is negative exactly when one of them is (its sign bit is set).
              if ((a0 | a1 | a2 | a3 | a4 | a5) < 0) {
                out[io] = pad;
              } else {
                out[io] = in[a0 + a1 + a2 + a3 + a4 + a5];
              }
            }
          }
        }
      }
    }
  }
}

// fpgac::concat_part<cfg>(in, out): out[o * total + off + j] = in[o * len + j]. CFG::pf lanes, lane u copying the
// run u * (len / pf) ... of each outer slice: lanes read and write addresses len / pf apart, which the plan's block
// banks (runs of at most len / pf words, src/kinds/concat.ts) keep in different banks.
template <class CFG, class in_t, class out_t>
void concat_part(const in_t in[CFG::outer * CFG::len], out_t out[CFG::n_out]) {
  const int run = CFG::len / CFG::pf;
CcOuter:
  for (int o = 0; o < CFG::outer; o++) {
  CcCopy:
    for (int j = 0; j < run; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
    CcLanes:
      for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
        out[o * CFG::total + CFG::off + u * run + j] = in[o * CFG::len + u * run + j];
      }
    }
  }
}

// fpgac::interp<cfg>(in, out, x0..x5, w0..w5): out[i0..i5] = (any xk[ik*tk] < 0) ? pad
//   : sum over taps k0..k5 of w0[i0*t0+k0] * ... * w5[i5*t5+k5] * in[x0[i0*t0+k0] + ... + x5[i5*t5+k5]].
// ap_fixed products are exact (full-precision types) and acc_t holds every partial sum, so the assignment to
// out_t is the only rounding. One tap per cycle: the twelve loops form one perfect nest HLS flattens; the
// accumulator restarts at each element's first tap and is written at its last.
template <class CFG, class in_t, class out_t, class X0, class X1, class X2, class X3, class X4, class X5, class W0,
          class W1, class W2, class W3, class W4, class W5>
void interp(const in_t in[CFG::n_in], out_t out[CFG::n_out], const X0 x0[CFG::d0 * CFG::t0],
            const X1 x1[CFG::d1 * CFG::t1], const X2 x2[CFG::d2 * CFG::t2], const X3 x3[CFG::d3 * CFG::t3],
            const X4 x4[CFG::d4 * CFG::t4], const X5 x5[CFG::d5 * CFG::t5], const W0 w0[CFG::d0 * CFG::t0],
            const W1 w1[CFG::d1 * CFG::t1], const W2 w2[CFG::d2 * CFG::t2], const W3 w3[CFG::d3 * CFG::t3],
            const W4 w4[CFG::d4 * CFG::t4], const W5 w5[CFG::d5 * CFG::t5]) {
  const out_t pad = from_raw<out_t>(CFG::pad);
  typename CFG::acc_t acc = 0;
InD0:
  for (int i0 = 0; i0 < CFG::d0; i0++) {
  InD1:
    for (int i1 = 0; i1 < CFG::d1; i1++) {
    InD2:
      for (int i2 = 0; i2 < CFG::d2; i2++) {
      InD3:
        for (int i3 = 0; i3 < CFG::d3; i3++) {
        InD4:
          for (int i4 = 0; i4 < CFG::d4; i4++) {
          InD5:
            for (int i5 = 0; i5 < CFG::d5; i5++) {
            InT0:
              for (int k0 = 0; k0 < CFG::t0; k0++) {
              InT1:
                for (int k1 = 0; k1 < CFG::t1; k1++) {
                InT2:
                  for (int k2 = 0; k2 < CFG::t2; k2++) {
                  InT3:
                    for (int k3 = 0; k3 < CFG::t3; k3++) {
                    InT4:
                      for (int k4 = 0; k4 < CFG::t4; k4++) {
                      InT5:
                        for (int k5 = 0; k5 < CFG::t5; k5++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
                          const int e0 = i0 * CFG::t0 + k0, e1 = i1 * CFG::t1 + k1, e2 = i2 * CFG::t2 + k2;
                          const int e3 = i3 * CFG::t3 + k3, e4 = i4 * CFG::t4 + k4, e5 = i5 * CFG::t5 + k5;
                          const int a0 = x0[e0].to_int(), a1 = x1[e1].to_int(), a2 = x2[e2].to_int();
                          const int a3 = x3[e3].to_int(), a4 = x4[e4].to_int(), a5 = x5[e5].to_int();
                          const bool outside = (a0 | a1 | a2 | a3 | a4 | a5) < 0;
                          const int src = outside ? 0 : a0 + a1 + a2 + a3 + a4 + a5;
                          const typename CFG::acc_t term = w0[e0] * w1[e1] * w2[e2] * w3[e3] * w4[e4] * w5[e5] * in[src];
                          if ((k0 | k1 | k2 | k3 | k4 | k5) == 0) acc = 0;
                          acc += term;
                          if (k0 == CFG::t0 - 1 && k1 == CFG::t1 - 1 && k2 == CFG::t2 - 1 && k3 == CFG::t3 - 1 &&
                              k4 == CFG::t4 - 1 && k5 == CFG::t5 - 1) {
                            const int io = ((((i0 * CFG::d1 + i1) * CFG::d2 + i2) * CFG::d3 + i3) * CFG::d4 + i4) * CFG::d5 + i5;
                            if (outside) {
                              out[io] = pad;
                            } else {
                              out[io] = acc;
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace fpgac

#endif
