// fpgac kernel library: exact piecewise-linear per-element functions (PwlLayer in src/ir/design.ts).
// sim/kernels/pwl.ts mirrors this file. Every intermediate is exact (ap_fixed's full-precision operators, or a
// config type the renderer sized to hold the value), and the assignment to out_t is the layer's one cast:
//   leaky:       x >= 0 ? x : s * x   (s: a config scalar, or slope[(i / inner) % slope_len] for PRelu)
//   thresholded: x > a ? x : 0
//   hardsigmoid: h = clamp(a * x + b, 0, 1) held exactly in h_t;  hardswish: x * h
//   abs, neg:    |x|, -x in wide_t (one more integer bit, so -min is exact)
//   sign:        (x > 0) - (x < 0) as an ap_int<2>
//   floor, ceil, round: on the raw, q = raw >> F (floor toward -inf), rem = raw - (q << F); ceil adds 1 when
//                rem != 0, round (half to even) when rem > half or rem == half and q is odd; out = q (an integer).
#ifndef FPGAC_PWL_H
#define FPGAC_PWL_H

#include "common.h"

namespace fpgac {

enum pwl_fn {
  PWL_LEAKY = 0, PWL_THRESHOLDED = 1, PWL_HARDSIGMOID = 2, PWL_HARDSWISH = 3, PWL_ABS = 4, PWL_NEG = 5, PWL_SIGN = 6,
  PWL_FLOOR = 7, PWL_CEIL = 8, PWL_ROUND = 9
};

// One element of every function but per-channel leaky. Branches on CFG::fn are resolved at compile time.
template <class CFG, class in_t, class out_t>
inline out_t pwl_value(const in_t &x) {
#pragma HLS INLINE
  out_t o;
  if (CFG::fn == PWL_LEAKY) {
    const typename CFG::a_t s = from_raw<typename CFG::a_t>(CFG::a_raw);
    if (x >= 0) o = x;
    else o = s * x;
  } else if (CFG::fn == PWL_THRESHOLDED) {
    const typename CFG::a_t a = from_raw<typename CFG::a_t>(CFG::a_raw);
    if (x > a) o = x;
    else o = 0;
  } else if (CFG::fn == PWL_HARDSIGMOID || CFG::fn == PWL_HARDSWISH) {
    const typename CFG::a_t a = from_raw<typename CFG::a_t>(CFG::a_raw);
    const typename CFG::b_t b = from_raw<typename CFG::b_t>(CFG::b_raw);
    typename CFG::h_t h = a * x + b;
    if (h < 0) h = 0;
    if (h > 1) h = 1;
    if (CFG::fn == PWL_HARDSIGMOID) o = h;
    else o = x * h;
  } else if (CFG::fn == PWL_ABS || CFG::fn == PWL_NEG) {
    typename CFG::wide_t w = x;
    if (CFG::fn == PWL_NEG || w < 0) w = -w;
    o = w;
  } else if (CFG::fn == PWL_SIGN) {
    ap_int<2> s = 0;
    if (x > 0) s = 1;
    if (x < 0) s = -1;
    o = s;
  } else if (CFG::frac <= 0) {
    o = x;  // already an integer
  } else {
    const int F = CFG::frac > 0 ? CFG::frac : 1;
    const typename CFG::in_raw_t r0 = x.range();
    const typename CFG::wide_raw_t raw = r0;
    typename CFG::wide_raw_t q = raw >> F;
    const typename CFG::wide_raw_t rem = raw - (q << F);
    const typename CFG::wide_raw_t half = typename CFG::wide_raw_t(1) << (F - 1);
    if (CFG::fn == PWL_CEIL && rem != 0) q += 1;
    if (CFG::fn == PWL_ROUND && (rem > half || (rem == half && q[0] == 1))) q += 1;
    o = q;
  }
  return o;
}

// fpgac::pwl<cfg>(in, out): CFG::pf lanes, each a contiguous block of n / pf elements.
template <class CFG, class in_t, class out_t>
void pwl(const in_t in[CFG::n], out_t out[CFG::n]) {
  const int per = CFG::n / CFG::pf;
Pwl:
  for (int j = 0; j < per; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
  PwlLane:
    for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
      const int i = u * per + j;
      out[i] = pwl_value<CFG, in_t, out_t>(in[i]);
    }
  }
}

// fpgac::pwl_leaky<cfg>(in, out, slope): PRelu, one element per cycle; element i reads slope[(i / inner) % len],
// kept as two counters instead of a division.
template <class CFG, class in_t, class out_t>
void pwl_leaky(const in_t in[CFG::n], out_t out[CFG::n], const typename CFG::slope_t slope[CFG::slope_len]) {
  int k = 0, c = 0;
PwlLeaky:
  for (int i = 0; i < CFG::n; i++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
    const in_t x = in[i];
    if (x >= 0) out[i] = x;
    else out[i] = slope[c] * x;
    if (++k == CFG::inner) {
      k = 0;
      if (++c == CFG::slope_len) c = 0;
    }
  }
}

}  // namespace fpgac

#endif
