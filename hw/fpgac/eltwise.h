// fpgac kernel library: element-wise layers.
//
// eltwise: out = finish(a op b), op in {add, sub, mul, max, min}, with NumPy broadcasting. The output shape d0..d5 and each
//   operand's strides as0..as5 / bs0..bs5 are padded to rank 6 (leading 1s / 0s); a stride is 0 on an axis the
//   operand is broadcast along, so out[i0..i5] reads a[sum ik*ask] and b[sum ik*bsk]. The result of `a op b` is
//   ap_fixed's full-precision type (exact), so finish() is the only lossy step. An operand may be a design tensor
//   or a constant array from a weights header: the kernel does not care, both are plain arrays.
// unary: out = finish(in): relu / clip fused with a format change, or a pure format change (act none) for
//   Reshape, Flatten and Identity.
// sim/kernels/eltwise.ts mirrors this file.
#ifndef FPGAC_ELTWISE_H
#define FPGAC_ELTWISE_H

#include "common.h"

namespace fpgac {

enum elt_op_kind { ELT_ADD = 0, ELT_SUB = 1, ELT_MUL = 2, ELT_MAX = 3, ELT_MIN = 4 };

// The exact result of one binary op; the return type is whatever ap_fixed's operator gives (full precision), so
// each op gets its own specialization instead of a conditional over differently typed results.
template <int OP>
struct elt_op;

template <>
struct elt_op<ELT_ADD> {
  template <class A, class B>
  static auto apply(const A &a, const B &b) -> decltype(a + b) {
#pragma HLS INLINE
    return a + b;
  }
};

template <>
struct elt_op<ELT_SUB> {
  template <class A, class B>
  static auto apply(const A &a, const B &b) -> decltype(a - b) {
#pragma HLS INLINE
    return a - b;
  }
};

template <>
struct elt_op<ELT_MUL> {
  template <class A, class B>
  static auto apply(const A &a, const B &b) -> decltype(a * b) {
#pragma HLS INLINE
    return a * b;
  }
};

// max / min: both operands converted to the type of a + b, which holds each exactly (one more integer bit than
// either, the finer fraction), compared there, the chosen one returned; then finish() as for the others.
template <bool MAX>
struct elt_pick {
  template <class A, class B>
  static auto apply(const A &a, const B &b) -> decltype(a + b) {
#pragma HLS INLINE
    typedef decltype(a + b) r_t;
    const r_t x = a;
    const r_t y = b;
    return (MAX ? x > y : x < y) ? x : y;
  }
};

template <>
struct elt_op<ELT_MAX> : elt_pick<true> {};

template <>
struct elt_op<ELT_MIN> : elt_pick<false> {};

// fpgac::eltwise<cfg>(a, b, out). a_len / b_len are the operands' element counts (1 for a broadcast scalar).
template <class CFG, class a_t, class b_t, class out_t>
void eltwise(const a_t a[CFG::a_len], const b_t b[CFG::b_len], out_t out[CFG::n]) {
  // A perfect nest with constant bounds: HLS flattens it into one pipelined loop of n iterations, and the
  // offsets are sums of products by constants (no division to recover indices from a flat counter).
EltD0:
  for (int i0 = 0; i0 < CFG::d0; i0++) {
  EltD1:
    for (int i1 = 0; i1 < CFG::d1; i1++) {
    EltD2:
      for (int i2 = 0; i2 < CFG::d2; i2++) {
      EltD3:
        for (int i3 = 0; i3 < CFG::d3; i3++) {
        EltD4:
          for (int i4 = 0; i4 < CFG::d4; i4++) {
          EltD5:
            for (int i5 = 0; i5 < CFG::d5; i5++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
              const int ia = i0 * CFG::as0 + i1 * CFG::as1 + i2 * CFG::as2 + i3 * CFG::as3 + i4 * CFG::as4 + i5 * CFG::as5;
              const int ib = i0 * CFG::bs0 + i1 * CFG::bs1 + i2 * CFG::bs2 + i3 * CFG::bs3 + i4 * CFG::bs4 + i5 * CFG::bs5;
              const int io = ((((i0 * CFG::d1 + i1) * CFG::d2 + i2) * CFG::d3 + i3) * CFG::d4 + i4) * CFG::d5 + i5;
              out[io] = finish<CFG, out_t>(elt_op<CFG::op>::apply(a[ia], b[ib]));
            }
          }
        }
      }
    }
  }
}

// fpgac::eltwise_lanes<cfg>(a, b, out): eltwise without axis broadcasting (eltwiseIsFlat in src/ir/design.ts):
// each operand is the whole array (a_len = n) or a scalar (a_len = 1). CFG::pf lanes each take a contiguous block
// of n / pf elements, so block-partitioned arrays give every lane its own bank.
template <class CFG, class a_t, class b_t, class out_t>
void eltwise_lanes(const a_t a[CFG::a_len], const b_t b[CFG::b_len], out_t out[CFG::n]) {
  const int per = CFG::n / CFG::pf;
EltLanes:
  for (int j = 0; j < per; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
  EltLane:
    for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
      const int i = u * per + j;
      out[i] = finish<CFG, out_t>(elt_op<CFG::op>::apply(a[CFG::a_len == 1 ? 0 : i], b[CFG::b_len == 1 ? 0 : i]));
    }
  }
}

// fpgac::unary<cfg>(in, out): relu before the cast, clip after it (see finish), or a plain cast. With
// CFG::shift != 0 the value is first multiplied by 2^shift for free: the raw bits are copied into shifted_t, the
// input type with its binary point moved (no multiplier, no logic). CFG::pf lanes each take a contiguous block.
template <class CFG, class in_t, class out_t>
void unary(const in_t in[CFG::n], out_t out[CFG::n]) {
  const int per = CFG::n / CFG::pf;
Unary:
  for (int j = 0; j < per; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
  UnaryLane:
    for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
      const int i = u * per + j;
      if (CFG::shift == 0) {
        out[i] = finish<CFG, out_t>(in[i]);
      } else {
        typename CFG::shifted_t t;
        t.range() = in[i].range();
        out[i] = finish<CFG, out_t>(t);
      }
    }
  }
}

}  // namespace fpgac

#endif
