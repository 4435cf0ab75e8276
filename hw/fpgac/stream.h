// fpgac kernel library: weights streamed from DDR (src/plan/stream.ts, docs in ARCHITECTURE.md "Weights from DDR").
// A layer whose weights do not fit on chip reads them from the weight image, one m_axi port of BUS-bit words
// (tb_data/weights.bin in the project; the driver loads it into DDR), tile by tile into one of two on-chip buffers
// while the kernel computes on the other.
//
// Image layout: tile t of a layer is TILE_WORDS = ceil(N / PER) words from word offset + t * TILE_WORDS; element e of
// the tile is field e % PER of word e / PER, PER = BUS / W fields of exactly W bits (the raw, two's complement for a
// signed format), spare fields 0. Element e goes to index e of the tile buffer, whose cyclic banks (the kernel's
// parallel weight reads) then take the PER fields of one word in different banks when PER is at most their count.
#ifndef FPGAC_STREAM_H
#define FPGAC_STREAM_H

#include "ap_int.h"

namespace fpgac {

template <int BUS, int W, int N, class T>
void load_tile(const ap_uint<BUS> *wimg, long offset, int t, T tile[]) {
#pragma HLS INLINE off
  const int PER = BUS / W;
  const int WORDS = (N + PER - 1) / PER;
load_tile_words:
  for (int w = 0; w < WORDS; w++) {
#ifndef FPGAC_PIPELINE_TOP
#pragma HLS PIPELINE II=1
#endif
    const ap_uint<BUS> word = wimg[offset + (long)t * WORDS + w];
    for (int f = 0; f < PER; f++) {
#pragma HLS UNROLL
      if (w * PER + f < N) tile[w * PER + f].range(W - 1, 0) = word.range(f * W + W - 1, f * W);
    }
  }
}

}  // namespace fpgac

#endif
