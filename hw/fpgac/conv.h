// fpgac kernel library: 2-D convolution (Conv2dLayer in src/ir/design.ts; simulator twin sim/kernels/conv.ts).
// 1-D convolutions are lowered with h = 1, kh = 1. Any group count: depthwise is group = c = oc.
//
//   out[o][oy][ox] = finish(bias[o] + sum over ic < c/group, ky < kh, kx < kw of
//                           w[o][ic][ky][kx] * in[g*(c/group) + ic][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw])
//   with g = o / (oc/group); taps outside the input are zero padding (skipped). The bottom/right padding is
//   implied by oh/ow.
//
// CFG provides: static const int c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group, pf_out, pf_px; typedefs weight_t,
// bias_t (only with a bias) and acc_t; act, clip_lo, clip_hi for fpgac::finish; lut_mul (and mul when it is true:
// products bound to fabric LUTs, fpgac::product in common.h).
// acc_t is the design's accumulator format, wide enough that every partial sum is exact: products of ap_fixed
// values are exact and `acc += w * x` then never quantizes or overflows, so the only lossy step is finish().
#ifndef FPGAC_CONV_H
#define FPGAC_CONV_H

#include "common.h"
#include "stream.h"

namespace fpgac {

// Pixel lane k's output pixel at the lane-local position (oy1, ox1): lanes split the rows, or a one-row output's
// columns.
template <class CFG>
inline void lane_pixel(int k, int oy1, int ox1, int &oy, int &ox) {
#pragma HLS INLINE
  const bool rows = CFG::oh > 1;
  oy = rows ? k * (CFG::oh / CFG::pf_px) + oy1 : oy1;
  ox = rows ? ox1 : k * (CFG::ow / CFG::pf_px) + ox1;
}

// That pixel's tap (ky, kx): the input position it reads, false for a padding tap. in_oy0 shifts the output rows
// the windows are taken for (a row band computed from the whole input; 0 otherwise).
template <class CFG>
inline bool lane_tap(int k, int oy1, int ox1, int ky, int kx, int in_oy0, int &iy, int &ix) {
#pragma HLS INLINE
  int oy, ox;
  lane_pixel<CFG>(k, oy1, ox1, oy, ox);
  return window_tap<CFG>(oy + in_oy0, ox, ky, kx, iy, ix);
}

// The products of one cycle of conv2d_core: p[u * pf_px + k] = w(engine u) * x(engine u, lane k), with x = 0 for a
// padding tap (its product then adds nothing; the read is skipped). CFG::pack (src/plan/packing.ts) builds two
// products in one DSP48E2 (common.h product_pair): 1, pairs of engines sharing their input (one group: every
// engine reads the same tap); 2, pairs of pixel lanes sharing their engine's weight; 0, one multiply each.
// The weights are read from wt, the layer's [oc][c/group][kh][kw] array, or with TILE from a streamed tile (stream.h),
// which holds channel group o1's weights with the engines interleaved: fan-in position j of engine u at j*pf_out + u.
template <class CFG, bool TILE, class in_t, class prod_t>
inline void conv_products(const typename CFG::weight_t wt[], const in_t in[], int o1, int ic, int ky, int kx, int oy1, int ox1, int in_oy0,
                          prod_t p[CFG::pf_out * CFG::pf_px]) {
#pragma HLS INLINE
  const int cpg = CFG::c / CFG::group;
  const int opg = CFG::oc / CFG::group;
  const int opb = CFG::oc / CFG::pf_out;
  in_t xk[CFG::pf_out * CFG::pf_px];
#pragma HLS ARRAY_PARTITION variable=xk complete
  typename CFG::weight_t wk[CFG::pf_out];
#pragma HLS ARRAY_PARTITION variable=wk complete
conv_reads:
  for (int k = 0; k < CFG::pf_px; k++) {
#pragma HLS UNROLL
    int iy, ix;
    const bool inside = lane_tap<CFG>(k, oy1, ox1, ky, kx, in_oy0, iy, ix);
    for (int u = 0; u < CFG::pf_out; u++) {
#pragma HLS UNROLL
      const int g = (u * opb + o1) / opg;
      xk[u * CFG::pf_px + k] = 0;
      if (inside) xk[u * CFG::pf_px + k] = in[((g * cpg + ic) * CFG::h + iy) * CFG::w + ix];
    }
  }
conv_weights:
  for (int u = 0; u < CFG::pf_out; u++) {
#pragma HLS UNROLL
    wk[u] = TILE ? wt[((ic * CFG::kh + ky) * CFG::kw + kx) * CFG::pf_out + u] : wt[(((u * opb + o1) * cpg + ic) * CFG::kh + ky) * CFG::kw + kx];
  }
conv_mul:
  for (int u = 0; u < CFG::pf_out; u++) {
#pragma HLS UNROLL
    for (int k = 0; k < CFG::pf_px; k++) {
#pragma HLS UNROLL
      const int i = u * CFG::pf_px + k;
      if (CFG::pack == 1 && u % 2 == 0) product_pair<CFG::pack_s_signed, CFG::pack_a_signed>(xk[i], wk[u], wk[u + 1], p[i], p[i + CFG::pf_px]);
      else if (CFG::pack == 2 && k % 2 == 0) product_pair<CFG::pack_s_signed, CFG::pack_a_signed>(wk[u], xk[i], xk[i + 1], p[i], p[i + 1]);
      else if (CFG::pack == 0) p[i] = product<CFG>::of(wk[u], xk[i]);
    }
  }
}

// Shared body of both conv2d overloads; HAS_BIAS is a compile-time constant, so without a bias the read of b
// disappears (b is then a stand-in array that is never read: a null pointer would trouble HLS interfaces).
//
// Parallelism is the plan's, in two dimensions (src/kinds/conv2d.ts):
// - CFG::pf_out output channels side by side (engines, each one multiply-accumulate per cycle). Engine u handles
//   channels u*opb .. u*opb + opb - 1. pf_out divides oc and is 1 unless group is 1 or depthwise.
// - CFG::pf_px output pixels side by side (pixel lanes of every engine, sharing its weight read): lane k computes
//   the output rows k*(oh/pf_px) .. (k+1)*(oh/pf_px) - 1, or for a one-row output (1-D convs) the columns
//   k*(ow/pf_px) ... pf_px divides oh (or ow).
// The plan partitions the arrays so that the pf_out x pf_px accesses of one cycle fall in different banks (block
// partitions written where the arrays are declared, src/emit/block.ts; src/plan/layout.ts): weights in pf_out
// blocks, outputs in runs of whole rows per channel, inputs in runs of rows no longer than a lane's stride. acc_t
// is exact, so the order of additions never changes a bit.
// Channel group o1 (channels u*opb + o1 of every engine u), its weights in wt (see conv_products). Output row oy of
// the loops is written to row out_oy0 + oy of an output of CFG::out_h rows, and its windows are those of output row
// in_oy0 + oy (row bands, see conv2d_rows; both 0 and out_h = oh for a whole layer).
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, bool TILE, class in_t, class out_t, class bias_t, class shift_t>
inline void conv_group(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[], const typename CFG::weight_t wt[], int o1,
                       const bias_t b[], const shift_t sh[], int in_oy0 = 0, int out_oy0 = 0) {
#pragma HLS INLINE
  typedef typename CFG::acc_t acc_t;
  typedef decltype(typename CFG::weight_t() * in_t()) prod_t;  // exact: ap_fixed products never round
  const int cpg = CFG::c / CFG::group;   // input channels per group
  const int opb = CFG::oc / CFG::pf_out; // output channels per engine
  const bool rows = CFG::oh > 1;         // pixel lanes split the rows, or (one row) the columns
  const int ohl = rows ? CFG::oh / CFG::pf_px : CFG::oh;
  const int owl = rows ? CFG::ow : CFG::ow / CFG::pf_px;
  acc_t acc[CFG::pf_out * CFG::pf_px];
#pragma HLS ARRAY_PARTITION variable=acc complete
  clear<CFG::pf_out * CFG::pf_px>(acc);
conv_oy:
  for (int oy1 = 0; oy1 < ohl; oy1++) {
  conv_ox:
    for (int ox1 = 0; ox1 < owl; ox1++) {
    conv_ic:
      for (int ic = 0; ic < cpg; ic++) {
      conv_ky:
        for (int ky = 0; ky < CFG::kh; ky++) {
        conv_kx:
          for (int kx = 0; kx < CFG::kw; kx++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
            const bool first = ic == 0 && ky == 0 && kx == 0;
            const bool last = ic == cpg - 1 && ky == CFG::kh - 1 && kx == CFG::kw - 1;
            // Padding taps contribute zero products: adding them is the same exact sum.
            prod_t p[CFG::pf_out * CFG::pf_px];
#pragma HLS ARRAY_PARTITION variable=p complete
            conv_products<CFG, TILE>(wt, in, o1, ic, ky, kx, oy1, ox1, in_oy0, p);
          conv_pixels:
            for (int k = 0; k < CFG::pf_px; k++) {
#pragma HLS UNROLL
              int oy, ox;
              lane_pixel<CFG>(k, oy1, ox1, oy, ox);
            conv_engines:
              for (int u = 0; u < CFG::pf_out; u++) {
#pragma HLS UNROLL
                const int o = u * opb + o1;
                acc_t a = acc_start<HAS_BIAS>(first, acc[u * CFG::pf_px + k], b, o);
                a += p[u * CFG::pf_px + k];
                acc[u * CFG::pf_px + k] = a;
                if (last) out[(o * CFG::out_h + out_oy0 + oy) * CFG::ow + ox] = finish<CFG, out_t>(shift_back<CFG, HAS_SHIFT>(a, sh, o));
              }
            }
          }
        }
      }
    }
  }
}

// Shared body of the conv2d overloads; HAS_BIAS is a compile-time constant, so without a bias the read of b
// disappears (b is then a stand-in array that is never read: a null pointer would trouble HLS interfaces).
//
// Parallelism is the plan's, in two dimensions (src/kinds/conv2d.ts):
// - CFG::pf_out output channels side by side (engines, each one multiply-accumulate per cycle). Engine u handles
//   channels u*opb .. u*opb + opb - 1. pf_out divides oc and is 1 unless group is 1 or depthwise.
// - CFG::pf_px output pixels side by side (pixel lanes of every engine, sharing its weight read): lane k computes
//   the output rows k*(oh/pf_px) .. (k+1)*(oh/pf_px) - 1, or for a one-row output (1-D convs) the columns
//   k*(ow/pf_px) ... pf_px divides oh (or ow).
// The plan partitions the arrays so that the pf_out x pf_px accesses of one cycle fall in different banks (block
// partitions written where the arrays are declared, src/emit/block.ts; src/plan/layout.ts): weights in pf_out
// blocks, outputs in runs of whole rows per channel, inputs in runs of rows no longer than a lane's stride. acc_t
// is exact, so the order of additions never changes a bit. One pipelined loop per channel group: the pixel and tap
// loops form a perfect nest (the accumulators start and finish inside the innermost body), which HLS flattens, so
// the pipeline fills once per group rather than once per output pixel.
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void conv2d_core(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                 const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw],
                 const bias_t b[], const shift_t sh[]) {
#pragma HLS INLINE
conv_oc:
  for (int o1 = 0; o1 < CFG::oc / CFG::pf_out; o1++) conv_group<CFG, HAS_BIAS, HAS_SHIFT, false>(in, out, wt, o1, b, sh);
}

