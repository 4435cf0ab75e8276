// fpgac host-side ap_int / ap_uint for C-simulation with plain g++.
//
// Written from scratch for fpgac; API and results follow the official Vitis
// HLS headers for the subset fpgac emits (see fpgac_ap_impl.h). Like the
// official ap_int.h, including this file also provides ap_fixed.
//
// Widths are limited to 1..128 (values live in an unsigned __int128).
// Semantics worth knowing (all checked against the official headers):
//  * + - * & | ^ / % return a wider type that holds the exact result
//    (ap_int<8> + ap_uint<8> -> ap_int<10>); assignment truncates mod 2^W.
//  * shifts keep the left operand's type; a negative signed count shifts the
//    other way; a count >= W gives 0 (or all sign bits for >>).
//  * relational operators between signed and unsigned follow C's rules:
//    when the wider operand has >= 32 bits and the unsigned operand is at
//    least as wide as the signed one, the comparison is unsigned. == compares
//    modulo 2^max(W1, W2, 32), except same-width (<= 64) mixed-sign pairs,
//    which compare exactly: ap_int<32>(-1) != ap_uint<32>(0xffffffff).
//  * / and % widen both operands to a common type whose signedness is that
//    of the wider operand; if that is unsigned the division is unsigned
//    (ap_uint<16>(100) / ap_int<8>(-3) == 0). Official >64-bit division has
//    bugs for some operands; ours is always exact on that definition.
//  * to_double()/to_float() and the implicit conversion use the low 64 bits
//    only (so ap_int<100>(1) << 80 converts to 0.0), as official.
//  * x.range(hi, lo) reads as an unsigned value of the *full* width W;
//    hi < lo selects the bits in reverse order.
#ifndef FPGAC_AP_INT_H
#define FPGAC_AP_INT_H

#include "fpgac_ap_impl.h"
#include "fpgac_ap_print.h"

namespace fpgac_ap {
template <class B> struct range_ref;
template <class B> struct bit_ref;

// The ap_int_base a C integer type is converted to before mixing with ap
// types (non-integral T maps to width 1 so it can appear in SFINAE'd
// return types without instantiating an invalid width).
template <typename T>
struct cint {
  static const int W = (!std::is_integral<T>::value || std::is_same<T, bool>::value) ? 1 : (int)sizeof(T) * 8;
  static const bool S = std::is_signed<T>::value;
  typedef ap_int_base<W, S> type;
};
template <int W, bool S> struct int_of { typedef ap_int<W> type; };
template <int W> struct int_of<W, false> { typedef ap_uint<W> type; };

// Build a result object of type R from a raw 128-bit pattern.
template <class R>
inline R make(u128 raw) {
  R r;
  r.V = norm<R::width, R::sign_flag>(raw);
  return r;
}

template <int W1, bool S1, int W2, bool S2>
inline bool int_lt(u128 a, u128 b) {
  const bool an = S1 && (i128)a < 0, bn = S2 && (i128)b < 0;
  if (an != bn) return mixed_natural(W1, S1, W2, S2) ? an : bn;
  return an ? (i128)a < (i128)b : a < b;
}

template <int W, bool S>
inline u128 shl_by(u128 v, unsigned long long n) { return n >= (unsigned long long)W ? 0 : norm<W, S>(v << n); }
template <int W, bool S>
inline u128 shr_by(u128 v, unsigned long long n) {
  if (n >= (unsigned long long)W) return (S && (i128)v < 0) ? ~(u128)0 : 0;
  return S ? (u128)((i128)v >> n) : (v >> n);
}
}  // namespace fpgac_ap

#define FPGAC_IF_INT(T, ...) typename std::enable_if<std::is_integral<T>::value, __VA_ARGS__>::type
#define FPGAC_FOR_CTYPES(X) \
  X(bool) X(char) X(signed char) X(unsigned char) X(short) X(unsigned short) X(int) \
  X(unsigned int) X(long) X(unsigned long) X(long long) X(unsigned long long)

template <int W, bool S> using ap_range_ref = fpgac_ap::range_ref<ap_int_base<W, S> >;
template <int W, bool S> using ap_bit_ref = fpgac_ap::bit_ref<ap_int_base<W, S> >;

