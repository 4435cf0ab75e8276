// fpgac host-side ap_fixed / ap_ufixed for C-simulation with plain g++.
//
// Written from scratch for fpgac; results follow the official Vitis HLS
// headers bit for bit on the supported subset (proved by
// test/hw/ap-headers.test.ts against 220k vectors from the official headers).
//
// Semantics (all verified against the official headers):
//  * + - * (and & | ^) between fixed types are exact: the result type is
//    wide enough (ap_fixed<16,6> * ap_fixed<16,6> -> ap_fixed<32,12>,
//    + -> ap_fixed<17,7>). An int operand acts as ap_fixed<32,32>.
//  * Only storing into a declared type quantises (target's Q mode, using the
//    dropped bits only) and then handles overflow (target's O mode).
//    AP_TRN rounds toward -inf; AP_SAT_SYM never yields the most negative
//    code; doubles are converted exactly before the target's rounding.
//  * << and >> keep the type (bits shifted out are lost, no saturation).
//  * to_int() truncates toward zero (-2.5 -> -2); with I <= 0 it gives 0,
//    or -1 for any negative value (official quirk).
//  * == < ... compare exact values, except that signed/unsigned mixes follow
//    the C-like rule of the integer types (see ap_int.h); with a double the
//    fixed value is first converted to double.
//  * operator<< on std::ostream prints the exact decimal value reduced to
//    the stream precision like the official header (half-up rounding, not
//    the half-even a double would print). std::fixed etc. are ignored.
//    (For I > W the official header prints wrong numbers; we print the
//    correct value, so only those types differ.)
// Not provided: division of fixed types, construction from strings,
// to_string(), concatenation; widths above 128 do not compile.
#ifndef FPGAC_AP_FIXED_H
#define FPGAC_AP_FIXED_H

#include "ap_int.h"

