// fpgac kernel library: table-based non-linear layers. sim/kernels/nonlinear.ts mirrors this file.
//
// Everything up to the table read is integer arithmetic on raws (the stored two's-complement integers), so no
// floating point and no ap_fixed rounding mode is involved in choosing an index:
//   raw  = the input's integer value, read through .range() into in_raw_t (ap_int<W>, or ap_uint<W> for an
//          ap_ufixed input), so signed inputs are sign-extended when widened;
//   x · 2^k for a value with F fraction bits is raw · 2^(k − F): a left shift when k ≥ F (exact), an arithmetic
//          right shift when k < F, which is floor (toward −∞) also for negative raws.
//
// lut: Sigmoid by table. idx = clamp(floor(x · 2^idx_shift) + offset, 0, size − 1), out = table[idx] (the
//   assignment casts the entry to out_t). The compiler fills the table (src/quant/tables.ts).
// softmax: over an axis viewed as [outer][len][inner] (element (o, j, i) at (o·len + j)·inner + i):
//   m = max_j raw_j; d_j = m − raw_j ≥ 0; idx_j = min(floor(d_j · 2^(exp_shift − Fx)), size − 1);
//   e_j = exp_table[idx_j] (unsigned, Fe fraction bits, entry 0 = 1.0 so s ≥ 2^Fe); s = Σ e_j exact;
//   k = floor(log2 s) (the leading one, ≥ Fe ≥ R); r = recip_table[(s >> (k − R)) − 2^R] (G fraction bits);
//   out_j = the exact integer e_j · r read with G + k fraction bits, cast to out_t. No divider: 1/s is one table
//   read after a priority encoder and a shifter.
#ifndef FPGAC_NONLINEAR_H
#define FPGAC_NONLINEAR_H

#include "common.h"

namespace fpgac {

// floor(v · 2^SH) for a compile-time SH of either sign. T must be wide enough for the left shift (the renderer
// sizes it). Both shift counts are kept non-negative so the branch not taken is still well-formed.
template <int SH, class T>
inline T shift_floor(const T &v) {
#pragma HLS INLINE
  if (SH >= 0) return T(v << (SH >= 0 ? SH : 0));
  return T(v >> (SH < 0 ? -SH : 0));
}

// Table index of one LUT input: config fields shift = idx_shift − Fx, offset, size; in_raw_t holds the input's
// raw, idx_acc_t holds raw · 2^max(shift, 0) + offset without overflow.
template <class CFG, class in_t>
inline int lut_index(const in_t &x) {
#pragma HLS INLINE
  const typename CFG::in_raw_t raw = x.range();
  typename CFG::idx_acc_t v = raw;
  v = shift_floor<CFG::shift>(v);
  v += CFG::offset;
  if (v < 0) return 0;
  if (v > CFG::size - 1) return CFG::size - 1;
  return v.to_int();
}

// fpgac::lut<cfg>(in, out, table): one table read per element, pipelined at one element per cycle.
template <class CFG, class in_t, class out_t>
void lut(const in_t in[CFG::n], out_t out[CFG::n], const typename CFG::table_t table[CFG::size]) {
LutLoop:
  for (int i = 0; i < CFG::n; i++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
    out[i] = table[lut_index<CFG>(in[i])];
  }
}

// Table index of d = m − raw ≥ 0 (config: shift = exp_shift − Fx, table_size; diff_t holds d · 2^max(shift, 0)).
template <class CFG>
inline int softmax_index(const typename CFG::in_raw_t &m, const typename CFG::in_raw_t &raw) {
#pragma HLS INLINE
  typename CFG::diff_t d = m - raw;
  d = shift_floor<CFG::shift>(d);
  if (d > CFG::table_size - 1) return CFG::table_size - 1;
  return d.to_int();
}

// Position of the leading one of v, known to lie in [LO, HI] (v ≥ 2^LO): a priority encoder over those bits only.
template <int LO, int HI, int W>
inline int leading_one(const ap_uint<W> &v) {
#pragma HLS INLINE
  int k = LO;
  for (int b = LO + 1; b <= HI; b++) {
#pragma HLS UNROLL
    if (v[b]) k = b;
  }
  return k;
}

// fpgac::softmax<cfg>(in, out, exp_table, recip_table). Three passes over each row (max, sum, outputs), each
// pipelined; the exponentials are looked up again in the last pass instead of being buffered (a table read is as
// cheap as a buffer read, and no len-sized buffer is needed). 1/s is read once per row.
template <class CFG, class in_t, class out_t>
void softmax(const in_t in[CFG::outer * CFG::len * CFG::inner], out_t out[CFG::outer * CFG::len * CFG::inner],
             const typename CFG::exp_t exp_table[CFG::table_size],
             const typename CFG::recip_t recip_table[1 << CFG::recip_bits]) {
  typedef typename CFG::in_raw_t raw_t;
SoftmaxOuter:
  for (int o = 0; o < CFG::outer; o++) {
  SoftmaxInner:
    for (int i = 0; i < CFG::inner; i++) {
      const int base = o * CFG::len * CFG::inner + i;
      raw_t m = in[base].range();
    SoftmaxMax:
      for (int j = 1; j < CFG::len; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
        const raw_t r = in[base + j * CFG::inner].range();
        if (r > m) m = r;
      }
      // s = Σ e_j as a raw with Fe fraction bits; sum_raw_t has ceil(log2(len)) bits more than an entry.
      typename CFG::sum_raw_t s = 0;
    SoftmaxSum:
      for (int j = 0; j < CFG::len; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
        const typename CFG::exp_raw_t e = exp_table[softmax_index<CFG>(m, in[base + j * CFG::inner].range())].range();
        s += e;
      }
      // s ≥ 2^Fe (entry 0 is 1.0 and the max contributes it), so k ≥ Fe ≥ recip_bits and the shift is ≥ 0.
      const int k = leading_one<CFG::exp_frac, CFG::max_lead>(s);
      const typename CFG::sum_raw_t top = s >> (k - CFG::recip_bits);
      const typename CFG::recip_raw_t r = recip_table[(top - (1 << CFG::recip_bits)).to_int()].range();
      // e · r has Fe + G fraction bits; read with G + k it is e · r · 2^(Fe − k). Shifting left by
      // (max_k − k) into a type with G + max_k fraction bits gives that value without dropping a bit.
      const int up = CFG::max_lead - k;
    SoftmaxOut:
      for (int j = 0; j < CFG::len; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II = 1
#endif
        const int at = base + j * CFG::inner;
        const typename CFG::exp_raw_t e = exp_table[softmax_index<CFG>(m, in[at].range())].range();
        typename CFG::scaled_raw_t q = e * r;
        q <<= up;
        typename CFG::scaled_t v;
        v.range() = q;
        out[at] = v;
      }
    }
  }
}

}  // namespace fpgac

#endif
