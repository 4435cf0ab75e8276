/*
 * fpgac C driver: Linux userspace access to an fpgac design on a Zynq board without PYNQ (the Python driver,
 * fpgac_driver.py, is the primary one). Two parts:
 *
 *  1. Data (portable C99, tested on the host against the simulator): double -> raw conversion exactly as
 *     sim/fixed.ts fromDouble (every quantization mode; overflow AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP with any
 *     N and AP_WRAP_SM; widths 1..64), raw -> double (the simulator's output doubles), and the packing of
 *     docs/deploy.md (per port: little-endian bus words, field k of word j = element j*per + k, fields of 8/16/32/64
 *     bits sign-extended for signed formats, last word zero-padded).
 *  2. Device (Linux): registers mapped through /dev/mem or /dev/uioN, the AXI DMA in direct register (simple)
 *     mode (PG021), the HLS IP's ap_ctrl_hs control register, and physically contiguous buffers from the u-dma-buf
 *     kernel module (/dev/udmabufN, mapped uncached with O_SYNC, so no cache maintenance is needed).
 *
 * Register offsets of the fpgac IP (batch, with m_axi the in<k>/out<k> pointers, and with weights from DDR the
 * fpgac_wimg pointer) are whatever HLS assigned: take them from the exported IP's driver header x<ip>_hw.h (e.g.
 * XFPGAC_TOP_AXIS_CONTROL_ADDR_BATCH_DATA, XFPGAC_TOP_AXIS_CONTROL_ADDR_FPGAC_WIMG_DATA); the control register
 * ap_ctrl_hs is always at offset 0x00. Physical base addresses come from the block design's address editor (or the
 * device tree / UIO).
 *
 * Weights from DDR (driver/design.json has a "weights" entry): the IP reads the weight image from DDR through its
 * m_axi_wimg master. The caller owns the image's buffer: a contiguous buffer of weights.bytes bytes (u-dma-buf),
 * filled from tb_data/weights.bin with fpgac_read_weights, whose physical address fpgac_set_weights writes into
 * the IP before the first fpgac_run_axis / fpgac_run_maxi. The buffer must stay allocated while the IP runs.
 *
 * Raws are int64_t; for ap_ufixed<64,...> they hold the uint64 bits.
 */
#ifndef FPGAC_DRIVER_H
#define FPGAC_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Quantization and overflow modes, numbered as the C++ enums of ap_decl.h. */
typedef enum {
  FPGAC_AP_RND = 0, FPGAC_AP_RND_ZERO, FPGAC_AP_RND_MIN_INF, FPGAC_AP_RND_INF, FPGAC_AP_RND_CONV, FPGAC_AP_TRN,
  FPGAC_AP_TRN_ZERO
} fpgac_qmode;
typedef enum { FPGAC_AP_SAT = 0, FPGAC_AP_SAT_ZERO, FPGAC_AP_SAT_SYM, FPGAC_AP_WRAP, FPGAC_AP_WRAP_SM } fpgac_omode;

/* ap_fixed<width, int_bits, q, o, n> (is_signed) or ap_ufixed<...>: value = raw * 2^-(width - int_bits). */
typedef struct {
  int width;
  int int_bits;
  int is_signed;
  fpgac_qmode q;
  fpgac_omode o;
  int n;
} fpgac_format;

/* One port's packing (driver/design.json: elements, fieldBits, perWord, wordsPerSample; busBits). */
typedef struct {
  fpgac_format format;
  uint32_t elements;
  uint32_t bus_bits;
  uint32_t field_bits;
  uint32_t per_word;
  uint32_t words_per_sample;
} fpgac_port;

/* 0 when the format is valid (width 1..64, |int_bits| <= 2^20, 0 <= n <= width, no unsigned AP_WRAP_SM), else -1. */
int fpgac_format_check(const fpgac_format *f);
/* The port of `elements` raws of format f on a bus of bus_bits (32..512), as src/deploy/packing.ts computes it.
 * -1 when the format is invalid or its raws do not fit the field (wider than the bus). */
