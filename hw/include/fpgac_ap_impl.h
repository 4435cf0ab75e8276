// fpgac host-side arbitrary-precision types: shared implementation helpers.
//
// Written from scratch for fpgac (not derived from the Xilinx sources). The
// goal is bit-identical C-simulation results versus the official Vitis HLS
// ap_int/ap_fixed headers for the subset of the API that fpgac emits, on g++
// without any Xilinx tools. Do not include this file directly; include
// <ap_int.h> or <ap_fixed.h>.
//
// Representation: every value lives in a 128-bit container holding the
// W-bit two's-complement pattern, sign-extended (signed types) or
// zero-extended (unsigned types) to 128 bits. Keeping the container
// normalised means `(i128)V` is the value of a signed type and `V` the value
// of an unsigned one, so most operators are plain 128-bit arithmetic.
#ifndef FPGAC_AP_IMPL_H
#define FPGAC_AP_IMPL_H

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <type_traits>

// Same enumerators and numeric values as the official headers.
enum ap_q_mode { AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, AP_TRN_ZERO };
enum ap_o_mode { AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP, AP_WRAP_SM };

typedef long long ap_slong;
typedef unsigned long long ap_ulong;

template <int W, bool S> struct ap_int_base;
template <int W> struct ap_int;
template <int W> struct ap_uint;
template <int W, int I, bool S, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0> struct ap_fixed_base;
template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0> struct ap_fixed;
template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0> struct ap_ufixed;

