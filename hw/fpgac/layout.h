// fpgac kernel library: data movement layers.
//
// transpose: out axis k = in axis perm[k] for a tensor of rank <= 6 padded with leading 1s. The config holds the
//   output dims d0..d5 (d_k = in_shape[perm[k]]) and, per output axis, the input stride s0..s5 of the input axis it
//   reads (s_k = in_stride[perm[k]]), so out[i0..i5] = in[sum ik*sk] with the output written in C order. Pure data
//   movement; when the output format differs from the input's, the assignment casts (quantization then overflow).
// sim/kernels/layout.ts mirrors this file.
#ifndef FPGAC_LAYOUT_H
#define FPGAC_LAYOUT_H

#include "common.h"

namespace fpgac {

// fpgac::transpose<cfg>(in, out).
template <class CFG, class in_t, class out_t>
void transpose(const in_t in[CFG::n], out_t out[CFG::n]) {
  // Perfect nest with constant bounds, flattened by HLS into one pipelined loop over the output; the input is
  // read in permuted order, so `in` should be a RAM (not a stream) — which it is for every layer buffer here.
TrD0:
  for (int i0 = 0; i0 < CFG::d0; i0++) {
  TrD1:
    for (int i1 = 0; i1 < CFG::d1; i1++) {
    TrD2:
      for (int i2 = 0; i2 < CFG::d2; i2++) {
      TrD3:
        for (int i3 = 0; i3 < CFG::d3; i3++) {
        TrD4:
          for (int i4 = 0; i4 < CFG::d4; i4++) {
          TrD5:
            for (int i5 = 0; i5 < CFG::d5; i5++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
              const int ii = i0 * CFG::s0 + i1 * CFG::s1 + i2 * CFG::s2 + i3 * CFG::s3 + i4 * CFG::s4 + i5 * CFG::s5;
              const int io = ((((i0 * CFG::d1 + i1) * CFG::d2 + i2) * CFG::d3 + i3) * CFG::d4 + i4) * CFG::d5 + i5;
              out[io] = in[ii];
            }
          }
        }
      }
    }
  }
}

}  // namespace fpgac

#endif