int fpgac_port_init(fpgac_port *p, const fpgac_format *f, uint32_t elements, uint32_t bus_bits);
/* Bytes of one sample: words_per_sample * bus_bits / 8. */
size_t fpgac_sample_bytes(const fpgac_port *p);

/* double -> raw of f (f must pass fpgac_format_check). */
int64_t fpgac_from_double(double x, const fpgac_format *f);
/* raw -> its value raw * 2^-(width - int_bits) as the simulator computes it. */
double fpgac_to_double(int64_t raw, const fpgac_format *f);
void fpgac_to_raws(const double *x, size_t n, const fpgac_format *f, int64_t *raws);
void fpgac_to_doubles(const int64_t *raws, size_t n, const fpgac_format *f, double *x);

/* Packs `samples` samples of p->elements raws into samples * fpgac_sample_bytes(p) bytes. -1 (nothing defined
 * written) when a raw is outside the format's range. */
int fpgac_pack(const int64_t *raws, size_t samples, const fpgac_port *p, uint8_t *out);
/* Unpacks samples * fpgac_sample_bytes(p) bytes into samples * p->elements raws. */
void fpgac_unpack(const uint8_t *in, size_t samples, const fpgac_port *p, int64_t *raws);

/* Weights from DDR: reads the weight image file (design.json weights.file, e.g. tb_data/weights.bin) into `bytes`
 * bytes at dst (weights.bytes = words * wordBits / 8). 0 when the file holds exactly that many bytes; -1 when it
 * cannot be read (errno says why); -2 when its size differs (not this build's image; dst holds no defined image). */
int fpgac_read_weights(const char *path, uint8_t *dst, size_t bytes);

/* ------------------------------------------------------------------------------------------------------------ */
/* Device (Linux) */

#ifndef FPGAC_NO_DEVICE

/* AXI DMA direct register mode register map (PG021, "Direct Register Mode Register Address Map"). */
#define FPGAC_DMA_MM2S_DMACR 0x00u
#define FPGAC_DMA_MM2S_DMASR 0x04u
#define FPGAC_DMA_MM2S_SA 0x18u
#define FPGAC_DMA_MM2S_SA_MSB 0x1Cu
#define FPGAC_DMA_MM2S_LENGTH 0x28u
#define FPGAC_DMA_S2MM_DMACR 0x30u
#define FPGAC_DMA_S2MM_DMASR 0x34u
#define FPGAC_DMA_S2MM_DA 0x48u
#define FPGAC_DMA_S2MM_DA_MSB 0x4Cu
#define FPGAC_DMA_S2MM_LENGTH 0x58u
/* DMACR bits: run/stop, soft reset. DMASR bits: halted, idle, internal/slave/decode errors. */
#define FPGAC_DMACR_RS 0x1u
#define FPGAC_DMACR_RESET 0x4u
#define FPGAC_DMASR_HALTED 0x1u
#define FPGAC_DMASR_IDLE 0x2u
#define FPGAC_DMASR_ERRORS 0x70u

/* HLS ap_ctrl_hs control register. */
#define FPGAC_AP_CTRL 0x00u
#define FPGAC_AP_START 0x1u
#define FPGAC_AP_DONE 0x2u
#define FPGAC_AP_IDLE 0x4u

/* Error codes of the device functions. */
#define FPGAC_OK 0
#define FPGAC_ERR_OS (-1)      /* open/mmap/read failed: errno says why */
#define FPGAC_ERR_DMA (-2)     /* the DMA reported an error (DMASR bits 4..6) */
#define FPGAC_ERR_TIMEOUT (-3) /* not done within the timeout */
#define FPGAC_ERR_LENGTH (-4)  /* a receive got another length than one sample */