template <int W, bool S>
struct ap_int_base {
  static_assert(W >= 1 && W <= 128, "fpgac ap_[u]int: width must be in 1..128");
  typedef fpgac_ap::u128 u128;
  typedef typename std::conditional<S, ap_slong, ap_ulong>::type RetType;
  static const int width = W;
  static const bool sign_flag = S;
  static const bool fpgac_is_fixed = false;
  u128 V;  // normalised container, see fpgac_ap_impl.h

  // Result types of binary operators, same widths as the official headers.
  template <int W2, bool S2>
  struct RType {
    enum {
      mult_w = W + W2, mult_s = S || S2,
      plus_w = fpgac_ap::imax(W + (S2 && !S), W2 + (S && !S2)) + 1, plus_s = S || S2,
      minus_w = plus_w, minus_s = true,
      div_w = W + S2, div_s = S || S2,
      mod_w = fpgac_ap::imin(W, W2 + (!S2 && S)), mod_s = S,
      logic_w = fpgac_ap::imax(W + (S2 && !S), W2 + (S && !S2)), logic_s = S || S2
    };
    typedef typename fpgac_ap::int_of<mult_w, mult_s>::type mult;
    typedef typename fpgac_ap::int_of<plus_w, plus_s>::type plus;
    typedef typename fpgac_ap::int_of<minus_w, minus_s>::type minus;
    typedef typename fpgac_ap::int_of<div_w, div_s>::type div;
    typedef typename fpgac_ap::int_of<mod_w, mod_s>::type mod;
    typedef typename fpgac_ap::int_of<logic_w, logic_s>::type logic;
    typedef typename fpgac_ap::int_of<W, S>::type arg1;
  };

  ap_int_base() : V(0) {}  // official leaves it undefined; zero is deterministic
  template <int W2, bool S2>
  ap_int_base(const ap_int_base<W2, S2>& o) : V(fpgac_ap::norm<W, S>(o.V)) {}
#define FPGAC_CTOR(T) \
  ap_int_base(T x) : V(fpgac_ap::norm<W, S>(fpgac_ap::from_c(x))) {}
  FPGAC_FOR_CTYPES(FPGAC_CTOR)
#undef FPGAC_CTOR
  ap_int_base(double d) : V(fpgac_ap::int_from_double<W, S>(d)) {}
  ap_int_base(float f) : V(fpgac_ap::int_from_double<W, S>(f)) {}
  template <class B>
  ap_int_base(const fpgac_ap::range_ref<B>& r) : V(fpgac_ap::norm<W, S>(r.get().V)) {}
  template <class B>
  ap_int_base(const fpgac_ap::bit_ref<B>& b) : V(fpgac_ap::norm<W, S>((bool)b)) {}
  // fixed -> integer keeps the integer part, truncating toward zero.
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  ap_int_base(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& f) : V(fpgac_ap::norm<W, S>(f.to_ap_int_base().V)) {}

  // Conversions. The implicit one goes through a 64-bit C type, as official.
  operator RetType() const { return (RetType)V; }
  bool to_bool() const { return V != 0; }
  char to_char() const { return (char)V; }
  int to_int() const { return (int)V; }
  unsigned to_uint() const { return (unsigned)V; }
  long to_long() const { return (long)V; }
  unsigned long to_ulong() const { return (unsigned long)V; }
  ap_slong to_int64() const { return (ap_slong)V; }
  ap_ulong to_uint64() const { return (ap_ulong)V; }
  // Official integer -> floating conversion only looks at the low 64 bits.
  double to_double() const { return (double)(RetType)V; }
  float to_float() const { return (float)(RetType)V; }

  int length() const { return W; }
  bool iszero() const { return V == 0; }
  bool is_zero() const { return V == 0; }
  bool sign() const { return S && (fpgac_ap::i128)V < 0; }
  bool test(int i) const { return ((V >> i) & 1) != 0; }
  bool get_bit(int i) const { return test(i); }
  void set_bit(int i, bool b) { V = fpgac_ap::norm<W, S>((V & ~((u128)1 << i)) | ((u128)b << i)); }
  void set(int i) { set_bit(i, true); }
  void clear(int i) { set_bit(i, false); }
  void invert(int i) { set_bit(i, !test(i)); }
  bool and_reduce() const { return (V & fpgac_ap::low_mask(W)) == fpgac_ap::low_mask(W); }
  bool or_reduce() const { return V != 0; }
  bool xor_reduce() const {
    u128 x = V & fpgac_ap::low_mask(W);
    return (__builtin_popcountll((unsigned long long)x) + __builtin_popcountll((unsigned long long)(x >> 64))) & 1;
  }