// One streamed tile: channel group t, its weights (fan-in x pf_out, engines interleaved) in tile.
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void conv_tile(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
               const typename CFG::weight_t tile[], int t, const bias_t b[], const shift_t sh[]) {
#pragma HLS INLINE off
  conv_group<CFG, HAS_BIAS, HAS_SHIFT, true>(in, out, tile, t, b, sh);
}

// Weights from DDR (stream.h): channel group t's weights are loaded into one buffer while group t - 1 computes
// from the other (two calls without a data dependence, which HLS may run side by side). CFG adds word_bits,
// weight_bits, w_offset (the layer's first word in the image) and word_t. The buffers may be longer than a tile
// (layers with tiles of one type share them); cyclic banks of pf_out serve the engines' interleaved reads.
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void conv2d_stream_core(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow], const typename CFG::word_t *wimg,
                        typename CFG::weight_t tile0[], typename CFG::weight_t tile1[], const bias_t b[], const shift_t sh[]) {
#pragma HLS INLINE
  const int n = CFG::pf_out * (CFG::c / CFG::group) * CFG::kh * CFG::kw;
  const int tiles = CFG::oc / CFG::pf_out;
  load_tile<CFG::word_bits, CFG::weight_bits, n>(wimg, CFG::w_offset, 0, tile0);
conv_tiles:
  for (int t = 0; t < tiles; t++) {
    if ((t & 1) == 0) {
      if (t + 1 < tiles) load_tile<CFG::word_bits, CFG::weight_bits, n>(wimg, CFG::w_offset, t + 1, tile1);
      conv_tile<CFG, HAS_BIAS, HAS_SHIFT>(in, out, tile0, t, b, sh);
    } else {
      if (t + 1 < tiles) load_tile<CFG::word_bits, CFG::weight_bits, n>(wimg, CFG::w_offset, t + 1, tile0);
      conv_tile<CFG, HAS_BIAS, HAS_SHIFT>(in, out, tile1, t, b, sh);
    }
  }
}