namespace fpgac_ap {
template <int W, int I, bool S> struct fixed_of { typedef ap_fixed<W, I> type; };
template <int W, int I> struct fixed_of<W, I, false> { typedef ap_ufixed<W, I> type; };

inline u128 shl128(u128 v, int n) { return n >= 128 ? 0 : (v << n); }

// Integer operands of fixed-point operators behave as ap_fixed<W, W>.
template <int W, bool S>
inline ap_fixed_base<W, W, S> to_fx(const ap_int_base<W, S>& x) {
  ap_fixed_base<W, W, S> r;
  r.V = x.V;
  return r;
}
template <typename T>
inline FPGAC_IF_INT(T, ap_fixed_base<cint<T>::W, cint<T>::W, cint<T>::S>) to_fx(T x) {
  return to_fx(typename cint<T>::type(x));
}

// Comparison of two fixed values. The official code aligns the binary points
// by converting one operand to a wider type (the left one gets an extra
// integer bit) and then applies the integer relational rule to those widths.
template <int W1, int I1, bool S1, int W2, int I2, bool S2, bool SYM2>
struct fx_cmp {
  enum {
    F1 = W1 - I1, F2 = W2 - I2,
    AW = F1 >= F2 ? W1 : imax(W1 + F2 - F1 + 1, 1),
    BW = F1 >= F2 ? imax(W2 + F1 - F2, 1) : W2,
    SA = F1 >= F2 ? 0 : F2 - F1, SB = F1 >= F2 ? F1 - F2 : 0,
    M = eq_bits(AW, S1, BW, S2),
    FAST = AW <= 126 && BW <= 126
  };
  static_assert(AW <= 250 && BW <= 250, "fpgac ap_fixed: comparison operands too far apart");
  template <class T>
  static void align(u128 a, u128 b, T& x, T& y);
  static bool lt(u128 a, u128 b) {
    if (FAST) return lt_t<i128>(a, b);
    return lt_t<wide>(a, b);
  }
  static bool gt(u128 a, u128 b) {
    if (FAST) return gt_t<i128>(a, b);
    return gt_t<wide>(a, b);
  }
  static bool eq(u128 a, u128 b) {
    if (FAST) {
      i128 x, y;
      align(a, b, x, y);
      return eq_mod((u128)x, (u128)y, M);
    }
    wide x, y;
    align(a, b, x, y);
    return eq_mod(x, y, M);
  }
  template <class T>
  static bool lt_t(u128 a, u128 b) {
    T x, y;
    align(a, b, x, y);
    return rel_lt(x, x < T(0), y, y < T(0), mixed_natural(AW, S1, BW, S2));
  }
  template <class T>
  static bool gt_t(u128 a, u128 b) {
    T x, y;
    align(a, b, x, y);
    return rel_lt(y, y < T(0), x, x < T(0), mixed_natural(AW, S1, BW, S2));
  }
};
template <class T> inline T from_container(u128 v, bool s);
template <> inline i128 from_container<i128>(u128 v, bool) { return (i128)v; }
template <> inline wide from_container<wide>(u128 v, bool s) { return wide::of(v, s); }
template <int W1, int I1, bool S1, int W2, int I2, bool S2, bool SYM2>
template <class T>
inline void fx_cmp<W1, I1, S1, W2, I2, S2, SYM2>::align(u128 a, u128 b, T& x, T& y) {
  x = shl(from_container<T>(a, S1), SA);
  y = shl(from_container<T>(b, S2), SB);
  // Quirk kept for fidelity: widening an AP_SAT_SYM operand that holds its
  // most negative code saturates it to -max on the way.
  if (SYM2 && S2 && SB > 0 && b == ~low_mask(W2 - 1)) y = y + T(1);
}
}  // namespace fpgac_ap

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
using af_range_ref = fpgac_ap::range_ref<ap_fixed_base<W, I, S, Q, O, N> >;
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
using af_bit_ref = fpgac_ap::bit_ref<ap_fixed_base<W, I, S, Q, O, N> >;

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct ap_fixed_base {
  static_assert(W >= 1 && W <= 128, "fpgac ap_[u]fixed: width must be in 1..128");
  typedef fpgac_ap::u128 u128;
  static const int width = W;
  static const int iwidth = I;
  static const bool sign_flag = S;
  static const bool fpgac_is_fixed = true;
  static const ap_q_mode qmode = Q;
  static const ap_o_mode omode = O;
  enum { F = W - I };
  u128 V;  // normalised container of the W-bit pattern; value = V * 2^-F

  template <int W2, int I2, bool S2>
  struct RType {
    enum {
      F1 = W - I, F2 = W2 - I2,
      mult_w = W + W2, mult_i = I + I2, mult_s = S || S2,
      plus_i = fpgac_ap::imax(I + (S2 && !S), I2 + (S && !S2)) + 1,
      plus_w = plus_i + fpgac_ap::imax(F1, F2), plus_s = S || S2,
      minus_i = plus_i, minus_w = plus_w, minus_s = true,
      logic_i = plus_i - 1, logic_w = plus_w - 1, logic_s = S || S2
    };
    typedef typename fpgac_ap::fixed_of<mult_w, mult_i, mult_s>::type mult;
    typedef typename fpgac_ap::fixed_of<plus_w, plus_i, plus_s>::type plus;
    typedef typename fpgac_ap::fixed_of<minus_w, minus_i, minus_s>::type minus;
    typedef typename fpgac_ap::fixed_of<logic_w, logic_i, logic_s>::type logic;
    typedef typename fpgac_ap::fixed_of<W, I, S>::type arg1;
  };

  ap_fixed_base() : V(0) {}  // official leaves it undefined; zero is deterministic
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  ap_fixed_base(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o)
      : V(fpgac_ap::convert_raw<W, F, S, Q, O, N, W2, W2 - I2, S2>(o.V)) {}
  template <int W2, bool S2>
  ap_fixed_base(const ap_int_base<W2, S2>& o) : V(fpgac_ap::convert_raw<W, F, S, Q, O, N, W2, 0, S2>(o.V)) {}
#define FPGAC_CTOR(T)                                                                           \
  ap_fixed_base(T x)                                                                            \
      : V(fpgac_ap::convert_raw<W, F, S, Q, O, N, fpgac_ap::cint<T>::W, 0, fpgac_ap::cint<T>::S>( \
            fpgac_ap::from_c(x))) {}
  FPGAC_FOR_CTYPES(FPGAC_CTOR)
#undef FPGAC_CTOR
  ap_fixed_base(double d) : V(fpgac_ap::convert_double<W, F, S, Q, O, N>(d)) {}
  ap_fixed_base(float f) : V(fpgac_ap::convert_double<W, F, S, Q, O, N>((double)f)) {}
  template <class B>
  ap_fixed_base(const fpgac_ap::range_ref<B>& r) : ap_fixed_base(r.get()) {}
  template <class B>
  ap_fixed_base(const fpgac_ap::bit_ref<B>& b) : ap_fixed_base((bool)b) {}

  // Integer part, truncated toward zero like a C cast (for I <= 0 the
  // official code yields 0, or -1 for negative values when signed). The
  // official type is ap_int_base<max(I,1)>; ours is capped at 128 bits,
  // which keeps every bit any conversion to a <= 128-bit type can see.
  enum { IW = fpgac_ap::imin(fpgac_ap::imax(I, 1), 128) };
  ap_int_base<IW, S> to_ap_int_base(bool cnative = true) const {
    u128 r = 0;
    if (I > 0 && I <= W) r = S ? (u128)((fpgac_ap::i128)V >> (W - I)) : (V >> (W - I));
    if (I > W) r = fpgac_ap::shl128(V, I - W);
    if (cnative && I < W && S && (fpgac_ap::i128)V < 0 && (V & fpgac_ap::low_mask(I < 0 ? W : W - I)) != 0) r += 1;
    return fpgac_ap::make<ap_int_base<IW, S> >(r);
  }
  char to_char() const { return to_ap_int_base().to_char(); }
  int to_int() const { return to_ap_int_base().to_int(); }
  unsigned to_uint() const { return to_ap_int_base().to_uint(); }
  long to_long() const { return to_ap_int_base().to_long(); }
  unsigned long to_ulong() const { return to_ap_int_base().to_ulong(); }
  ap_slong to_int64() const { return to_ap_int_base().to_int64(); }
  ap_ulong to_uint64() const { return to_ap_int_base().to_uint64(); }
  // Exact value rounded once to nearest-even (the scaling is exact).
  double to_double() const { return std::ldexp(fpgac_ap::raw_to_double<S>(V), -F); }
  float to_float() const { return std::ldexp(fpgac_ap::raw_to_float<S>(V), -F); }

  // Same set of implicit conversions as official (so the same expressions
  // are ambiguous, e.g. fixed + double does not compile with either).
  operator long double() const { return (long double)to_double(); }
  operator double() const { return to_double(); }
  operator float() const { return to_float(); }
  operator bool() const { return V != 0; }
  operator char() const { return (char)to_int(); }
  operator signed char() const { return (signed char)to_int(); }
  operator unsigned char() const { return (unsigned char)to_uint(); }
  operator short() const { return (short)to_int(); }
  operator unsigned short() const { return (unsigned short)to_uint(); }
  operator int() const { return to_int(); }
  operator unsigned int() const { return to_uint(); }
  operator long() const { return (long)to_int64(); }
  operator unsigned long() const { return (unsigned long)to_uint64(); }
  operator ap_ulong() const { return to_uint64(); }
  operator ap_slong() const { return to_int64(); }

  int length() const { return W; }
  int wl() const { return W; }
  int iwl() const { return I; }
  ap_q_mode q_mode() const { return Q; }
  ap_o_mode o_mode() const { return O; }
  int n_bits() const { return N; }
  bool is_zero() const { return V == 0; }
  bool is_neg() const { return S && (fpgac_ap::i128)V < 0; }

  af_bit_ref<W, I, S, Q, O, N> operator[](unsigned i) { return af_bit_ref<W, I, S, Q, O, N>(this, (int)i); }
  bool operator[](unsigned i) const { return ((V >> i) & 1) != 0; }
  af_bit_ref<W, I, S, Q, O, N> bit(unsigned i) { return (*this)[i]; }
  bool bit(unsigned i) const { return ((V >> i) & 1) != 0; }
  bool get_bit(int i) const { return ((V >> (i + W - I)) & 1) != 0; }  // index relative to the binary point
  af_range_ref<W, I, S, Q, O, N> range(int hi, int lo) const {
    return af_range_ref<W, I, S, Q, O, N>(const_cast<ap_fixed_base*>(this), hi, lo);
  }
  af_range_ref<W, I, S, Q, O, N> range() const { return range(W - 1, 0); }
  af_range_ref<W, I, S, Q, O, N> operator()(int hi, int lo) const { return range(hi, lo); }

  // Shifts move bits within this same type (no rounding, no saturation).
  template <typename T>
  FPGAC_IF_INT(T, ap_fixed_base) operator<<(T n) const {
    if (std::is_signed<T>::value) return shift((int)n);
    return shift_u(true, (unsigned)n);
  }
  template <typename T>
  FPGAC_IF_INT(T, ap_fixed_base) operator>>(T n) const {
    if (std::is_signed<T>::value) return shift(-(long long)(int)n);
    return shift_u(false, (unsigned)n);
  }
  template <int W2> ap_fixed_base operator<<(const ap_int_base<W2, true>& n) const { return *this << n.to_int(); }
  template <int W2> ap_fixed_base operator<<(const ap_int_base<W2, false>& n) const { return *this << n.to_uint(); }
  template <int W2> ap_fixed_base operator>>(const ap_int_base<W2, true>& n) const { return *this >> n.to_int(); }
  template <int W2> ap_fixed_base operator>>(const ap_int_base<W2, false>& n) const { return *this >> n.to_uint(); }
  template <class X> ap_fixed_base& operator<<=(const X& n) { return *this = *this << n; }
  template <class X> ap_fixed_base& operator>>=(const X& n) { return *this = *this >> n; }

  // Compound assignment: exact operation, then store (quantise/overflow).
#define FPGAC_FX_CASSIGN(OP, BOP)                                                            \
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>                     \
  ap_fixed_base& operator OP(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o) {               \
    return *this = ap_fixed_base(*this BOP o);                                               \
  }                                                                                          \
  template <int W2, bool S2>                                                                 \
  ap_fixed_base& operator OP(const ap_int_base<W2, S2>& o) { return *this = ap_fixed_base(*this BOP o); } \
  template <typename T>                                                                      \
  FPGAC_IF_INT(T, ap_fixed_base&) operator OP(T o) { return *this = ap_fixed_base(*this BOP o); }
  FPGAC_FX_CASSIGN(+=, +) FPGAC_FX_CASSIGN(-=, -) FPGAC_FX_CASSIGN(*=, *)
  FPGAC_FX_CASSIGN(&=, &) FPGAC_FX_CASSIGN(|=, |) FPGAC_FX_CASSIGN(^=, ^)
#undef FPGAC_FX_CASSIGN

  ap_fixed_base& operator++() { return *this += ap_int_base<2, false>(1); }
  ap_fixed_base& operator--() { return *this -= ap_int_base<2, false>(1); }
  ap_fixed_base operator++(int) { ap_fixed_base t(*this); ++*this; return t; }
  ap_fixed_base operator--(int) { ap_fixed_base t(*this); --*this; return t; }
  ap_fixed_base operator+() const { return *this; }
  // Negation is exact: one more bit, always signed.
  typename fpgac_ap::fixed_of<W + 1, I + 1, true>::type operator-() const {
    return fpgac_ap::make<typename fpgac_ap::fixed_of<W + 1, I + 1, true>::type>(~V + 1);
  }
  typename RType<W, I, S>::arg1 operator~() const { return fpgac_ap::make<typename RType<W, I, S>::arg1>(~V); }
  bool operator!() const { return V == 0; }

 private:
  ap_fixed_base shift(long long n) const { return n < 0 ? shift_u(false, (unsigned)(-n)) : shift_u(true, (unsigned)n); }
  ap_fixed_base shift_u(bool left, unsigned n) const {
    ap_fixed_base r;
    r.V = left ? fpgac_ap::shl_by<W, S>(V, n) : fpgac_ap::shr_by<W, S>(V, n);
    return r;
  }
};

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct ap_fixed : ap_fixed_base<W, I, true, Q, O, N> {
  typedef ap_fixed_base<W, I, true, Q, O, N> Base;
  using Base::Base;
  ap_fixed() {}
  ap_fixed(const Base& b) : Base(b) {}
};

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct ap_ufixed : ap_fixed_base<W, I, false, Q, O, N> {
  typedef ap_fixed_base<W, I, false, Q, O, N> Base;
  using Base::Base;
  ap_ufixed() {}
  ap_ufixed(const Base& b) : Base(b) {}
};

