// fpgac's host-side AXI4-Stream word types for C-simulation without the Xilinx tools (copied into each project's
// tb/hls). Same members as the tool's ap_axi_sdata.h: data, keep, strb, user, last, id, dest. The generated code uses
// ap_axiu<D, 1, 1, 1> (one-bit side channels, which every tool version accepts).
#ifndef FPGAC_AP_AXI_SDATA_H
#define FPGAC_AP_AXI_SDATA_H

#include "ap_int.h"

template <int D, int U, int TI, int TD>
struct ap_axiu {
  ap_uint<D> data;
  ap_uint<(D + 7) / 8> keep;
  ap_uint<(D + 7) / 8> strb;
  ap_uint<U> user;
  ap_uint<1> last;
  ap_uint<TI> id;
  ap_uint<TD> dest;
};

template <int D, int U, int TI, int TD>
struct ap_axis {
  ap_int<D> data;
  ap_uint<(D + 7) / 8> keep;
  ap_uint<(D + 7) / 8> strb;
  ap_uint<U> user;
  ap_uint<1> last;
  ap_uint<TI> id;
  ap_uint<TD> dest;
};

#endif