// Convolution with sparse weights (src/plan/sparse.ts). Channel group o1 (channels u*opb + o1, one per engine)
// takes n[o1] >= 1 steps per output pixel; engine u's weight at step s is sv[u * taps + base + s] (a stored zero
// where the engine needs no product there), base being the earlier groups' steps. Two ways to pick the input:
// - CFG::gather = false (any conv): every engine reads the same input tap, whose code tap[base + s] holds the bit
//   fields ic | ky | kx, so the input keeps its single bank; the steps are the union of the group's non-zero taps.
// - CFG::gather = true (1x1, one group): the first step of each pixel loads its c channels into registers (the
//   input has one bank per channel), and engine u reads channel si[u * taps + base + s] of them: each engine
//   steps through its own channel's non-zero weights.
// Pixel and step are counters of one flat pipelined loop per group. Pixel lanes (CFG::pf_px) as in conv2d_core:
// every lane of an engine uses the engine's weight of the step. CFG: the conv2d fields plus taps (steps of all
// groups), index_len (taps, or pf_out * taps when gathering), gather, kx_bits, ky_bits; index_t, count_t.
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void conv2d_sparse_core(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                        const typename CFG::weight_t sv[CFG::pf_out * CFG::taps], const typename CFG::index_t si[CFG::index_len],
                        const typename CFG::count_t sn[CFG::oc / CFG::pf_out], const bias_t b[], const shift_t sh[]) {
#pragma HLS INLINE
  typedef typename CFG::acc_t acc_t;
  const int cpg = CFG::c / CFG::group;
  const int opg = CFG::oc / CFG::group;
  const int opb = CFG::oc / CFG::pf_out;
  const bool rows = CFG::oh > 1;
  const int ohl = rows ? CFG::oh / CFG::pf_px : CFG::oh;
  const int owl = rows ? CFG::ow : CFG::ow / CFG::pf_px;
  const int most = ohl * owl * cpg * CFG::kh * CFG::kw;  // trips of a group needing every tap
  in_t xv[CFG::pf_px][CFG::c];
#pragma HLS ARRAY_PARTITION variable=xv complete dim=0
  int base = 0;
sconv_oc:
  for (int o1 = 0; o1 < opb; o1++) {
    const int n = sn[o1].to_int();
    acc_t acc[CFG::pf_out * CFG::pf_px];
#pragma HLS ARRAY_PARTITION variable=acc complete
    clear<CFG::pf_out * CFG::pf_px>(acc);
    int s = 0, oy1 = 0, ox1 = 0;
  sconv_steps:
    for (int q = 0; q < ohl * owl * n; q++) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=most
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
      int ic = 0, ky = 0, kx = 0;
      if (!CFG::gather) {
        const int t = si[base + s].to_int();
        kx = t & ((1 << CFG::kx_bits) - 1);
        ky = (t >> CFG::kx_bits) & ((1 << CFG::ky_bits) - 1);
        ic = t >> (CFG::kx_bits + CFG::ky_bits);
      }
    sconv_pixels:
      for (int k = 0; k < CFG::pf_px; k++) {
#pragma HLS UNROLL
        int oy, ox, iy, ix;
        lane_pixel<CFG>(k, oy1, ox1, oy, ox);
        const bool inside = window_tap<CFG>(oy, ox, ky, kx, iy, ix);
        if (CFG::gather && s == 0) {
        sconv_gather:
          for (int c = 0; c < CFG::c; c++) {
#pragma HLS UNROLL
            xv[k][c] = 0;
            if (inside) xv[k][c] = in[(c * CFG::h + iy) * CFG::w + ix];
          }
        }
      sconv_engines:
        for (int u = 0; u < CFG::pf_out; u++) {
#pragma HLS UNROLL
          const int o = u * opb + o1;
          const int g = o / opg;
          acc_t a = acc_start<HAS_BIAS>(s == 0, acc[u * CFG::pf_px + k], b, o);
          const typename CFG::weight_t wv = sv[u * CFG::taps + base + s];
          if (CFG::gather) a += product<CFG>::of(wv, xv[k][si[u * CFG::taps + base + s].to_int()]);
          else if (inside) a += product<CFG>::of(wv, in[((g * cpg + ic) * CFG::h + iy) * CFG::w + ix]);
          acc[u * CFG::pf_px + k] = a;
          if (s == n - 1) out[(o * CFG::oh + oy) * CFG::ow + ox] = finish<CFG, out_t>(shift_back<CFG, HAS_SHIFT>(a, sh, o));
        }
      }
      if (++s == n) {
        s = 0;
        if (++ox1 == owl) {
          ox1 = 0;
          oy1++;
        }
      }
    }
    base += n;
  }
}

