// fpgac host-side arbitrary-precision types: text output helpers.
//
// Written from scratch for fpgac. The official headers print ap_fixed values
// as an exact decimal string post-processed to the stream precision, and
// part-selects of ap_fixed in binary; these helpers reproduce that text (the
// rules were derived from the official behaviour and are tested against it).
// Do not include directly; include <ap_int.h> or <ap_fixed.h>.
#ifndef FPGAC_AP_PRINT_H
#define FPGAC_AP_PRINT_H

#include <string>

#include "fpgac_ap_impl.h"

namespace fpgac_ap {

// Decimal printing of a 128-bit value (ostream has no __int128 support).
inline void print_u128(std::ostream& os, u128 v, bool neg) {
  char buf[48];
  int p = 47;
  buf[p] = 0;
  do {
    buf[--p] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  if (neg) buf[--p] = '-';
  os << (buf + p);
}


// Binary text of an unsigned value as the official to_string(2) writes it:
// "0b" + digits, with one extra leading 0 if fewer than w digits were needed.
inline std::string bin_string(u128 v, int w) {
  if (v == 0) return "0b0";
  std::string d;
  for (; v; v >>= 1) d.insert(d.begin(), (char)('0' + (int)(v & 1)));
  return ((int)d.size() < w ? "0b0" : "0b") + d;
}

// ---------------------------------------------------------------------------
// ostream output of ap_fixed, reproducing the official format: the exact
// decimal expansion is cut to `prec` significant digits, rounding half up on
// the first dropped digit, and printed plainly unless the result would need
// four or more zeros after the point (or more than `prec` integer digits),
// in which case a mantissa/exponent form like "1.5e-05" is used.
inline std::string sci_form(const std::string& s) {  // s: unsigned digits, maybe a '.'
  const size_t dot = s.find('.') == std::string::npos ? s.size() : s.find('.');
  size_t first = 0, last = s.size() - 1;
  while (s[first] < '1' || s[first] > '9') ++first;
  while (s[last] < '1' || s[last] > '9') --last;
  const int e = first > dot ? (int)dot - (int)first : (int)dot - (int)first - 1;
  std::string r(1, s[first]);
  if (first != last) {
    r += '.';
    for (size_t i = first + 1; i <= last; ++i)
      if (s[i] != '.') r += s[i];
  }
  if (e != 0) {
    r += e < 0 ? "e-" : "e+";
    const int m = e < 0 ? -e : e;
    if (m < 10) r += '0';
    r += std::to_string(m);
  }
  return r;
}

inline std::string reduce_digits(const std::string& in, int prec) {
  if (in.find_first_not_of("0.") == std::string::npos) return "0";
  const bool neg = in[0] == '-';
  const int len = (int)in.size();
  int first = 0, last = len - 1;
  while (in[first] < '1' || in[first] > '9') ++first;
  while (in[last] < '1' || in[last] > '9') --last;
  const int dot = in.find('.') == std::string::npos ? len : (int)in.find('.');
  int cut;  // index (in `in`) of the first digit that is dropped
  if (dot > last) {  // no fraction
    if (last - first + 1 <= prec) return in;
    cut = first + prec;
  } else if (dot < first) {  // only a fraction
    if (last - first + 1 <= prec) {
      if (first - dot - 1 < 4) return in;
      return neg ? "-" + sci_form(in.substr(1)) : sci_form(in);
    }
    cut = first + prec;
  } else {  // both parts; the '.' lies between first and last
    if (last - first <= prec) return in;
    cut = first + prec + 1;
  }
  // Work on "0" + digits so a carry out of the top digit has room.
  std::string d = "0" + (neg ? in.substr(1) : in);
  if (!neg) ++cut;
  bool carry = d[cut] > '4';
  for (int i = cut - 1; i >= 0 && carry; --i) {
    if (d[i] == '.') continue;
    if (d[i] == '9') {
      d[i] = '0';
    } else {
      ++d[i];
      carry = false;
    }
  }
  size_t f = 0;
  if (d[0] != '1')
    while (d[f] < '1' || d[f] > '9') ++f;
  int kept = 0;
  for (size_t i = f; i < d.size(); ++i)
    if (d[i] != '.' && ++kept > prec) d[i] = '0';
  size_t end = d.size();
  const size_t dp = d.find('.');
  if (dp != std::string::npos) {
    end = d.find_last_not_of('0');
    if (d[end] != '.') ++end;
  }
  d = d[0] == '1' ? d.substr(0, end) : d.substr(1, end - 1);
  const std::string sign = neg ? "-" : "";
  const size_t p = d.find('.');
  if (p != std::string::npos) {
    size_t z = p + 1;
    while (z < d.size() && d[z] == '0') ++z;
    return sign + (z - p - 1 < 4 ? d : sci_form(d));
  }
  return sign + ((int)d.size() <= prec ? d : sci_form(d));
}

// Exact decimal expansion of mag * 2^-f (returns false if the integer part
// does not fit 128 bits; callers then fall back to printing a double).
inline bool exact_decimal(u128 mag, int f, bool neg, std::string& out) {
  u128 ip = 0;
  wide frac;  // fractional part, < 2^f (f <= 250 keeps frac * 10 in range)
  if (f > 250) return false;
  if (f >= 0) {
    if (f < 128) ip = mag >> f;
    frac = wide::of(f < 128 ? mag & low_mask(f) : mag, false);
  } else {
    if (mag != 0 && (-f >= 128 || (mag >> (128 + f)) != 0)) return false;
    ip = mag << -f;
  }
  char buf[48];
  int p = 47;
  buf[p] = 0;
  do {
    buf[--p] = (char)('0' + (int)(ip % 10));
    ip /= 10;
  } while (ip);
  out = (neg ? "-" : "") + std::string(buf + p);
  if (!(frac == wide(0))) out += '.';
  while (!(frac == wide(0))) {
    frac = shl(frac, 3) + shl(frac, 1);
    const int digit = (int)low128(sar(frac, f));
    out += (char)('0' + digit);
    frac = frac + -shl(wide(digit), f);
  }
  return true;
}

}  // namespace fpgac_ap

#endif  // FPGAC_AP_PRINT_H
