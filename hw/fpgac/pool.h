// fpgac kernel library: 2-D max and average pooling (Pool2dLayer in src/ir/design.ts; simulator twin
// sim/kernels/pool.ts). 1-D pooling is lowered with h = 1, kh = 1; global average pooling is kh = h, kw = w with
// no padding.
//
// The window of output (ch, oy, ox) has taps iy = oy*sh - pt + ky*dh, ix = ox*sw - pl + kx*dw; taps outside the
// input are padding (bottom/right padding is implied by oh/ow).
// - max_pool2d: m = the largest in-bounds input (padding never wins), out = (out_t) m, so the output format may
//   differ from the input's. A window without any in-bounds tap (impossible with valid ONNX pads) gives 0.
// - avg_pool2d: sum = sum of the in-bounds inputs, exact in acc_t; n = kh*kw when count_all, else the number of
//   in-bounds taps (n = 0 is taken as 1; the sum is then 0); r = 1/n as `recip_t r = 1.0 / n`, i.e. an IEEE double
//   division then recip_t's conversion from double (the simulator does the same with fromDouble(1 / n));
//   out = (out_t)(sum * r), the product exact, so the output cast is the only rounding after r.
//
// CFG provides: static const int c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw; for avg_pool2d also
// static const bool count_all (count_include_pad, or no window ever touches padding, which divides by kh*kw all
// the same but lets HLS fold the division into a constant), count_padded with static const int pb, pr
// (count_include_pad where ceil_mode windows run past the end pads: n = the taps inside [-pt, h + pb) x
// [-pl, w + pr)) and typedefs acc_t, recip_t.
#ifndef FPGAC_POOL_H
#define FPGAC_POOL_H

#include "common.h"

namespace fpgac {

// The flat input index argmax_pool2d reports: (ch*h + iy)*w + ix, or with CFG::storage_order 1 (ch*w + ix)*h + iy.
// max_pool2d's configs have no storage_order: its specialization never names it.
template <class CFG, bool INDEX>
struct pool_index {
  static int of(int, int, int) { return 0; }
};
template <class CFG>
struct pool_index<CFG, true> {
  static int of(int ch, int iy, int ix) {
#pragma HLS INLINE
    return CFG::storage_order == 1 ? (ch * CFG::w + ix) * CFG::h + iy : (ch * CFG::h + iy) * CFG::w + ix;
  }
};

// Both max pools: CFG::pf channel lanes side by side; lane u takes channels u*cpl .. u*cpl + cpl - 1 (cpl = c / pf),
// so block-partitioned input and output arrays give every lane its own bank. All lanes visit the same window taps.
// Each lane keeps the window's first largest in-bounds tap (taps in order ky, kx; a later tap must be strictly
// larger to win) and, when INDEX, where it was; it writes the value (max_pool2d) or the index (argmax_pool2d).
template <class CFG, bool INDEX, class in_t, class out_t>
void max_pool_core(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::c * CFG::oh * CFG::ow]) {
#pragma HLS INLINE
  const int cpl = CFG::c / CFG::pf;
pool_c:
  for (int c1 = 0; c1 < cpl; c1++) {
  pool_oy:
    for (int oy = 0; oy < CFG::oh; oy++) {
    pool_ox:
      for (int ox = 0; ox < CFG::ow; ox++) {
        in_t m[CFG::pf];
        int arg[CFG::pf];
#pragma HLS ARRAY_PARTITION variable=m complete
#pragma HLS ARRAY_PARTITION variable=arg complete
        bool seen = false;  // padding never wins: m starts at the first in-bounds tap
        // Perfect nest: HLS flattens the window into one pipelined loop, one input read and compare per cycle.
      pool_ky:
        for (int ky = 0; ky < CFG::kh; ky++) {
        pool_kx:
          for (int kx = 0; kx < CFG::kw; kx++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
            int iy, ix;
            if (window_tap<CFG>(oy, ox, ky, kx, iy, ix)) {
            pool_lanes:
              for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
                const int ch = u * cpl + c1;
                const in_t v = in[(ch * CFG::h + iy) * CFG::w + ix];
                if (!seen || v > m[u]) {
                  m[u] = v;
                  arg[u] = pool_index<CFG, INDEX>::of(ch, iy, ix);
                }
              }
              seen = true;
            }
          }
        }
      pool_store:
        for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
          out_t r = 0;  // no in-bounds tap at all (impossible with valid ONNX pads): 0
          if (seen) {
            if (INDEX) r = arg[u];
            else r = m[u];  // the layer's one cast: quantization then overflow mode of out_t
          }
          out[((u * cpl + c1) * CFG::oh + oy) * CFG::ow + ox] = r;
        }
      }
    }
  }
}

template <class CFG, class in_t, class out_t>
void max_pool2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::c * CFG::oh * CFG::ow]) {
#pragma HLS INLINE off
  max_pool_core<CFG, false>(in, out);
}

// argmax_pool2d (MaxPool's Indices): the flat input index of each window's first largest in-bounds tap
// (pool_index), out = (out_t) index.
template <class CFG, class in_t, class out_t>
void argmax_pool2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::c * CFG::oh * CFG::ow]) {
#pragma HLS INLINE off
  max_pool_core<CFG, true>(in, out);
}

template <class CFG, class in_t, class out_t>
void avg_pool2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::c * CFG::oh * CFG::ow]) {
#pragma HLS INLINE off
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::recip_t recip_t;
  const int cpl = CFG::c / CFG::pf;
pool_c:
  for (int c1 = 0; c1 < cpl; c1++) {
  pool_oy:
    for (int oy = 0; oy < CFG::oh; oy++) {
    pool_ox:
      for (int ox = 0; ox < CFG::ow; ox++) {
        acc_t sum[CFG::pf];
#pragma HLS ARRAY_PARTITION variable=sum complete
        clear<CFG::pf>(sum);
        int count = 0;
        int padded = 0;  // count_padded: taps inside the declared pads (ceil_mode windows may run past them)
        // Perfect nest: HLS flattens the window into one pipelined loop, one input read and add per lane and cycle.
      pool_ky:
        for (int ky = 0; ky < CFG::kh; ky++) {
        pool_kx:
          for (int kx = 0; kx < CFG::kw; kx++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
            int iy, ix;
            const bool inside = window_tap<CFG>(oy, ox, ky, kx, iy, ix);
            if (CFG::count_padded && iy >= -CFG::pt && iy < CFG::h + CFG::pb && ix >= -CFG::pl && ix < CFG::w + CFG::pr) padded++;
            if (inside) {
            pool_lanes:
              for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
                sum[u] += in[((u * cpl + c1) * CFG::h + iy) * CFG::w + ix];
              }
              count++;
            }
          }
        }
        // With count_all the divisor is a constant and the double division folds away at compile time;
        // otherwise n takes at most kh*kw values (HLS builds a divider unless the layer avoids padding).
        const int n = CFG::count_all ? CFG::kh * CFG::kw : CFG::count_padded ? (padded > 0 ? padded : 1) : (count > 0 ? count : 1);
        const recip_t r = 1.0 / n;
      pool_store:
        for (int u = 0; u < CFG::pf; u++) {
#pragma HLS UNROLL
          const out_t y = sum[u] * r;  // exact product, then the layer's one cast
          out[((u * cpl + c1) * CFG::oh + oy) * CFG::ow + ox] = y;
        }
      }
    }
  }
}

}  // namespace fpgac

#endif