// fpgac::conv2d_sparse<cfg>(in, out, values, indices, counts[, b[, sh]]): the three overloads of conv2d, sparse.
template <class CFG, class in_t, class out_t>
void conv2d_sparse(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                   const typename CFG::weight_t sv[CFG::pf_out * CFG::taps], const typename CFG::index_t si[CFG::index_len],
                   const typename CFG::count_t sn[CFG::oc / CFG::pf_out], const typename CFG::bias_t b[CFG::oc]) {
#pragma HLS INLINE off
  conv2d_sparse_core<CFG, true, false>(in, out, sv, si, sn, b, sv);
}

template <class CFG, class in_t, class out_t>
void conv2d_sparse(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                   const typename CFG::weight_t sv[CFG::pf_out * CFG::taps], const typename CFG::index_t si[CFG::index_len],
                   const typename CFG::count_t sn[CFG::oc / CFG::pf_out], const typename CFG::bias_t b[CFG::oc],
                   const typename CFG::shift_t sh[CFG::oc]) {
#pragma HLS INLINE off
  conv2d_sparse_core<CFG, true, true>(in, out, sv, si, sn, b, sh);
}

template <class CFG, class in_t, class out_t>
void conv2d_sparse(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                   const typename CFG::weight_t sv[CFG::pf_out * CFG::taps], const typename CFG::index_t si[CFG::index_len],
                   const typename CFG::count_t sn[CFG::oc / CFG::pf_out]) {
#pragma HLS INLINE off
  conv2d_sparse_core<CFG, false, false>(in, out, sv, si, sn, sv, sv);
}