  ap_bit_ref<W, S> operator[](int i) { return ap_bit_ref<W, S>(this, i); }
  bool operator[](int i) const { return test(i); }
  ap_bit_ref<W, S> bit(int i) { return ap_bit_ref<W, S>(this, i); }
  bool bit(int i) const { return test(i); }
  ap_range_ref<W, S> range(int hi, int lo) const { return ap_range_ref<W, S>(const_cast<ap_int_base*>(this), hi, lo); }
  ap_range_ref<W, S> range() const { return range(W - 1, 0); }
  ap_range_ref<W, S> operator()(int hi, int lo) const { return range(hi, lo); }

  // Compound assignment: compute on the exact values, keep the low W bits.
  template <int W2, bool S2> ap_int_base& operator+=(const ap_int_base<W2, S2>& o) { V = fpgac_ap::norm<W, S>(V + o.V); return *this; }
  template <int W2, bool S2> ap_int_base& operator-=(const ap_int_base<W2, S2>& o) { V = fpgac_ap::norm<W, S>(V - o.V); return *this; }
  template <int W2, bool S2> ap_int_base& operator*=(const ap_int_base<W2, S2>& o) { V = fpgac_ap::norm<W, S>(V * o.V); return *this; }
  template <int W2, bool S2> ap_int_base& operator&=(const ap_int_base<W2, S2>& o) { V = fpgac_ap::norm<W, S>(V & o.V); return *this; }
  template <int W2, bool S2> ap_int_base& operator|=(const ap_int_base<W2, S2>& o) { V = fpgac_ap::norm<W, S>(V | o.V); return *this; }
  template <int W2, bool S2> ap_int_base& operator^=(const ap_int_base<W2, S2>& o) { V = fpgac_ap::norm<W, S>(V ^ o.V); return *this; }
  template <int W2, bool S2> ap_int_base& operator/=(const ap_int_base<W2, S2>& o) { V = fpgac_ap::norm<W, S>(fpgac_ap::div_raw<W, S, W2, S2>(V, o.V)); return *this; }
  template <int W2, bool S2> ap_int_base& operator%=(const ap_int_base<W2, S2>& o) { V = fpgac_ap::norm<W, S>(fpgac_ap::mod_raw<W, S, W2, S2>(V, o.V)); return *this; }
  template <int W2, bool S2> ap_int_base& operator<<=(const ap_int_base<W2, S2>& o) { return *this = *this << o; }
  template <int W2, bool S2> ap_int_base& operator>>=(const ap_int_base<W2, S2>& o) { return *this = *this >> o; }
#define FPGAC_CASSIGN(OP) \
  template <typename T> FPGAC_IF_INT(T, ap_int_base&) operator OP(T x) { return *this OP typename fpgac_ap::cint<T>::type(x); } \
  template <class B> ap_int_base& operator OP(const fpgac_ap::range_ref<B>& r) { return *this OP r.get(); }
  FPGAC_CASSIGN(+=) FPGAC_CASSIGN(-=) FPGAC_CASSIGN(*=) FPGAC_CASSIGN(/=) FPGAC_CASSIGN(%=)
  FPGAC_CASSIGN(&=) FPGAC_CASSIGN(|=) FPGAC_CASSIGN(^=) FPGAC_CASSIGN(<<=) FPGAC_CASSIGN(>>=)
#undef FPGAC_CASSIGN

  ap_int_base& operator++() { V = fpgac_ap::norm<W, S>(V + 1); return *this; }
  ap_int_base& operator--() { V = fpgac_ap::norm<W, S>(V - 1); return *this; }
  typename RType<W, S>::arg1 operator++(int) { typename RType<W, S>::arg1 t(*this); ++*this; return t; }
  typename RType<W, S>::arg1 operator--(int) { typename RType<W, S>::arg1 t(*this); --*this; return t; }

  typename RType<W, S>::arg1 operator+() const { return *this; }
  // Negation widens by one bit, exactly like `ap_uint<1>(0) - x`.
  typename RType<1, false>::minus operator-() const { return fpgac_ap::make<typename RType<1, false>::minus>(~V + 1); }
  typename RType<W, S>::arg1 operator~() const { return fpgac_ap::make<typename RType<W, S>::arg1>(~V); }
  bool operator!() const { return V == 0; }
};

