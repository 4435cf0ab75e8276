// fpgac kernel library: fully connected layers (Gemm, MatMul with a constant operand) and tensor × tensor MatMul.
//
// Semantics (src/ir/design.ts, DenseLayer / MatMulLayer; sim/kernels/dense.ts mirrors this file step for step):
//   dense:  out[r][o] = finish(bias[o] + sum_i in[r][i] * w[o][i])      weight [n_out][n_in], bias [n_out]
//   matmul: out[t][i][j] = (out_t)(sum_p a[t][i][p] * b[t][p][j])     a/b indexed with their batch strides
// Products of ap_fixed values are exact (full-precision result type); fpgac::product (common.h) forms them, in
// fabric LUTs when CFG::lut_mul says the plan made them LUT products (dense/matmul bits never depend on it). The sum is kept in CFG::acc_t, which the
// compiler sizes so that it never overflows and holds every product's fraction bits: then `acc = acc + prod`
// is exact and the only lossy step is the final cast to out_t. (If a design's acc_t were narrower, each
// assignment to acc would quantize/overflow in acc_t's modes; the simulator mirrors that too, in this order.)
#ifndef FPGAC_DENSE_H
#define FPGAC_DENSE_H

#include "common.h"
#include "stream.h"

namespace fpgac {

// Shared loop nest of dense with and without bias. HAS_BIAS is a compile-time constant, so the bias array is
// never touched when it is false (the caller then passes a dummy array of any element type).
//
// Parallelism is the plan's (CFG::pf_in inputs x CFG::pf_out outputs multiplied per cycle; reuse factor
// n_in*n_out / (pf_in*pf_out)): pf_in divides n_in, pf_out divides n_out, and pf_out > 1 only with
// pf_in = n_in. The arrays are partitioned so each cycle's reads come from separate banks (or one wide word). Because acc_t is exact,
// the order of the additions does not change a bit: every parallelism computes what the serial loop computes.
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class acc_t, class out_t, class bias_t, class shift_t>
inline void dense_step(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out], const typename CFG::weight_t w[],
                       int wrow, int r, int o0, int i0, acc_t acc[CFG::pf_out], const bias_t *b, const shift_t *sh) {
#pragma HLS INLINE
  typedef decltype(in_t() * typename CFG::weight_t()) prod_t;  // exact: ap_fixed products never round
  // The cycle's products (weights of output o0 + u in row wrow + u of w); CFG::pack = 1 (src/plan/packing.ts):
  // outputs u, u + 1 share input v, so their two products come from one DSP48E2 (common.h product_pair); the bits
  // are the plain products'.
  prod_t p[CFG::pf_out * CFG::pf_in];
#pragma HLS ARRAY_PARTITION variable=p complete
DenseMul:
  for (int u = 0; u < CFG::pf_out; u++) {
#pragma HLS UNROLL
    for (int v = 0; v < CFG::pf_in; v++) {
#pragma HLS UNROLL
      const in_t &x = in[r * CFG::n_in + i0 + v];
      if (CFG::pack == 1 && u % 2 == 0) {
        product_pair<CFG::pack_s_signed, CFG::pack_a_signed>(x, w[(wrow + u) * CFG::n_in + i0 + v], w[(wrow + u + 1) * CFG::n_in + i0 + v],
                                                             p[u * CFG::pf_in + v], p[(u + 1) * CFG::pf_in + v]);
      } else if (CFG::pack == 0) {
        p[u * CFG::pf_in + v] = product<CFG>::of(x, w[(wrow + u) * CFG::n_in + i0 + v]);
      }
    }
  }
DenseMacOut:
  for (int u = 0; u < CFG::pf_out; u++) {
#pragma HLS UNROLL
    acc_t a = acc_start<HAS_BIAS>(i0 == 0, acc[u], b, o0 + u);
  DenseMacIn:
    for (int v = 0; v < CFG::pf_in; v++) {
#pragma HLS UNROLL
      a = a + p[u * CFG::pf_in + v];
    }
    acc[u] = a;
    if (i0 + CFG::pf_in == CFG::n_in) out[r * CFG::n_out + o0 + u] = finish<CFG, out_t>(shift_back<CFG, HAS_SHIFT>(a, sh, o0 + u));
  }
}