#define FPGAC_FX1 int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1, int N1
#define FPGAC_FX2 int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2
#define FPGAC_FA const ap_fixed_base<W1, I1, S1, Q1, O1, N1>& a
#define FPGAC_FB const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& b
#define FPGAC_RT(KIND) typename ap_fixed_base<W1, I1, S1>::template RType<W2, I2, S2>::KIND

// ---- exact arithmetic between fixed types ----------------------------------
template <FPGAC_FX1, FPGAC_FX2>
inline FPGAC_RT(mult) operator*(FPGAC_FA, FPGAC_FB) {
  return fpgac_ap::make<FPGAC_RT(mult)>(a.V * b.V);
}
// + - & | ^ align both operands to the finer binary point first.
#define FPGAC_FX_ALIGNED(OP, KIND)                                                      \
  template <FPGAC_FX1, FPGAC_FX2>                                                       \
  inline FPGAC_RT(KIND) operator OP(FPGAC_FA, FPGAC_FB) {                              \
    enum { F = fpgac_ap::imax(W1 - I1, W2 - I2) };                                      \
    return fpgac_ap::make<FPGAC_RT(KIND)>(fpgac_ap::shl128(a.V, F - (W1 - I1))         \
                                              OP fpgac_ap::shl128(b.V, F - (W2 - I2))); \
  }