namespace fpgac_ap {

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

constexpr int imax(int a, int b) { return a > b ? a : b; }
constexpr int imin(int a, int b) { return a < b ? a : b; }

inline u128 low_mask(int n) { return n >= 128 ? ~(u128)0 : n <= 0 ? (u128)0 : (((u128)1 << n) - 1); }

// Reduce an arbitrary 128-bit pattern to the normalised container of a
// W-bit type (keep the low W bits, then extend by the type's sign rule).
template <int W, bool S>
inline u128 norm(u128 v) {
  if (W >= 128) return v;
  v &= low_mask(W);
  if (S && ((v >> (W - 1)) & 1)) v |= ~low_mask(W);
  return v;
}

// C integer -> container, preserving the value (sign-extended if signed).
template <typename T>
inline u128 from_c(T x) {
  return std::is_signed<T>::value ? (u128)(i128)x : (u128)x;
}

// ---------------------------------------------------------------------------
// wide: a minimal 256-bit two's-complement integer. Fixed-point conversions
// and comparisons between types need up to ~255 bits of exact intermediate
// (a 128-bit source shifted left by up to 127 places); this is the slow path
// used only when the operand widths do not fit in a native __int128.
struct wide {
  u128 lo, hi;  // value = hi * 2^128 + lo, hi read as signed
  wide() : lo(0), hi(0) {}
  wide(int v) : lo((u128)(i128)v), hi(v < 0 ? ~(u128)0 : 0) {}
  static wide of(u128 v, bool sgn) {
    wide r;
    r.lo = v;
    r.hi = (sgn && (i128)v < 0) ? ~(u128)0 : 0;
    return r;
  }
  bool neg() const { return (i128)hi < 0; }
  friend bool operator==(const wide& a, const wide& b) { return a.lo == b.lo && a.hi == b.hi; }
  friend bool operator<(const wide& a, const wide& b) {
    return (i128)a.hi != (i128)b.hi ? (i128)a.hi < (i128)b.hi : a.lo < b.lo;
  }
  friend bool operator>(const wide& a, const wide& b) { return b < a; }
  friend wide operator+(const wide& a, const wide& b) {
    wide r;
    r.lo = a.lo + b.lo;
    r.hi = a.hi + b.hi + (r.lo < a.lo ? 1 : 0);
    return r;
  }
  friend wide operator-(const wide& a) {
    wide r;
    r.lo = ~a.lo + 1;
    r.hi = ~a.hi + (r.lo == 0 ? 1 : 0);
    return r;
  }
};

// Shift / bit helpers with "infinite sign extension" semantics, so callers
// never have to special-case shift counts beyond the container width.
inline i128 sar(i128 x, int n) { return n >= 127 ? (x < 0 ? -1 : 0) : (x >> n); }
inline i128 shl(i128 x, int n) { return n >= 127 ? 0 : (i128)((u128)x << n); }
inline bool bitof(i128 x, int n) { return n >= 127 ? x < 0 : ((x >> n) & 1) != 0; }
inline bool lownz(i128 x, int n) { return n <= 0 ? false : ((u128)x & low_mask(n)) != 0; }
inline u128 low128(i128 x) { return (u128)x; }

inline wide sar(const wide& x, int n) {
  if (n <= 0) return x;
  if (n >= 255) return x.neg() ? wide(-1) : wide(0);
  wide r;
  if (n >= 128) {
    r.lo = (u128)((i128)x.hi >> (n - 128));
    r.hi = x.neg() ? ~(u128)0 : 0;
  } else {
    r.lo = (x.lo >> n) | (x.hi << (128 - n));
    r.hi = (u128)((i128)x.hi >> n);
  }
  return r;
}
inline wide shl(const wide& x, int n) {
  if (n <= 0) return x;
  if (n >= 256) return wide(0);
  wide r;
  if (n >= 128) {
    r.hi = x.lo << (n - 128);
    r.lo = 0;
  } else {
    r.hi = (x.hi << n) | (x.lo >> (128 - n));
    r.lo = x.lo << n;
  }
  return r;
}
inline bool bitof(const wide& x, int n) {
  if (n >= 256) return x.neg();
  return n >= 128 ? ((x.hi >> (n - 128)) & 1) != 0 : ((x.lo >> n) & 1) != 0;
}
inline bool lownz(const wide& x, int n) {
  if (n <= 0) return false;
  if (n >= 256) return !(x == wide(0));
  if (n <= 128) return (x.lo & low_mask(n)) != 0;
  return x.lo != 0 || (x.hi & low_mask(n - 128)) != 0;
}
inline u128 low128(const wide& x) { return x.lo; }

template <class T> inline T pow2(int n) { return shl(T(1), n); }

// ---------------------------------------------------------------------------
// The fixed-point assignment kernel: the exact value x * 2^-f2 (x is the
// source integer, w2 its width) is stored into a <W, W-F, S, Q, O, N> target.
// Order of operations follows the official library: quantise first using
// only the dropped bits, then detect overflow on the quantised value, then
// apply the overflow mode. Returns the normalised container.
template <class T, int W, int F, bool S, ap_q_mode Q, ap_o_mode O, int N>
inline u128 convert(const T& x, int f2, int w2) {
  const int d = f2 - F;  // how many fractional bits are dropped (<0: added)
  const bool xneg = x < T(0);
  T tq;
  if (d > 0) {
    T t = sar(x, d);  // floor
    bool inc = false;
    if (Q != AP_TRN) {
      const bool qb = bitof(x, d - 1);  // first dropped bit (weight 1/2 LSB)
      const bool r = lownz(x, d - 1);   // any dropped bit below it
      switch (Q) {
        case AP_RND: inc = qb; break;                           // ties up
        case AP_RND_ZERO: inc = qb && (xneg || r); break;       // ties to zero
        case AP_RND_MIN_INF: inc = qb && r; break;              // ties down
        case AP_RND_INF: inc = qb && (!xneg || r); break;       // ties away
        case AP_RND_CONV: inc = qb && (bitof(t, 0) || r); break;  // ties even
        case AP_TRN_ZERO: inc = xneg && (qb || r); break;       // toward zero
        default: break;
      }
    }
    tq = inc ? t + T(1) : t;
  } else if (-d >= W && !(x == T(0))) {
    // Shifted past the whole target: the kept bits are zero and the value is
    // certainly out of range; a small stand-in with the right sign suffices.
    tq = xneg ? -pow2<T>(W + 1) : pow2<T>(W + 1);
  } else {
    tq = shl(x, -d);
  }
  const T hi = S ? pow2<T>(W - 1) + T(-1) : pow2<T>(W) + T(-1);
  const T lo = S ? -pow2<T>(W - 1) : T(0);
  bool ovf = tq > hi, udf = tq < lo;
  // AP_SAT_SYM never produces the most negative code: it counts as underflow.
  if (O == AP_SAT_SYM && S && tq == lo) udf = true;
  u128 v = low128(tq) & low_mask(W);
  if ((ovf || udf) && !(O == AP_WRAP && N == 0)) {
    const bool sign = tq < T(0);
    const u128 msb = (u128)1 << (W - 1);
    if (O == AP_SAT_ZERO) {
      v = 0;
    } else if (O == AP_WRAP) {
      // Wrap, but force the top N bits to the saturated pattern.
      const int lb = imax(W - N, 0);
      if (S) {
        v = sign ? (v | msb) : (v & ~msb);
        const u128 mid = low_mask(W - 1) & ~low_mask(lb);  // bits lb..W-2
        v = sign ? (v & ~mid) : (v | mid);
      } else {
        v |= low_mask(W) & ~low_mask(lb);  // official sets ones even on underflow
      }
    } else if (O == AP_WRAP_SM && S) {
      const bool ro = (v & msb) != 0;
      if (N == 0) {
        // lD: the lowest discarded integer bit of the source, read inside
        // the source width only (0 beyond it), as the official code does.
        const int pos1 = d + W;
        const bool ld = (pos1 >= 0 && pos1 < w2) ? bitof(x, pos1) : false;
        if (ld != ro) v = ((~v) & low_mask(W) & ~msb) | (ld ? msb : 0);
      } else {
        const int lb = imax(W - N, 0);
        if (N == 1) {
          if (sign != ro) v = ~v & low_mask(W);
        } else {
          const bool lno = ((v >> lb) & 1) != 0;
          if (lno == sign) v = ~v & low_mask(W);
          const u128 mid = low_mask(W - 1) & ~low_mask(lb);
          v = sign ? (v & ~mid) : (v | mid);
        }
        v = sign ? (v | msb) : (v & ~msb);
      }
    } else {  // AP_SAT, AP_SAT_SYM (and unsigned AP_WRAP_SM, as official)
      if (ovf)
        v = S ? msb - 1 : low_mask(W);
      else
        v = S ? (O == AP_SAT_SYM ? msb | 1 : msb) : 0;  // W=1 SAT_SYM gives -1
    }
  }
  return norm<W, S>(v);
}

// Fixed <- fixed/int source given as a normalised container. Uses native
// 128-bit arithmetic when every intermediate provably fits, else `wide`.
template <int W, int F, bool S, ap_q_mode Q, ap_o_mode O, int N, int W2, int F2, bool S2>
inline u128 convert_raw(u128 src) {
  enum { FAST = (W2 + imax(F - F2, 0) <= 124) && (W + W2 <= 124) };
  if (FAST) {
    const i128 x = S2 ? (i128)src : (i128)(src & low_mask(W2));
    return convert<i128, W, F, S, Q, O, N>(x, F2, W2);
  }
  return convert<wide, W, F, S, Q, O, N>(wide::of(src, S2), F2, W2);
}

// Fixed <- double. The double is taken exactly as sign * 1.m * 2^e with the
// hidden bit always set (as the official code does, so subnormals and
// Inf/NaN are treated as ordinary huge/tiny numbers rather than special).
template <int W, int F, bool S, ap_q_mode Q, ap_o_mode O, int N>
inline u128 convert_double(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  if ((bits & 0x7fffffffffffffffULL) == 0) return 0;
  const int ef = (int)((bits >> 52) & 0x7ff);
  i128 man = (i128)((bits & 0xfffffffffffffULL) | (1ULL << 52));
  if (bits >> 63) man = -man;
  const int f2 = 1075 - ef;  // value = man * 2^-f2
  if (W <= 68) return convert<i128, W, F, S, Q, O, N>(man, f2, 54);
  return convert<wide, W, F, S, Q, O, N>(wide::of((u128)man, true), f2, 54);
}

// Integer <- double: truncation toward zero, modulo 2^W (Inf/NaN give 0).
template <int W, bool S>
inline u128 int_from_double(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  if ((bits & 0x7fffffffffffffffULL) == 0) return 0;
  const int e = (int)((bits >> 52) & 0x7ff) - 1075;
  u128 mag = (u128)((bits & 0xfffffffffffffULL) | (1ULL << 52));
  if (e >= 0)
    mag = (e >= 128) ? 0 : (mag << e);
  else
    mag = (-e >= 54) ? 0 : (mag >> -e);
  if (bits >> 63) mag = ~mag + 1;
  return norm<W, S>(mag);
}

// Exact integer value of a container -> correctly rounded double/float.
template <bool S> inline double raw_to_double(u128 v) { return S ? (double)(i128)v : (double)v; }
template <bool S> inline float raw_to_float(u128 v) { return S ? (float)(i128)v : (float)v; }

// Relational rule of the official integer types, which mimic C's usual
// arithmetic conversions: when a signed and an unsigned operand meet and the
// wider one is >= 32 bits, an unsigned comparison is used if the unsigned
// operand is at least as wide (then negative values compare as huge).
inline bool mixed_natural(int w1, bool s1, int w2, bool s2) {
  if (s1 == s2 || (w1 < 32 && w2 < 32)) return true;
  return s1 ? (w2 < w1) : (w1 < w2);
}
template <class T>
inline bool rel_lt(const T& a, bool an, const T& b, bool bn, bool natural) {
  // an/bn: operand is negative. With the unsigned rule a negative operand is
  // larger than any non-negative one (it only occurs in the signed operand).
  if (!natural && an != bn) return bn;
  return a < b;
}
// ==: both operands reduced modulo 2^max(W1, W2, 32) then compared; but two
// operands of the same width <= 64 and different signedness are compared as
// 64-bit extended patterns (so ap_int<32>(-1) != ap_uint<32>(0xffffffff)).
constexpr int eq_bits(int w1, bool s1, int w2, bool s2) {
  return (w1 == w2 && s1 != s2 && w1 <= 64) ? 64 : imax(imax(w1, w2), 32);
}
inline bool eq_mod(u128 a, u128 b, int m) { return ((a ^ b) & low_mask(m)) == 0; }
inline bool eq_mod(const wide& a, const wide& b, int m) {
  if (m <= 128) return ((a.lo ^ b.lo) & low_mask(m)) == 0;
  return a.lo == b.lo && ((a.hi ^ b.hi) & low_mask(m - 128)) == 0;
}

// Read / write a bit range of a container. With hi < lo the selection is
// bit-reversed: result bit j is bit (lo - j), and writes do the inverse.
inline u128 get_range(u128 v, int hi, int lo) {
  if (hi >= lo) return (v >> lo) & low_mask(hi - lo + 1);
  u128 r = 0;
  for (int i = hi; i <= lo; ++i) r = (r << 1) | ((v >> i) & 1);
  return r;
}
inline u128 set_range(u128 v, int hi, int lo, u128 x) {
  if (hi < lo) {
    for (int j = 0; j <= lo - hi; ++j, x >>= 1) v = (v & ~((u128)1 << (lo - j))) | ((x & 1) << (lo - j));
    return v;
  }
  const u128 m = low_mask(hi - lo + 1) << lo;
  return (v & ~m) | ((x << lo) & m);
}

// Integer / and %, as the official types do them: both operands are first
// widened to MW bits (one more than the wider operand when either is
// signed) with a common signedness SW taken from the *wider* operand (or
// "either signed" at equal widths). If SW is unsigned the division is an
// unsigned one on those MW-bit patterns, so e.g. ap_uint<16>(100) /
// ap_int<8>(-3) is 0, while ap_uint<8>(100) / ap_int<8>(-3) is -33.
// For % the dividend's own signedness must also be signed to get C's
// remainder rule. Results are then truncated to the result type.
constexpr int div_mw(int w1, bool s1, int w2, bool s2) { return imax(w1 + (s1 || s2), w2 + (s1 || s2)); }
constexpr bool div_sw(int w1, bool s1, int w2, bool s2) { return w1 > w2 ? s1 : w2 > w1 ? s2 : (s1 || s2); }

// (h * 2^128 + l) / d and its remainder, for d != 0 (only needed when a
// negative 128-bit value is read as a 129-bit unsigned pattern).
inline u128 udiv129(bool h, u128 l, u128 d, u128& rem) {
  if (!h) {
    rem = l % d;
    return l / d;
  }
  if (d == 1) {
    rem = 0;
    return l;  // quotient 2^128 + l, truncated
  }
  u128 q = 0, r = 1;
  for (int i = 127; i >= 0; --i) {
    const bool top = (r >> 127) != 0;
    r = (r << 1) | ((l >> i) & 1);
    if (top || r >= d) {
      r -= d;
      q |= (u128)1 << i;
    }
  }
  rem = r;
  return q;
}

template <int W1, bool S1, int W2, bool S2>
inline u128 divmod_raw(u128 a, u128 b, bool want_rem) {
  const int mw = div_mw(W1, S1, W2, S2);
  const bool sw = div_sw(W1, S1, W2, S2);
  const bool an = (S1 && (i128)a < 0), bn = (S2 && (i128)b < 0);
  if (sw && (!want_rem || S1)) {  // signed on the true values: truncate toward zero
    const u128 ma = an ? ~a + 1 : a, mb = bn ? ~b + 1 : b;
    if (want_rem) return an ? ~(ma % mb) + 1 : ma % mb;
    const u128 q = ma / mb;
    return an != bn ? ~q + 1 : q;
  }
  // Unsigned on the MW-bit patterns (a negative operand becomes 2^MW + v).
  u128 r, q;
  if (mw <= 128) {
    const u128 pa = a & low_mask(mw), pb = b & low_mask(mw);
    q = pa / pb;
    r = pa % pb;
  } else if (bn) {  // divisor >= 2^128 > dividend
    q = 0;
    r = a;
  } else {
    q = udiv129(an, a, b, r);
  }
  return want_rem ? r : q;
}
template <int W1, bool S1, int W2, bool S2>
inline u128 div_raw(u128 a, u128 b) { return divmod_raw<W1, S1, W2, S2>(a, b, false); }
template <int W1, bool S1, int W2, bool S2>
inline u128 mod_raw(u128 a, u128 b) { return divmod_raw<W1, S1, W2, S2>(a, b, true); }

}  // namespace fpgac_ap

#endif  // FPGAC_AP_IMPL_H