template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void dense_impl(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out],
                const typename CFG::weight_t w[CFG::n_out * CFG::n_in], const bias_t *b, const shift_t *sh) {
#pragma HLS INLINE
  typedef typename CFG::acc_t acc_t;
  // Banks are the plan's: in needs pf_in cyclic banks, out pf_out, the weights pf_in*pf_out (or words reshaped from
  // a multiple of that many weights). The emitter writes those pragmas where the arrays are declared
  // (src/emit/block.ts), so an array shared by layers of different parallelism gets one partition serving all.
  // The row, output and input loops form a perfect nest (the accumulators start and finish inside the innermost
  // body), which HLS flattens into one pipelined loop: it fills once, not once per output.
  acc_t acc[CFG::pf_out];
#pragma HLS ARRAY_PARTITION variable=acc complete
  clear<CFG::pf_out>(acc);
DenseRows:
  for (int r = 0; r < CFG::rows; r++) {
  DenseOut:
    for (int o0 = 0; o0 < CFG::n_out; o0 += CFG::pf_out) {
    DenseMac:
      for (int i0 = 0; i0 < CFG::n_in; i0 += CFG::pf_in) {
        // pf_out x pf_in multiply-accumulates per cycle; with the defaults (1 x 1) one MAC per cycle.
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
        dense_step<CFG, HAS_BIAS, HAS_SHIFT>(in, out, w, o0, r, o0, i0, acc, b, sh);
      }
    }
  }
}

// One streamed tile: outputs o0 .. o0 + pf_out - 1 of every row, their weights (pf_out rows of n_in) in tile.
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void dense_tile(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out], const typename CFG::weight_t tile[],
                int o0, const bias_t *b, const shift_t *sh) {
#pragma HLS INLINE off
  typedef typename CFG::acc_t acc_t;
  acc_t acc[CFG::pf_out];
#pragma HLS ARRAY_PARTITION variable=acc complete
  clear<CFG::pf_out>(acc);
DenseTileRows:
  for (int r = 0; r < CFG::rows; r++) {
  DenseTileMac:
    for (int i0 = 0; i0 < CFG::n_in; i0 += CFG::pf_in) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
      dense_step<CFG, HAS_BIAS, HAS_SHIFT>(in, out, tile, 0, r, o0, i0, acc, b, sh);
    }
  }
}

// Weights from DDR (stream.h): the weights of outputs o0 .. o0 + pf_out - 1 (one tile, in the image's order) are
// loaded into one buffer while the previous tile computes from the other. CFG adds word_bits, weight_bits,
// w_offset and word_t.
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void dense_stream_impl(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out], const typename CFG::word_t *wimg,
                       typename CFG::weight_t tile0[], typename CFG::weight_t tile1[], const bias_t *b, const shift_t *sh) {
#pragma HLS INLINE
  const int n = CFG::pf_out * CFG::n_in;
  const int tiles = CFG::n_out / CFG::pf_out;
  load_tile<CFG::word_bits, CFG::weight_bits, n>(wimg, CFG::w_offset, 0, tile0);
DenseTiles:
  for (int t = 0; t < tiles; t++) {
    if ((t & 1) == 0) {
      if (t + 1 < tiles) load_tile<CFG::word_bits, CFG::weight_bits, n>(wimg, CFG::w_offset, t + 1, tile1);
      dense_tile<CFG, HAS_BIAS, HAS_SHIFT>(in, out, tile0, t * CFG::pf_out, b, sh);
    } else {
      if (t + 1 < tiles) load_tile<CFG::word_bits, CFG::weight_bits, n>(wimg, CFG::w_offset, t + 1, tile0);
      dense_tile<CFG, HAS_BIAS, HAS_SHIFT>(in, out, tile1, t * CFG::pf_out, b, sh);
    }
  }
}