FPGAC_FX_ALIGNED(+, plus)
FPGAC_FX_ALIGNED(-, minus)
FPGAC_FX_ALIGNED(&, logic)
FPGAC_FX_ALIGNED(|, logic)
FPGAC_FX_ALIGNED(^, logic)
#undef FPGAC_FX_ALIGNED


// ---- comparisons -------------------------------------------------------------
#define FPGAC_FX_CMP(A, B) fpgac_ap::fx_cmp<W##A, I##A, S##A, W##B, I##B, S##B, O##B == AP_SAT_SYM>
template <FPGAC_FX1, FPGAC_FX2> inline bool operator==(FPGAC_FA, FPGAC_FB) { return FPGAC_FX_CMP(1, 2)::eq(a.V, b.V); }
template <FPGAC_FX1, FPGAC_FX2> inline bool operator!=(FPGAC_FA, FPGAC_FB) { return !FPGAC_FX_CMP(1, 2)::eq(a.V, b.V); }
template <FPGAC_FX1, FPGAC_FX2> inline bool operator<(FPGAC_FA, FPGAC_FB) { return FPGAC_FX_CMP(1, 2)::lt(a.V, b.V); }
template <FPGAC_FX1, FPGAC_FX2> inline bool operator>=(FPGAC_FA, FPGAC_FB) { return !FPGAC_FX_CMP(1, 2)::lt(a.V, b.V); }
// a > b keeps a on the left: the alignment (and so the C-like signedness
// rule) is not symmetric, and == uses a different modulus than < and >.
template <FPGAC_FX1, FPGAC_FX2> inline bool operator>(FPGAC_FA, FPGAC_FB) { return FPGAC_FX_CMP(1, 2)::gt(a.V, b.V); }
template <FPGAC_FX1, FPGAC_FX2> inline bool operator<=(FPGAC_FA, FPGAC_FB) { return !(a > b); }
#undef FPGAC_FX_CMP
#define FPGAC_FX_DREL(OP)                                                                  \
  template <FPGAC_FX1> inline bool operator OP(FPGAC_FA, double d) { return a.to_double() OP d; } \
  template <FPGAC_FX1> inline bool operator OP(double d, FPGAC_FA) { return d OP a.to_double(); }
