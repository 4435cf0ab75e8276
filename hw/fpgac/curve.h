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

// fpgac::curve<cfg>(in, out, table, delta): one element per cycle, two table reads (entry and slope) in parallel.
template <class CFG, class in_t, class out_t>
void curve(const in_t in[CFG::n], out_t out[CFG::n], const typename CFG::table_t table[CFG::size],
           const typename CFG::table_t delta[CFG::size]) {
CurveLoop:
  for (int i = 0; i < CFG::n; i++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
    const in_t x = in[i];
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
      out[i] = t + d * r + s * x;
    } else {
      out[i] = t + d * r;
    }
  }
}

}  // namespace fpgac

#endif