// fpgac::dense_stream<cfg>(in, out, wimg, tile0, tile1[, b[, sh]]): the three overloads of dense, weights from DDR.
template <class CFG, class in_t, class out_t>
void dense_stream(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out], const typename CFG::word_t *wimg,
                  typename CFG::weight_t tile0[], typename CFG::weight_t tile1[], const typename CFG::bias_t b[CFG::n_out]) {
#pragma HLS INLINE off
  dense_stream_impl<CFG, true, false>(in, out, wimg, tile0, tile1, b, b);
}

template <class CFG, class in_t, class out_t>
void dense_stream(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out], const typename CFG::word_t *wimg,
                  typename CFG::weight_t tile0[], typename CFG::weight_t tile1[], const typename CFG::bias_t b[CFG::n_out],
                  const typename CFG::shift_t sh[CFG::n_out]) {
#pragma HLS INLINE off
  dense_stream_impl<CFG, true, true>(in, out, wimg, tile0, tile1, b, sh);
}

template <class CFG, class in_t, class out_t>
void dense_stream(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out], const typename CFG::word_t *wimg,
                  typename CFG::weight_t tile0[], typename CFG::weight_t tile1[]) {
#pragma HLS INLINE off
  dense_stream_impl<CFG, false, false>(in, out, wimg, tile0, tile1, tile0, tile0);
}

// Dense with bias: fpgac::dense<cfg>(in, out, w, b).
template <class CFG, class in_t, class out_t>
void dense(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out],
           const typename CFG::weight_t w[CFG::n_out * CFG::n_in], const typename CFG::bias_t b[CFG::n_out]) {
  dense_impl<CFG, true, false>(in, out, w, b, w);
}

// Dense with per-output-channel weight precision (ChannelShift): fpgac::dense<cfg>(in, out, w, b, sh).
template <class CFG, class in_t, class out_t>
void dense(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out],
           const typename CFG::weight_t w[CFG::n_out * CFG::n_in], const typename CFG::bias_t b[CFG::n_out],
           const typename CFG::shift_t sh[CFG::n_out]) {
  dense_impl<CFG, true, true>(in, out, w, b, sh);
}

// Dense without bias: fpgac::dense<cfg>(in, out, w). The weight array stands in for the unused bias pointer so
// that no null pointer reaches synthesis.
template <class CFG, class in_t, class out_t>
void dense(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out],
           const typename CFG::weight_t w[CFG::n_out * CFG::n_in]) {
  dense_impl<CFG, false, false>(in, out, w, w, w);
}

// Dense with sparse weights (src/plan/sparse.ts): the zero weights of a pruned layer are neither stored nor given a
// cycle. Lane v of pf_in multipliers reads input bank v; step s holds one (value, index) pair per lane, value 0 where
// a lane has run out of non-zeros for the current output (padding). All outputs' steps form one pipelined loop and
// last[s] ends an output, so no cycles go to re-entering a loop per output. acc_t is exact (the plan only picks
// sparse then), so adding the products in this order gives the serial loop's bits.
//   CFG: rows, n_in, n_out, pf_in, steps; weight_t, index_t, last_t, acc_t, accs_t (and bias_t, shift_t).
template <class CFG, bool HAS_BIAS, bool HAS_SHIFT, class in_t, class out_t, class bias_t, class shift_t>
void dense_sparse_impl(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out],
                       const typename CFG::weight_t sv[CFG::steps * CFG::pf_in],
                       const typename CFG::index_t si[CFG::steps * CFG::pf_in],
                       const typename CFG::last_t sl[CFG::steps], const bias_t *b, const shift_t *sh) {
#pragma HLS INLINE
  typedef typename CFG::acc_t acc_t;
  // in, sv and si: pf_in cyclic banks (or reshaped words), as the plan says where they are declared.
SparseRows:
  for (int r = 0; r < CFG::rows; r++) {
    int o = 0;
    acc_t acc = 0;
    if (HAS_BIAS) acc = b[0];
  SparseSteps:
    for (int s = 0; s < CFG::steps; s++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
      acc_t sum = acc;
    SparseLanes:
      for (int v = 0; v < CFG::pf_in; v++) {
#pragma HLS UNROLL
        sum = sum + product<CFG>::of(in[r * CFG::n_in + si[s * CFG::pf_in + v].to_int() * CFG::pf_in + v], sv[s * CFG::pf_in + v]);
      }
      if (sl[s].to_int() != 0) {
        out[r * CFG::n_out + o] = finish<CFG, out_t>(shift_back<CFG, HAS_SHIFT>(sum, sh, o));
        o++;
        acc = 0;
        if (HAS_BIAS && o < CFG::n_out) acc = b[o];
      } else {
        acc = sum;
      }
    }
  }
}

