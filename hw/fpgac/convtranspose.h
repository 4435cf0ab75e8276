// fpgac kernel library: transposed 2-D convolution (ConvTranspose2dLayer in src/ir/design.ts; simulator twin
// sim/kernels/convtranspose.ts). 1-D is lowered with h = 1, kh = 1. Any group count.
//
//   out[o][y][x] = finish(bias[o] + sum over ic < c/group and the taps (ky, kx) with
//                  y + pt - ky*dh = iy*sh, x + pl - kx*dw = ix*sw, 0 <= iy < h, 0 <= ix < w of
//                  w[o][ic][ky][kx] * in[g*(c/group) + ic][iy][ix])
//   with g = o / (oc/group). pt/pl are the begin pads (any integer); end pads and output_padding are implied by
//   oh/ow. The weight is stored [oc][c/group][kh][kw] (the lowering transposed ONNX's layout).
//
// Gather form, phase by phase: output row y only meets the taps ky with ky*dh = y + pt (mod sh). Rows of one phase
// py = y mod sh share that tap set: ky = ky0 + t*step_h (step_h = sh / gcd(sh, dh), t < CFG::nty = ceil(kh /
// step_h)), and the input row of tap t is iy = jy + q0 - t*(dh / gcd) for y = py + jy*sh, where q0 = (py + pt -
// ky0*dh) / sh is exact. So the pipelined loop walks only the taps that can contribute (no division in it), and a
// transposed conv of stride s costs about 1/s^2 of the naive all-taps gather. Columns likewise.
//
// CFG provides: static const int c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group, pf_out, and the phase
// constants step_h, step_w, nty, ntx, mh, mw (mh = dh / gcd(sh, dh)); typedefs weight_t, bias_t (with a bias),
// acc_t, accs_t (and shift_t with per-channel shifts); act, clip_lo, clip_hi for fpgac::finish.
// acc_t is exact for every partial sum (sized per output channel and phase), so the only lossy step is finish().
#ifndef FPGAC_CONVTRANSPOSE_H
#define FPGAC_CONVTRANSPOSE_H

#include "common.h"