// Convolution with a bias [oc].
template <class CFG, class in_t, class out_t>
void conv2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
            const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw],
            const typename CFG::bias_t b[CFG::oc]) {
#pragma HLS INLINE off
  conv2d_core<CFG, true, false>(in, out, wt, b, wt);
}

// Convolution with per-output-channel weight precision (ChannelShift): acc of channel o is shifted right by sh[o]
// (exactly, in CFG::accs_t) before the activation and output cast.
template <class CFG, class in_t, class out_t>
void conv2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
            const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw],
            const typename CFG::bias_t b[CFG::oc], const typename CFG::shift_t sh[CFG::oc]) {
#pragma HLS INLINE off
  conv2d_core<CFG, true, true>(in, out, wt, b, sh);
}

// Convolution without a bias: the accumulator starts at 0.
template <class CFG, class in_t, class out_t>
void conv2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
            const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw]) {
#pragma HLS INLINE off
  conv2d_core<CFG, false, false>(in, out, wt, wt, wt);
}

// fpgac::conv2d_stream<cfg>(in, out, wimg, tile0, tile1[, b[, sh]]): the three overloads of conv2d, weights from DDR.
template <class CFG, class in_t, class out_t>
void conv2d_stream(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow], const typename CFG::word_t *wimg,
                   typename CFG::weight_t tile0[], typename CFG::weight_t tile1[], const typename CFG::bias_t b[CFG::oc]) {
#pragma HLS INLINE off
  conv2d_stream_core<CFG, true, false>(in, out, wimg, tile0, tile1, b, b);
}