/* A mapped register window. */
typedef struct {
  volatile uint32_t *regs;
  void *map;
  size_t map_len;
} fpgac_mmio;

/* Maps len bytes at physical address phys of `dev` ("/dev/mem"; or "/dev/uioN" with phys = 0 for its first map). */
int fpgac_mmio_open(fpgac_mmio *m, const char *dev, uint64_t phys, size_t len);
void fpgac_mmio_close(fpgac_mmio *m);
uint32_t fpgac_read32(const fpgac_mmio *m, uint32_t offset);
void fpgac_write32(const fpgac_mmio *m, uint32_t offset, uint32_t value);

/* A physically contiguous buffer of the u-dma-buf module (/dev/<name>, /sys/class/u-dma-buf/<name>/phys_addr). */
typedef struct {
  uint8_t *virt;
  uint64_t phys;
  size_t size;
  int fd;
} fpgac_buffer;

int fpgac_buffer_open(fpgac_buffer *b, const char *name);
void fpgac_buffer_close(fpgac_buffer *b);

/* Resets both channels of an AXI DMA and sets them running. */
int fpgac_dma_init(const fpgac_mmio *dma, unsigned timeout_ms);
/* Starts an MM2S (memory -> stream) transfer of len bytes from addr. */
void fpgac_dma_send(const fpgac_mmio *dma, uint64_t addr, uint32_t len);
/* Arms an S2MM (stream -> memory) transfer into len bytes at addr; it ends at TLAST. */
void fpgac_dma_recv(const fpgac_mmio *dma, uint64_t addr, uint32_t len);
/* Waits until the channel (0: MM2S, 1: S2MM) is idle; *transferred (may be NULL) gets S2MM's received bytes. */
int fpgac_dma_wait(const fpgac_mmio *dma, int s2mm, unsigned timeout_ms, uint32_t *transferred);

/* HLS IP: write a 64-bit register pair (pointers), start, wait for ap_done. */
void fpgac_ip_write64(const fpgac_mmio *ip, uint32_t offset, uint64_t value);
void fpgac_ip_start(const fpgac_mmio *ip);
int fpgac_ip_wait(const fpgac_mmio *ip, unsigned timeout_ms);

/* Weights from DDR: writes the physical address of the weight image's buffer into the IP's 64-bit fpgac_wimg
 * register pair at wimg_offset (x<ip>_hw.h: X<IP>_CONTROL_ADDR_FPGAC_WIMG_DATA). Call it before the first start;
 * the register keeps its value across starts. */
void fpgac_set_weights(const fpgac_mmio *ip, uint32_t wimg_offset, uint64_t phys);

/* One stream port of an axis design: its DMA, the physical address of its packed samples, bytes per sample. */
typedef struct {
  const fpgac_mmio *dma;
  uint64_t phys;
  uint32_t sample_bytes;
} fpgac_stream;

/* Runs `batch` samples through an axis design: writes batch (at batch_offset), starts the IP, then per sample one
 * S2MM receive per output (TLAST ends it) and one MM2S send per input, and waits for ap_done. */
int fpgac_run_axis(const fpgac_mmio *ip, uint32_t batch_offset, const fpgac_stream *ins, int n_in,
                   const fpgac_stream *outs, int n_out, uint32_t batch, unsigned timeout_ms);
/* Runs `batch` samples through an m_axi design: writes each pointer register (ptr_offsets[i] <- phys[i], inputs
 * then outputs, as x<ip>_hw.h names them), batch, starts, waits for ap_done. */
int fpgac_run_maxi(const fpgac_mmio *ip, uint32_t batch_offset, const uint32_t *ptr_offsets, const uint64_t *phys,
                   int n_ptrs, uint32_t batch, unsigned timeout_ms);

#endif /* FPGAC_NO_DEVICE */

#ifdef __cplusplus
}
#endif

#endif /* FPGAC_DRIVER_H */
