// fpgac kernel library: pieces shared by every kernel family.
// Kernels are header-only templates; generated code passes a config struct (sizes, types, constants) and arrays.
// Everything here must compile with our host ap_types headers (hw/include) and with the official Xilinx ones.
// Schedules: by default each kernel pipelines its own innermost loop (layers run one after another). When the
// generated parameters.h defines FPGAC_PIPELINE_TOP, the top function is one pipeline at II=1 instead: the kernels'
// loop pipelines are left out (HLS unrolls every loop inside a pipelined function). Only pragmas change, never
// what a kernel computes.
#ifndef FPGAC_COMMON_H
#define FPGAC_COMMON_H

#include "ap_fixed.h"
#include "ap_int.h"
#ifndef __SYNTHESIS__
#include <cstdio>
#include <cstdlib>
#endif

namespace fpgac {

enum act_kind { ACT_NONE = 0, ACT_RELU = 1, ACT_CLIP = 2, ACT_LEAKY = 3 };

// Builds a value of type T from its raw two's-complement bits (constants are emitted as raws so that no
// decimal->binary conversion can differ between toolchains).
template <class T>
inline T from_raw(long long raw) {
  T t;
  t.range() = raw;
  return t;
}

// The BITS low bits of v read as an unsigned fraction in [0, 1) of type R (0 when BITS is 0): the interpolation
// weight of the table kernels (curve.h, octave.h). W = max(BITS, 1) keeps the ap_uint width legal.
template <class R, int BITS, int W, class T>
inline R low_fraction(const T &v) {
#pragma HLS INLINE
  R r = 0;
  if (BITS > 0) {
    const ap_uint<W> low = v;  // the assignment keeps the low bits
    r.range() = low;
  }
  return r;
}

#ifndef __SYNTHESIS__
// C-simulation only. A generated weights header (firmware/weights/) spells one constant array twice: for HLS
// synthesis a `static const` ap_fixed array with exact initializers R(raw) = raw * 2^-F (a ROM), for C-simulation
// a same-named ap_fixed array that this function fills once, before main, from the raws written as decimal
// integers in one string literal. A C++ compiler reads a string literal at almost no cost, where an initializer list costs it time
// and memory per element: for ap_fixed a double->ap_fixed conversion each, optimized by g++ -O2 as one huge
// function (minutes, gigabytes); even a plain integer array costs ~3.5 us and ~170 bytes per element to parse.
// The bits are the same: range() = raw keeps the low W bits of the integer, the two's-complement pattern itself (no
// quantization or overflow mode applies), with fpgac's host headers and the official ones. A header whose text does
// not hold exactly N integers (edited by hand) stops the program before main.
template <class T, int N>
inline bool load_raws(T (&dst)[N], const char *text) {
  const char *p = text;
  int i = 0;
  for (;;) {
    while (*p == ' ') p++;
    if (!*p || i == N) break;
    const bool neg = *p == '-';
    const char *d = neg ? p + 1 : p;
    if (*d < '0' || *d > '9') break;
    long long v = 0;
    for (p = d; *p >= '0' && *p <= '9'; p++) v = v * 10 + (*p - '0');
    dst[i++].range() = neg ? -v : v;
  }
  if (i != N || *p) {
    std::fprintf(stderr, "fpgac: a weights header does not hold exactly %d raw integers (read %d)\n", N, i);
    std::abort();
  }
  return true;
}
#endif

// The one lossy step of a layer: relu on the exact accumulator (equal to relu after the cast, which is monotone
// and maps 0 to 0), the cast to the output type (its quantization then overflow mode), then clip in output units.
// Leaky: a negative accumulator times CFG::leaky_t's constant, ap_fixed's full-precision (exact) product, is what
// gets cast. Configs without it carry a 2-bit stand-in leaky_t (the branch is resolved at compile time).
template <bool B> struct bool_tag {};

template <class CFG, class out_t, class acc_t>
inline out_t finish_cast(acc_t acc, bool_tag<false>) {
#pragma HLS INLINE
  if (CFG::act == ACT_RELU && acc < 0) acc = 0;
  out_t r;
  if (CFG::act == ACT_LEAKY && acc < 0) r = acc * from_raw<typename CFG::leaky_t>(CFG::leaky_raw);
  else r = acc;
  if (CFG::act == ACT_CLIP) {
    const out_t lo = from_raw<out_t>(CFG::clip_lo);
    const out_t hi = from_raw<out_t>(CFG::clip_hi);
    if (r < lo) r = lo;
    if (r > hi) r = hi;
  }
  return r;
}

// Thresholds after the accumulator (src/plan/thresholds.ts): a config with n_thr replaces the casts of a layer and
// the unary after it by comparisons, y = level(number of thresholds acc reaches); the thresholds were found on the
// exact casts, so the bits are theirs.
template <class CFG, class out_t, class acc_t>
inline out_t finish_cast(acc_t acc, bool_tag<true>) {
#pragma HLS INLINE
  int k = 0;
  for (int i = 0; i < CFG::n_thr; i++) {
#pragma HLS UNROLL
    if (acc >= from_raw<acc_t>(CFG::thr(i))) k++;
  }
  return from_raw<out_t>(CFG::level(k));
}

// Whether a config carries thresholds (has n_thr).
template <class T> struct void_of { typedef void type; };
template <class CFG, class = void> struct has_thresholds { static const bool value = false; };
template <class CFG> struct has_thresholds<CFG, typename void_of<decltype(CFG::n_thr)>::type> { static const bool value = true; };

template <class CFG, class out_t, class acc_t>
inline out_t finish(acc_t acc) {
#pragma HLS INLINE
  return finish_cast<CFG, out_t>(acc, bool_tag<has_thresholds<CFG>::value>());
}

// Per-output-channel weight precision: the exact accumulator of channel o, whose weights were stored scaled by
// 2^sh[o], shifted back by sh[o]. CFG::accs_t has max(sh) more fraction bits than acc_t, so the shift is exact.
// Without HAS_SHIFT it is the identity (sh is then an unread stand-in array).
template <class CFG, bool HAS_SHIFT, class acc_t, class shift_t>
inline typename CFG::accs_t shift_back(const acc_t &acc, const shift_t *sh, int o) {
#pragma HLS INLINE
  typename CFG::accs_t a = acc;
  if (HAS_SHIFT) a >>= sh[o].to_int();
  return a;
}

// Input row and column of tap (ky, kx) of output (oy, ox)'s window (conv and pool configs: strides sh/sw,
// top/left padding pt/pl, dilations dh/dw, input h x w), and whether the tap lies inside the input rather than in
// the zero (conv) or ignored (pool) padding.
template <class CFG>
inline bool window_tap(int oy, int ox, int ky, int kx, int &iy, int &ix) {
#pragma HLS INLINE
  iy = oy * CFG::sh - CFG::pt + ky * CFG::dh;
  ix = ox * CFG::sw - CFG::pl + kx * CFG::dw;
  return iy >= 0 && iy < CFG::h && ix >= 0 && ix < CFG::w;
}

// The running sum a flat MAC loop continues: a fresh start (the bias, or 0 without one) at an output's first step,
// else the accumulator so far. The cast of the bias into acc_t is exact (acc_t holds its fraction bits).
template <bool HAS_BIAS, class acc_t, class bias_t>
inline acc_t acc_start(bool first, const acc_t &acc, const bias_t *b, int o) {
#pragma HLS INLINE
  acc_t a = acc;
  if (first) {
    a = 0;
    if (HAS_BIAS) a = b[o];
  }
  return a;
}

// One product of a MAC kernel (dense.h, conv.h): ap_fixed's exact full-precision a * b, so the bits never depend on
// how it is built. CFG::lut_mul (the plan's choice, src/plan/estimate.ts fabricProduct) selects the implementation
// at compile time: false, a plain multiply (HLS picks DSPs); true, CFG::mul, which the generated config defines with
// the tool's pragma binding its product to fabric LUTs (src/emit/pragmas.ts mulLutPragma).
template <class CFG, bool LUT = CFG::lut_mul>
struct product {
  template <class A, class B>
  static auto of(const A &a, const B &b) -> decltype(a * b) {
#pragma HLS INLINE
    return a * b;
  }
};

template <class CFG>
struct product<CFG, true> {
  template <class A, class B>
  static auto of(const A &a, const B &b) -> decltype(a * b) {
#pragma HLS INLINE
    return CFG::mul(a, b);
  }
};

// The bits of an ap_fixed value as a signed integer: its raw (a signed format), or its raw widened by one zero bit
// (an unsigned one). S is the format's signedness, given by the generated config (both header sets agree on it).
template <class T, bool S>
struct raw_int {
  typedef ap_int<T::width + (S ? 0 : 1)> type;
  static type of(const T &v) {
#pragma HLS INLINE
    const ap_uint<T::width> bits = v.range(T::width - 1, 0);
    if (S) {
      const ap_int<T::width> s = bits;  // same width: the bits read as two's complement
      return s;
    }
    return bits;
  }
};

// Two exact products sharing the operand s, from one multiply: s * (a1 + a2 * 2^18), the pre-adder packing of a
// DSP48E2 (27 x 18 bits; src/plan/packing.ts decides when it applies). The plan packs only when a2 * 2^18 + a1
// fits 27 signed bits, s fits 18, and s * a1 fits 18 signed bits (from the formats' raw ranges): then the low 18
// bits of the 45-bit result are s * a1 exactly, and the rest is s * a2 less the borrow a negative low part took.
// P is the exact product type decltype(a * s); its bits are set from the integers, so p1, p2 equal a1 * s, a2 * s.
template <bool S_SIGNED, bool A_SIGNED, class SV, class AV, class P>
inline void product_pair(const SV &s, const AV &a1, const AV &a2, P &p1, P &p2) {
#pragma HLS INLINE
  const ap_int<27> packed = (ap_int<27>(raw_int<AV, A_SIGNED>::of(a2)) << 18) + ap_int<27>(raw_int<AV, A_SIGNED>::of(a1));
  const ap_int<45> prod = packed * ap_int<18>(raw_int<SV, S_SIGNED>::of(s));
  const ap_int<18> lo = prod.range(17, 0);
  const ap_int<27> hi = (prod >> 18) + ap_int<27>(lo < 0 ? 1 : 0);
  p1.range(P::width - 1, 0) = lo;
  p2.range(P::width - 1, 0) = hi;
}

// Sets the N elements of a (completely partitioned) register array to zero in one cycle: the accumulators of a
// kernel's parallel lanes.
template <int N, class T>
inline void clear(T a[N]) {
#pragma HLS INLINE
clear_lanes:
  for (int u = 0; u < N; u++) {
#pragma HLS UNROLL
    a[u] = 0;
  }
}

// Element-wise assignment (a cast when the types differ): the entry copy of a loop region's state. PF lanes each
// take a contiguous block of N / PF elements (the state's block banks, when it has them).
template <int N, int PF, class in_t, class out_t>
void copy(const in_t in[N], out_t out[N]) {
copy_loop:
  for (int j = 0; j < N / PF; j++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
  copy_lane:
    for (int u = 0; u < PF; u++) {
#pragma HLS UNROLL
      out[u * (N / PF) + j] = in[u * (N / PF) + j];
    }
  }
}

}  // namespace fpgac

#endif