template <class CFG, class in_t, class out_t>
void conv2d_stream(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow], const typename CFG::word_t *wimg,
                   typename CFG::weight_t tile0[], typename CFG::weight_t tile1[], const typename CFG::bias_t b[CFG::oc],
                   const typename CFG::shift_t sh[CFG::oc]) {
#pragma HLS INLINE off
  conv2d_stream_core<CFG, true, true>(in, out, wimg, tile0, tile1, b, sh);
}

template <class CFG, class in_t, class out_t>
void conv2d_stream(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow], const typename CFG::word_t *wimg,
                   typename CFG::weight_t tile0[], typename CFG::weight_t tile1[]) {
#pragma HLS INLINE off
  conv2d_stream_core<CFG, false, false>(in, out, wimg, tile0, tile1, tile0, tile0);
}

// Row bands (src/plan/bands.ts): a conv whose output is read by one conv only, too large to keep, is computed a
// band of rows at a time into a small buffer that the reader consumes at once. CFG is the band's geometry: oh the
// band's rows, out_h the rows of the array written (the band buffer, or the reader's whole output), h and pt those of
// the array read (the producer's whole input, or for the reader the band buffer with its padding rows in place,
// pt = 0); has_bias and has_shift say which of b, sh are real (stand-ins otherwise). in_oy0: the first output row's
// place in the producer's whole output (its windows); out_oy0: where the band's rows go in the array written.
template <class CFG, class in_t, class out_t, class bias_t, class shift_t>
void conv2d_rows(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::out_h * CFG::ow],
                 const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw], const bias_t b[], const shift_t sh[],
                 int in_oy0, int out_oy0) {
#pragma HLS INLINE off
conv_rows_oc:
  for (int o1 = 0; o1 < CFG::oc / CFG::pf_out; o1++) conv_group<CFG, CFG::has_bias, CFG::has_shift, false>(in, out, wt, o1, b, sh, in_oy0, out_oy0);
}

// The rows of a band buffer [oc][oh][ow] that lie outside the producer's map_h rows (row y0 + r for r < oh): zero,
// the reader's padding (the producer computed them from padding windows).
template <class CFG, class T>
void zero_rows(T band[CFG::oc * CFG::oh * CFG::ow], int y0) {
#pragma HLS INLINE off
zero_rows_r:
  for (int r = 0; r < CFG::oh; r++) {
    if (y0 + r >= 0 && y0 + r < CFG::map_h) continue;
  zero_rows_c:
    for (int c = 0; c < CFG::oc; c++) {
    zero_rows_x:
      for (int x = 0; x < CFG::ow; x++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
        band[(c * CFG::oh + r) * CFG::ow + x] = 0;
      }
    }
  }
}

}  // namespace fpgac

#endif