template <int W>
struct ap_int : ap_int_base<W, true> {
  typedef ap_int_base<W, true> Base;
  using Base::Base;
  ap_int() {}
  ap_int(const Base& b) : Base(b) {}
};

template <int W>
struct ap_uint : ap_int_base<W, false> {
  typedef ap_int_base<W, false> Base;
  using Base::Base;
  ap_uint() {}
  ap_uint(const Base& b) : Base(b) {}
};

// ---- binary operators between integer types -------------------------------
#define FPGAC_INT_BIN(OP, KIND, EXPR)                                                           \
  template <int W1, bool S1, int W2, bool S2>                                                   \
  inline typename ap_int_base<W1, S1>::template RType<W2, S2>::KIND operator OP(                \
      const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) {                             \
    return fpgac_ap::make<typename ap_int_base<W1, S1>::template RType<W2, S2>::KIND>(EXPR);    \
  }                                                                                             \
  template <int W1, bool S1, typename T>                                                        \
  inline FPGAC_IF_INT(T, typename ap_int_base<W1, S1>::template RType<fpgac_ap::cint<T>::W,     \
                                                                      fpgac_ap::cint<T>::S>::KIND) \
  operator OP(const ap_int_base<W1, S1>& a, T b) { return a OP typename fpgac_ap::cint<T>::type(b); } \
  template <int W1, bool S1, typename T>                                                        \
  inline FPGAC_IF_INT(T, typename ap_int_base<fpgac_ap::cint<T>::W,                             \
                                              fpgac_ap::cint<T>::S>::template RType<W1, S1>::KIND) \
  operator OP(T a, const ap_int_base<W1, S1>& b) { return typename fpgac_ap::cint<T>::type(a) OP b; }
FPGAC_INT_BIN(+, plus, a.V + b.V)
FPGAC_INT_BIN(-, minus, a.V - b.V)
FPGAC_INT_BIN(*, mult, a.V * b.V)
FPGAC_INT_BIN(&, logic, a.V & b.V)
FPGAC_INT_BIN(|, logic, a.V | b.V)
FPGAC_INT_BIN(^, logic, a.V ^ b.V)
FPGAC_INT_BIN(/, div, (fpgac_ap::div_raw<W1, S1, W2, S2>(a.V, b.V)))
FPGAC_INT_BIN(%, mod, (fpgac_ap::mod_raw<W1, S1, W2, S2>(a.V, b.V)))
#undef FPGAC_INT_BIN

// With floating point the integer goes through its 64-bit C value.
#define FPGAC_INT_FLT(OP, FT)                                                                          \
  template <int W, bool S> inline FT operator OP(const ap_int_base<W, S>& a, FT b) {                    \
    return static_cast<FT>((typename ap_int_base<W, S>::RetType)a) OP b;                                \
  }                                                                                                     \
  template <int W, bool S> inline FT operator OP(FT a, const ap_int_base<W, S>& b) {                    \
    return a OP static_cast<FT>((typename ap_int_base<W, S>::RetType)b);                                \
  }
#define FPGAC_INT_FLT2(OP) FPGAC_INT_FLT(OP, double) FPGAC_INT_FLT(OP, float)
FPGAC_INT_FLT2(+) FPGAC_INT_FLT2(-) FPGAC_INT_FLT2(*) FPGAC_INT_FLT2(/)
#undef FPGAC_INT_FLT2
#undef FPGAC_INT_FLT

