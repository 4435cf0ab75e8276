// fpgac kernel library: Sqrt, Reciprocal, Log as a table with knots spaced per octave of the input
// (OctaveLayer in src/ir/design.ts; tables from src/quant/octave.ts). sim/kernels/octave.ts mirrors this file.
//   raw = the input's integer value; m = |raw| (odd) or raw; m <= 0 (odd: m == 0) writes the output raw `under`;
//   else e = the leading one of m, nrm = m << (U - 1 - e), j = the K bits under the leading one, r = the FR bits
//   below read as a fraction in [0, 1); v = table[e * 2^K + j] + delta[...] * r at full precision; out = odd and
//   raw < 0 ? -v : v (negation exact), the assignment to out_t being the one cast.
#ifndef FPGAC_OCTAVE_H
#define FPGAC_OCTAVE_H

#include "common.h"

namespace fpgac {

// One element: the octave index, two table reads and the interpolation.
template <class CFG, class in_t, class out_t>
inline out_t octave_one(const in_t &x, const typename CFG::table_t table[CFG::size], const typename CFG::table_t delta[CFG::size]) {
#pragma HLS INLINE
  const typename CFG::in_raw_t raw = x.range();
  const bool neg = CFG::odd && raw < 0;
  ap_int<CFG::raw_bits + 1> s = raw;  // room for -(-2^(W-1))
  if (neg) s = -s;
  if (s <= 0) return from_raw<out_t>(CFG::under);
  const ap_uint<CFG::u> m = s;
  int e = 0;
OctaveLead:
  for (int b = 0; b < CFG::u; b++) {
#pragma HLS UNROLL
    if (m[b]) e = b;
  }
  const ap_uint<CFG::u> nrm = m << (CFG::u - 1 - e);
  const ap_uint<CFG::u> top = nrm >> CFG::fr;  // the leading one and j
  const int idx = e * (1 << CFG::k) + (top.to_int() - (1 << CFG::k));
  const typename CFG::r_t r = low_fraction<typename CFG::r_t, CFG::fr, CFG::fr_width>(nrm);
  const typename CFG::table_t t = table[idx];
  const typename CFG::table_t d = delta[idx];
  if (neg) return -(t + d * r);
  return t + d * r;
}

// fpgac::octave<cfg>(in, out, table, delta): CFG::pf lanes over contiguous blocks of the elements, one element a
// lane and cycle; every lane reads both tables (the plan gives them the read ports: copies).
template <class CFG, class in_t, class out_t>
void octave(const in_t in[CFG::n], out_t out[CFG::n], const typename CFG::table_t table[CFG::size],
            const typename CFG::table_t delta[CFG::size]) {
OctaveLoop:
  for (int j = 0; j < CFG::n / CFG::pf; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
  OctaveLanes:
    for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
      const int i = u * (CFG::n / CFG::pf) + j;
      out[i] = octave_one<CFG, in_t, out_t>(in[i], table, delta);
    }
  }
}

}  // namespace fpgac

#endif
