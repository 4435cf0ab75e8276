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

// fpgac::octave<cfg>(in, out, table, delta): one element per cycle, two table reads in parallel.
template <class CFG, class in_t, class out_t>
void octave(const in_t in[CFG::n], out_t out[CFG::n], const typename CFG::table_t table[CFG::size],
            const typename CFG::table_t delta[CFG::size]) {
OctaveLoop:
  for (int i = 0; i < CFG::n; i++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
    const in_t x = in[i];
    const typename CFG::in_raw_t raw = x.range();
    const bool neg = CFG::odd && raw < 0;
    ap_int<CFG::raw_bits + 1> s = raw;  // room for -(-2^(W-1))
    if (neg) s = -s;
    if (s <= 0) {
      out[i] = from_raw<out_t>(CFG::under);
      continue;
    }
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
    if (neg) {
      out[i] = -(t + d * r);
    } else {
      out[i] = t + d * r;
    }
  }
}

}  // namespace fpgac

#endif