// ---- shifts (result has the left operand's type) ---------------------------
template <int W, bool S, typename T>
inline FPGAC_IF_INT(T, typename ap_int_base<W, S>::template RType<W, S>::arg1) operator<<(const ap_int_base<W, S>& a, T n) {
  typedef typename ap_int_base<W, S>::template RType<W, S>::arg1 R;
  if (std::is_signed<T>::value && n < 0) return fpgac_ap::make<R>(fpgac_ap::shr_by<W, S>(a.V, 0ULL - (unsigned long long)n));
  return fpgac_ap::make<R>(fpgac_ap::shl_by<W, S>(a.V, (unsigned long long)n));
}
template <int W, bool S, typename T>
inline FPGAC_IF_INT(T, typename ap_int_base<W, S>::template RType<W, S>::arg1) operator>>(const ap_int_base<W, S>& a, T n) {
  typedef typename ap_int_base<W, S>::template RType<W, S>::arg1 R;
  if (std::is_signed<T>::value && n < 0) return fpgac_ap::make<R>(fpgac_ap::shl_by<W, S>(a.V, 0ULL - (unsigned long long)n));
  return fpgac_ap::make<R>(fpgac_ap::shr_by<W, S>(a.V, (unsigned long long)n));
}
// Shift by an ap type: a negative signed count reverses the direction; the
// (magnitude of the) count is then taken as a 32-bit unsigned, as official.
template <int W, bool S, int W2, bool S2>
inline typename ap_int_base<W, S>::template RType<W, S>::arg1 operator<<(const ap_int_base<W, S>& a, const ap_int_base<W2, S2>& n) {
  if (S2 && (fpgac_ap::i128)n.V < 0) return a >> (unsigned)fpgac_ap::norm<W2, false>(~n.V + 1);
  return a << (unsigned)n.V;
}
template <int W, bool S, int W2, bool S2>
inline typename ap_int_base<W, S>::template RType<W, S>::arg1 operator>>(const ap_int_base<W, S>& a, const ap_int_base<W2, S2>& n) {
  if (S2 && (fpgac_ap::i128)n.V < 0) return a << (unsigned)fpgac_ap::norm<W2, false>(~n.V + 1);
  return a >> (unsigned)n.V;
}

// ---- relational operators --------------------------------------------------
template <int W1, bool S1, int W2, bool S2>
inline bool operator==(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) {
  return fpgac_ap::eq_mod(a.V, b.V, fpgac_ap::eq_bits(W1, S1, W2, S2));
}
template <int W1, bool S1, int W2, bool S2>
inline bool operator<(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) {
  return fpgac_ap::int_lt<W1, S1, W2, S2>(a.V, b.V);
}
template <int W1, bool S1, int W2, bool S2>
inline bool operator!=(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) { return !(a == b); }
template <int W1, bool S1, int W2, bool S2>
inline bool operator>(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) { return b < a; }
template <int W1, bool S1, int W2, bool S2>
inline bool operator<=(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) { return !(b < a); }
template <int W1, bool S1, int W2, bool S2>
inline bool operator>=(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) { return !(a < b); }
#define FPGAC_INT_REL(OP)                                                                                            \
  template <int W, bool S, typename T>                                                                               \
  inline FPGAC_IF_INT(T, bool) operator OP(const ap_int_base<W, S>& a, T b) { return a OP typename fpgac_ap::cint<T>::type(b); } \
  template <int W, bool S, typename T>                                                                               \
  inline FPGAC_IF_INT(T, bool) operator OP(T a, const ap_int_base<W, S>& b) { return typename fpgac_ap::cint<T>::type(a) OP b; } \
  template <int W, bool S> inline bool operator OP(const ap_int_base<W, S>& a, double b) { return a.to_double() OP b; } \
  template <int W, bool S> inline bool operator OP(double a, const ap_int_base<W, S>& b) { return a OP b.to_double(); } \
  template <int W, bool S> inline bool operator OP(const ap_int_base<W, S>& a, float b) { return a.to_double() OP b; }   \
  template <int W, bool S> inline bool operator OP(float a, const ap_int_base<W, S>& b) { return a OP b.to_double(); }
FPGAC_INT_REL(==) FPGAC_INT_REL(!=) FPGAC_INT_REL(<) FPGAC_INT_REL(>) FPGAC_INT_REL(<=) FPGAC_INT_REL(>=)
#undef FPGAC_INT_REL

template <int W, bool S>
inline std::ostream& operator<<(std::ostream& os, const ap_int_base<W, S>& x) {
  const bool neg = S && (fpgac_ap::i128)x.V < 0;
  fpgac_ap::print_u128(os, neg ? ~x.V + 1 : (x.V & fpgac_ap::low_mask(W)), neg);
  return os;
}