namespace fpgac {

// The first tap k0 in [0, step) with k0*d = r (mod s), or -1 when the phase has no tap (gcd(s, d) does not divide
// r). A short unrolled search outside the pipelined loop.
template <int S, int D, int STEP>
inline int phase_first_tap(int r) {
#pragma HLS INLINE
  int k0 = -1;
ct_phase_search:
  for (int k = STEP - 1; k >= 0; k--) {
#pragma HLS UNROLL
    if ((k * D) % S == r) k0 = k;
  }
  return k0;
}

// (a mod s) in [0, s) for any sign of a.
inline int pos_mod(int a, int s) {
#pragma HLS INLINE
  const int m = a % s;
  return m < 0 ? m + s : m;
}

// Shared body of the convtranspose2d overloads (HAS_BIAS, HAS_SHIFT compile-time; unused arrays are stand-ins).
// Parallelism as conv2d's: CFG::pf_out output-channel engines, engine u taking channels u*opb .. u*opb + opb - 1
// (pf_out is 1 unless group is 1 or depthwise, so that engines share one input read or own a channel).
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void convtranspose2d_core(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                          const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw],
                          const bias_t b[], const shift_t sh[]) {
#pragma HLS INLINE
  typedef typename CFG::acc_t acc_t;
  const int cpg = CFG::c / CFG::group;
  const int opg = CFG::oc / CFG::group;
  const int opb = CFG::oc / CFG::pf_out;
  const int rows = (CFG::oh + CFG::sh - 1) / CFG::sh;  // output rows per phase (the last phases may have one less)
  const int cols = (CFG::ow + CFG::sw - 1) / CFG::sw;
ct_oc:
  for (int o1 = 0; o1 < opb; o1++) {
  ct_py:
    for (int py = 0; py < CFG::sh; py++) {
      const int ky0 = phase_first_tap<CFG::sh, CFG::dh, CFG::step_h>(pos_mod(py + CFG::pt, CFG::sh));
      // q0 = (py + pt - ky0*dh) / sh, exact when the phase has taps.
      const int qy = ky0 < 0 ? 0 : (py + CFG::pt - ky0 * CFG::dh - pos_mod(py + CFG::pt - ky0 * CFG::dh, CFG::sh)) / CFG::sh;
    ct_px:
      for (int px = 0; px < CFG::sw; px++) {
        const int kx0 = phase_first_tap<CFG::sw, CFG::dw, CFG::step_w>(pos_mod(px + CFG::pl, CFG::sw));
        const int qx = kx0 < 0 ? 0 : (px + CFG::pl - kx0 * CFG::dw - pos_mod(px + CFG::pl - kx0 * CFG::dw, CFG::sw)) / CFG::sw;
        const bool taps = ky0 >= 0 && kx0 >= 0;
        acc_t acc[CFG::pf_out];
#pragma HLS ARRAY_PARTITION variable=acc complete
        clear<CFG::pf_out>(acc);
        // One flat pipelined loop per channel group and phase: a perfect nest with constant bounds.
      ct_jy:
        for (int jy = 0; jy < rows; jy++) {
        ct_jx:
          for (int jx = 0; jx < cols; jx++) {
          ct_ic:
            for (int ic = 0; ic < cpg; ic++) {
            ct_ty:
              for (int ty = 0; ty < CFG::nty; ty++) {
              ct_tx:
                for (int tx = 0; tx < CFG::ntx; tx++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
                  const bool first = ic == 0 && ty == 0 && tx == 0;
                  const bool last = ic == cpg - 1 && ty == CFG::nty - 1 && tx == CFG::ntx - 1;
                  const int y = py + jy * CFG::sh;
                  const int x = px + jx * CFG::sw;
                  const int ky = ky0 + ty * CFG::step_h;
                  const int kx = kx0 + tx * CFG::step_w;
                  const int iy = jy + qy - ty * CFG::mh;
                  const int ix = jx + qx - tx * CFG::mw;
                  // Taps past the kernel's end, outside the input, or of a phase without taps add nothing.
                  const bool inside = taps && ky < CFG::kh && kx < CFG::kw && iy >= 0 && iy < CFG::h && ix >= 0 && ix < CFG::w;
                  const bool store = last && y < CFG::oh && x < CFG::ow;
                ct_engines:
                  for (int u = 0; u < CFG::pf_out; u++) {
#pragma HLS UNROLL
                    const int o = u * opb + o1;
                    const int g = o / opg;
                    acc_t a = acc_start<HAS_BIAS>(first, acc[u], b, o);
                    if (inside) a += wt[((o * cpg + ic) * CFG::kh + ky) * CFG::kw + kx] * in[((g * cpg + ic) * CFG::h + iy) * CFG::w + ix];
                    acc[u] = a;
                    if (store) out[(o * CFG::oh + y) * CFG::ow + x] = finish<CFG, out_t>(shift_back<CFG, HAS_SHIFT>(a, sh, o));
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

// Transposed convolution with a bias [oc].
template <class CFG, class in_t, class out_t>
void convtranspose2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                     const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw],
                     const typename CFG::bias_t b[CFG::oc]) {
#pragma HLS INLINE off
  convtranspose2d_core<CFG, true, false>(in, out, wt, b, wt);
}

// With per-output-channel weight precision (ChannelShift): channel o's acc is shifted right by sh[o] exactly.
template <class CFG, class in_t, class out_t>
void convtranspose2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                     const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw],
                     const typename CFG::bias_t b[CFG::oc], const typename CFG::shift_t sh[CFG::oc]) {
#pragma HLS INLINE off
  convtranspose2d_core<CFG, true, true>(in, out, wt, b, sh);
}

// Without a bias: the accumulator starts at 0.
template <class CFG, class in_t, class out_t>
void convtranspose2d(const in_t in[CFG::c * CFG::h * CFG::w], out_t out[CFG::oc * CFG::oh * CFG::ow],
                     const typename CFG::weight_t wt[CFG::oc * (CFG::c / CFG::group) * CFG::kh * CFG::kw]) {
#pragma HLS INLINE off
  convtranspose2d_core<CFG, false, false>(in, out, wt, wt, wt);
}

}  // namespace fpgac

#endif
