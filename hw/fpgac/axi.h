// fpgac AXI helpers: a sample's raws packed into bus words and back (the packing rule of src/deploy/packing.ts and
// docs/deploy.md). Field k of word j holds element j*PER + k at bits [k*FIELD, (k+1)*FIELD), sign-extended from W
// bits when the format is signed, zero-extended otherwise; fields past the last element are 0. T is the element's
// ap_[u]fixed type, W its width, S its signedness.
#ifndef FPGAC_AXI_H
#define FPGAC_AXI_H

#include "ap_int.h"

namespace fpgac {

// The FIELD-bit field of one element: its W raw bits, extended to FIELD.
template <int FIELD, int W, bool S, typename T>
ap_uint<FIELD> field_of(const T &v) {
  if (S) {
    ap_int<W> raw;
    raw.range(W - 1, 0) = v.range(W - 1, 0);
    ap_int<FIELD> ext = raw;
    return ext.range(FIELD - 1, 0);
  }
  ap_uint<W> raw;
  raw.range(W - 1, 0) = v.range(W - 1, 0);
  ap_uint<FIELD> ext = raw;
  return ext;
}

// Word w of a sample of N elements.
template <int BUS, int FIELD, int N, int W, bool S, typename T>
ap_uint<BUS> pack_word(const T x[N], int w) {
#pragma HLS INLINE
  const int PER = BUS / FIELD;
  ap_uint<BUS> word = 0;
  for (int k = 0; k < PER; k++) {
#pragma HLS UNROLL
    const int i = w * PER + k;
    if (i < N) word.range((k + 1) * FIELD - 1, k * FIELD) = field_of<FIELD, W, S>(x[i]);
  }
  return word;
}

// The elements of word w into x (their W low bits; the extension bits carry nothing).
template <int BUS, int FIELD, int N, int W, typename T>
void unpack_word(const ap_uint<BUS> &word, T x[N], int w) {
#pragma HLS INLINE
  const int PER = BUS / FIELD;
  for (int k = 0; k < PER; k++) {
#pragma HLS UNROLL
    const int i = w * PER + k;
    if (i < N) x[i].range(W - 1, 0) = word.range(k * FIELD + W - 1, k * FIELD);
  }
}

}  // namespace fpgac

#endif
