// fpgac kernel library: smooth per-element functions as an exact linear part plus an interpolated table
// (CurveLayer in src/ir/design.ts; tables from src/quant/curves.ts). sim/kernels/curve.ts mirrors this file.
//   raw = the input's integer value (in_raw_t, sign-extended); t = raw * 2^shift (shift = idx_shift - Fx):
//   u = floor(t) + offset (a shift, arithmetic for negative raws); r = the r_bits low bits of raw read as a fraction
//   in [0, 1) (the bits the floor dropped; r_bits = max(-shift, 0)); u < 0 reads entry 0 and u > size - 1 entry
//   size - 1, both with r = 0; out = table[u] + delta[u] * r + s * x, s = pos or neg by the sign of x (has_p), every
//   operator at full precision, so the assignment to out_t is the one cast.
#ifndef FPGAC_CURVE_H
#define FPGAC_CURVE_H

#include "common.h"

namespace fpgac {

// floor(v * 2^SH) for a compile-time SH of either sign (both shift counts kept non-negative).
template <int SH, class T>
inline T curve_shift(const T &v) {
#pragma HLS INLINE
  if (SH >= 0) return T(v << (SH >= 0 ? SH : 0));
  return T(v >> (SH < 0 ? -SH : 0));
}

// One element: two table reads (entry and slope) and the exact linear part.
template <class CFG, class in_t, class out_t>
inline out_t curve_one(const in_t &x, const typename CFG::table_t table[CFG::size], const typename CFG::table_t delta[CFG::size]) {
#pragma HLS INLINE
  const typename CFG::in_raw_t raw = x.range();
  typename CFG::idx_acc_t v = raw;
  v = curve_shift<CFG::shift>(v);
  v += CFG::offset;
  typename CFG::r_t r = low_fraction<typename CFG::r_t, CFG::r_bits, CFG::r_width>(raw);
  int idx;
  if (v < 0) {
    idx = 0;
    r = 0;
  } else if (v > CFG::size - 1) {
    idx = CFG::size - 1;
    r = 0;
  } else {
    idx = v.to_int();
  }
  const typename CFG::table_t t = table[idx];
  const typename CFG::table_t d = delta[idx];
  if (CFG::has_p) {
    const typename CFG::slope_t s = from_raw<typename CFG::slope_t>(x >= 0 ? CFG::pos : CFG::neg);
    return t + d * r + s * x;
  }
  return t + d * r;
}

// fpgac::curve<cfg>(in, out, table, delta): CFG::pf lanes, lane u taking the contiguous block u * (n / pf) ... of
// the elements (the plan's block banks), one element a lane and cycle. The tables are read by every lane at once:
// the plan stores them with enough read ports (copies, src/plan/plan.ts) and says so in their storage pragma.
template <class CFG, class in_t, class out_t>
void curve(const in_t in[CFG::n], out_t out[CFG::n], const typename CFG::table_t table[CFG::size],
           const typename CFG::table_t delta[CFG::size]) {
CurveLoop:
  for (int j = 0; j < CFG::n / CFG::pf; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
  CurveLanes:
    for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
      const int i = u * (CFG::n / CFG::pf) + j;
      out[i] = curve_one<CFG, in_t, out_t>(in[i], table, delta);
    }
  }
}

}  // namespace fpgac

#endif