// ---- part-select and bit references (shared by ap_int and ap_fixed) -------
namespace fpgac_ap {
template <class B>
struct range_ref {
  enum { W = B::width };
  B* p;
  int hi, lo;
  range_ref(B* b, int h, int l) : p(b), hi(h), lo(l) {}
  range_ref(const range_ref& o) : p(o.p), hi(o.hi), lo(o.lo) {}
  ap_int_base<W, false> get() const { return make<ap_int_base<W, false> >(get_range(p->V, hi, lo)); }
  operator ap_int_base<W, false>() const { return get(); }
  operator ap_ulong() const { return (ap_ulong)get_range(p->V, hi, lo); }
  int to_int() const { return (int)get().V; }
  unsigned to_uint() const { return (unsigned)get().V; }
  ap_slong to_int64() const { return (ap_slong)get().V; }
  ap_ulong to_uint64() const { return (ap_ulong)get().V; }
  int length() const { return hi >= lo ? hi - lo + 1 : lo - hi + 1; }
  range_ref& write(u128 x) {
    p->V = norm<B::width, B::sign_flag>(set_range(p->V, hi, lo, x));
    return *this;
  }
  // Writes take the low bits of the integer value (of the raw bits for an
  // ap_fixed written into an ap_fixed range; of its integer part otherwise).
  range_ref& operator=(const range_ref& o) { return write(o.get().V); }
  template <class B2> range_ref& operator=(const range_ref<B2>& o) { return write(o.get().V); }
  template <int W2, bool S2> range_ref& operator=(const ap_int_base<W2, S2>& v) { return write(v.V); }
  template <typename T> FPGAC_IF_INT(T, range_ref&) operator=(T x) { return write(from_c(x)); }
  range_ref& operator=(double d) { return write(int_from_double<W, false>(d)); }
  range_ref& operator=(float d) { return write(int_from_double<W, false>(d)); }
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  range_ref& operator=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& f) {
    return write(B::fpgac_is_fixed ? f.V : f.to_ap_int_base().V);
  }
};

template <class B>
struct bit_ref {
  B* p;
  int i;
  bit_ref(B* b, int idx) : p(b), i(idx) {}
  bit_ref(const bit_ref& o) : p(o.p), i(o.i) {}
  operator bool() const { return ((p->V >> i) & 1) != 0; }
  bool to_bool() const { return (bool)*this; }
  bool operator~() const { return !(bool)*this; }
  ap_int_base<1, false> get() const { return ap_int_base<1, false>((bool)*this); }
  bit_ref& set(bool b) {
    p->V = norm<B::width, B::sign_flag>((p->V & ~((u128)1 << i)) | ((u128)b << i));
    return *this;
  }
  bit_ref& operator=(const bit_ref& o) { return set((bool)o); }
  template <class B2> bit_ref& operator=(const bit_ref<B2>& o) { return set((bool)o); }
  template <typename T> FPGAC_IF_INT(T, bit_ref&) operator=(T x) { return set(x != 0); }
  template <int W2, bool S2> bit_ref& operator=(const ap_int_base<W2, S2>& v) { return set(v.V != 0); }
};

// Arithmetic / comparison with a part-select works on its unsigned value.
#define FPGAC_REF_OP(OP)                                                                                     \
  template <class B, class X>                                                                                \
  inline auto operator OP(const range_ref<B>& a, const X& b)->decltype(a.get() OP b) { return a.get() OP b; } \
  template <class X, class B>                                                                                \
  inline auto operator OP(const X& a, const range_ref<B>& b)->decltype(a OP b.get()) { return a OP b.get(); } \
  template <class B1, class B2>                                                                              \
  inline auto operator OP(const range_ref<B1>& a, const range_ref<B2>& b)->decltype(a.get() OP b.get()) {    \
    return a.get() OP b.get();                                                                               \
  }
FPGAC_REF_OP(+) FPGAC_REF_OP(-) FPGAC_REF_OP(*) FPGAC_REF_OP(/) FPGAC_REF_OP(%)
FPGAC_REF_OP(&) FPGAC_REF_OP(|) FPGAC_REF_OP(^) FPGAC_REF_OP(<<) FPGAC_REF_OP(>>)
FPGAC_REF_OP(==) FPGAC_REF_OP(!=) FPGAC_REF_OP(<) FPGAC_REF_OP(>) FPGAC_REF_OP(<=) FPGAC_REF_OP(>=)
#undef FPGAC_REF_OP

// Printing a part-select: decimal for ap_int, binary ("0b...") for ap_fixed.
template <class B>
inline std::ostream& operator<<(std::ostream& os, const range_ref<B>& r) {
  if (B::fpgac_is_fixed) return os << bin_string(r.get().V, r.W);
  return os << r.get();
}
}  // namespace fpgac_ap

#include "ap_fixed.h"

#endif  // FPGAC_AP_INT_H