FPGAC_FX_DREL(==) FPGAC_FX_DREL(!=) FPGAC_FX_DREL(<) FPGAC_FX_DREL(>) FPGAC_FX_DREL(<=) FPGAC_FX_DREL(>=)
#undef FPGAC_FX_DREL

// Mixed with ap_int / C integers: the integer acts as ap_fixed<W, W>.
#define FPGAC_FX_MIXED(OP)                                                                             \
  template <FPGAC_FX1, class X>                                                                        \
  inline auto operator OP(FPGAC_FA, const X& b)->decltype(a OP fpgac_ap::to_fx(b)) { return a OP fpgac_ap::to_fx(b); } \
  template <class X, FPGAC_FX2>                                                                        \
  inline auto operator OP(const X& a, FPGAC_FB)->decltype(fpgac_ap::to_fx(a) OP b) { return fpgac_ap::to_fx(a) OP b; }
FPGAC_FX_MIXED(+) FPGAC_FX_MIXED(-) FPGAC_FX_MIXED(*) FPGAC_FX_MIXED(&) FPGAC_FX_MIXED(|) FPGAC_FX_MIXED(^)
FPGAC_FX_MIXED(==) FPGAC_FX_MIXED(!=) FPGAC_FX_MIXED(<) FPGAC_FX_MIXED(>) FPGAC_FX_MIXED(<=) FPGAC_FX_MIXED(>=)
#undef FPGAC_FX_MIXED