// fpgac::dense_sparse<cfg>(in, out, values, indices, last[, b[, sh]]): the three overloads of dense, sparse.
template <class CFG, class in_t, class out_t>
void dense_sparse(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out],
                  const typename CFG::weight_t sv[CFG::steps * CFG::pf_in], const typename CFG::index_t si[CFG::steps * CFG::pf_in],
                  const typename CFG::last_t sl[CFG::steps], const typename CFG::bias_t b[CFG::n_out]) {
  dense_sparse_impl<CFG, true, false>(in, out, sv, si, sl, b, sv);
}

template <class CFG, class in_t, class out_t>
void dense_sparse(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out],
                  const typename CFG::weight_t sv[CFG::steps * CFG::pf_in], const typename CFG::index_t si[CFG::steps * CFG::pf_in],
                  const typename CFG::last_t sl[CFG::steps], const typename CFG::bias_t b[CFG::n_out],
                  const typename CFG::shift_t sh[CFG::n_out]) {
  dense_sparse_impl<CFG, true, true>(in, out, sv, si, sl, b, sh);
}

template <class CFG, class in_t, class out_t>
void dense_sparse(const in_t in[CFG::rows * CFG::n_in], out_t out[CFG::rows * CFG::n_out],
                  const typename CFG::weight_t sv[CFG::steps * CFG::pf_in], const typename CFG::index_t si[CFG::steps * CFG::pf_in],
                  const typename CFG::last_t sl[CFG::steps]) {
  dense_sparse_impl<CFG, false, false>(in, out, sv, si, sl, sv, sv);
}

// Batched matrix product of two tensors: fpgac::matmul<cfg>(a, b, out). A is [batch][m][k], B is [batch][k][n];
// a_batch_stride / b_batch_stride are m*k / k*n, or 0 where that operand is broadcast over the batch (then the
// array holds a single matrix, which is what the array bounds below evaluate to).
template <class CFG, class a_t, class b_t, class out_t>
void matmul(const a_t a[CFG::a_batch_stride * (CFG::batch - 1) + CFG::m * CFG::k],
            const b_t b[CFG::b_batch_stride * (CFG::batch - 1) + CFG::k * CFG::n],
            out_t out[CFG::batch * CFG::m * CFG::n]) {
  typedef typename CFG::acc_t acc_t;
MatMulBatch:
  for (int t = 0; t < CFG::batch; t++) {
  MatMulRows:
    for (int i = 0; i < CFG::m; i++) {
    MatMulCols:
      for (int j = 0; j < CFG::n; j++) {
        acc_t acc = 0;
      MatMulMac:
        for (int p = 0; p < CFG::k; p++) {
          // Same schedule as dense: one exact multiply-accumulate per cycle.
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
          acc = acc + a[t * CFG::a_batch_stride + i * CFG::k + p] * b[t * CFG::b_batch_stride + p * CFG::n + j];
        }
        // No fused activation: a plain assignment, i.e. out_t's quantization then overflow mode.
        out[(t * CFG::m + i) * CFG::n + j] = acc;
      }
    }
  }
}

}  // namespace fpgac

#endif
