// fpgac kernel library: reductions over one axis (ReduceLayer in src/ir/design.ts; simulator twin
// sim/kernels/reduce.ts). The input is viewed as [outer][len][inner] in C order, the output as [outer][inner].
// - sum / l1 / sumsq: s = sum of x / |x| / x*x, exact in acc_t; out = (out_t) s.
// - mean: s as for sum; r = 1/len as `recip_t r = 1.0 / len` (a double division, then recip_t's conversion);
//   out = (out_t)(s * r), the product exact (ap_fixed's full-precision type).
// - max / min: m = the largest / smallest input; out = (out_t) m.
// - argmax / argmin: the index of the first (select_last: the last) largest / smallest input; out = (out_t) k.
// - l2: s = sum of x*x exact in an unsigned acc_t; V = raw(s) << v_shift (an ap_uint<v_w>), q = floor(sqrt(V)) by
//   the digit-by-digit integer square root (compares and subtracts, no floating point), t = q with its lowest bit
//   set when q*q != V (a sticky bit);
//   out = (out_t) t read at root_g fraction bits, i.e. sqrt(s) correctly rounded in out_t's mode.
//
// CFG provides: static const int outer, len, inner, mode (RED_*), acc_w, v_shift, v_w, q_w, root_w; static const bool
// select_last; typedefs acc_t, recip_t, root_t (every field is rendered for every mode; unused ones are inert).
#ifndef FPGAC_REDUCE_H
#define FPGAC_REDUCE_H

#include "common.h"

namespace fpgac {

enum reduce_mode { RED_SUM = 0, RED_MEAN = 1, RED_MAX = 2, RED_MIN = 3, RED_L1 = 4, RED_L2 = 5, RED_SUMSQ = 6, RED_ARGMAX = 7, RED_ARGMIN = 8 };

// floor(sqrt(v)) and whether it is exact, by the digit-by-digit (restoring) method: two bits of v per step, a
// compare and a subtract, no multiplier and no floating point. v is read as 2*QW bits (zero-extended).
template <int VW, int QW>
inline ap_uint<QW> isqrt_floor(const ap_uint<VW> &v, bool &exact) {
#pragma HLS INLINE
  ap_uint<2 * QW> rest = v;
  ap_uint<QW + 3> rem = 0;  // v's leading bits minus root^2 so far: <= 2*root, so < 2^(QW+2) after the shift
  ap_uint<QW> root = 0;
isqrt_digits:
  for (int i = 0; i < QW; i++) {
#pragma HLS UNROLL
    const ap_uint<2> two = rest >> (2 * QW - 2);
    rest <<= 2;
    rem = (rem << 2) | two;
    const ap_uint<QW + 3> trial = (ap_uint<QW + 3>(root) << 2) | 1;
    root <<= 1;
    if (rem >= trial) {
      rem -= trial;
      root |= 1;
    }
  }
  exact = rem == 0;
  return root;
}

// sqrt of the exact sum of squares s, as root_t (q plus the sticky bit, at root_g fraction bits).
template <class CFG, class acc_t>
inline typename CFG::root_t l2_root(const acc_t &s) {
#pragma HLS INLINE
  const ap_uint<CFG::acc_w> a = s.range();  // the raw bits of the unsigned exact sum
  ap_uint<CFG::v_w> v = a;
  v <<= CFG::v_shift;
  bool exact;
  const ap_uint<CFG::q_w> q = isqrt_floor<CFG::v_w, CFG::q_w>(v, exact);
  ap_uint<CFG::root_w> raw = q;
  if (!exact) raw |= 1;
  typename CFG::root_t t;
  t.range() = raw;
  return t;
}

template <class CFG, class in_t, class out_t>
void reduce(const in_t in[CFG::outer * CFG::len * CFG::inner], out_t out[CFG::outer * CFG::inner]) {
#pragma HLS INLINE off
  typedef typename CFG::acc_t acc_t;
  const bool is_max = CFG::mode == RED_MAX || CFG::mode == RED_ARGMAX;
  const bool is_cmp = is_max || CFG::mode == RED_MIN || CFG::mode == RED_ARGMIN;
reduce_o:
  for (int o = 0; o < CFG::outer; o++) {
  reduce_i:
    for (int i = 0; i < CFG::inner; i++) {
      acc_t s = 0;
      in_t m = in[o * CFG::len * CFG::inner + i];
      int arg = 0;
    reduce_k:
      for (int k = 0; k < CFG::len; k++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
        const in_t v = in[(o * CFG::len + k) * CFG::inner + i];
        if (is_cmp) {
          const bool better = is_max ? (v > m) : (v < m);
          if (k > 0 && (better || (CFG::select_last && v == m))) {
            m = v;
            arg = k;
          }
        } else if (CFG::mode == RED_L1) {
          if (v < 0) s -= v; else s += v;
        } else if (CFG::mode == RED_SUMSQ || CFG::mode == RED_L2) {
          s += v * v;  // the exact product, added exactly
        } else {
          s += v;
        }
      }
      out_t y;
      if (CFG::mode == RED_ARGMAX || CFG::mode == RED_ARGMIN) {
        y = arg;
      } else if (CFG::mode == RED_MAX || CFG::mode == RED_MIN) {
        y = m;
      } else if (CFG::mode == RED_MEAN) {
        const typename CFG::recip_t r = 1.0 / CFG::len;
        y = s * r;
      } else if (CFG::mode == RED_L2) {
        y = l2_root<CFG>(s);
      } else {
        y = s;
      }
      out[o * CFG::inner + i] = y;
    }
  }
}

}  // namespace fpgac

#endif