// ap_int op= fixed: the fixed operand's integer part is used, as official.
#define FPGAC_INT_FX_CASSIGN(OP)                                                     \
  template <int W, bool S, FPGAC_FX2>                                                \
  inline ap_int_base<W, S>& operator OP(ap_int_base<W, S>& i, FPGAC_FB) { return i OP b.to_ap_int_base(); }
FPGAC_INT_FX_CASSIGN(+=) FPGAC_INT_FX_CASSIGN(-=) FPGAC_INT_FX_CASSIGN(*=) FPGAC_INT_FX_CASSIGN(/=)
FPGAC_INT_FX_CASSIGN(&=) FPGAC_INT_FX_CASSIGN(|=) FPGAC_INT_FX_CASSIGN(^=)
#undef FPGAC_INT_FX_CASSIGN

// Same text as the official headers (exact decimal, see reduce_digits).
template <FPGAC_FX1>
inline std::ostream& operator<<(std::ostream& os, FPGAC_FA) {
  const bool neg = a.is_neg();
  std::string s;
  if (!fpgac_ap::exact_decimal(neg ? ~a.V + 1 : a.V & fpgac_ap::low_mask(W1), W1 - I1, neg, s))
    return os << a.to_double();
  const unsigned width = (unsigned)os.width();
  const char fill = os.fill();
  s = fpgac_ap::reduce_digits(s, (int)os.precision());
  for (size_t i = s.size(); i < width; ++i) os << fill;  // pads like the official code
  return os << s;
}

#undef FPGAC_FX1
#undef FPGAC_FX2
#undef FPGAC_FA
#undef FPGAC_FB
#undef FPGAC_RT

#endif  // FPGAC_AP_FIXED_H
