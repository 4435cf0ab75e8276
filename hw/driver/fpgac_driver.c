/*
 * fpgac C driver (see fpgac_driver.h). The conversion transcribes sim/fixed.ts (castRaw on the double's exact
 * mantissa and exponent) with 64-bit integer arithmetic only: x = m * 2^(e - 52) with |m| < 2^53 read from the bit
 * fields the way the official ap_fixed header reads a double, so x * 2^F = m * 2^k. For k < 0 the floor is a
 * shift and the dropped bits compare with half an LSB exactly; for k >= 0 the value is m << k, of which the
 * overflow modes only need the residue mod 2^64 (0 once k >= 64) and whether it fits 65 bits (k <= 11).
 */
#ifndef FPGAC_NO_DEVICE
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64
#endif

#include "fpgac_driver.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef FPGAC_NO_DEVICE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#endif

/* ------------------------------------------------------------------------------------------------------------ */
/* Formats and conversions */

static uint64_t low_mask(int bits) { return bits >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << bits) - 1); }

static int64_t as_signed(uint64_t u) {
  int64_t s;
  memcpy(&s, &u, sizeof s);
  return s;
}

int fpgac_format_check(const fpgac_format *f) {
  if (f->width < 1 || f->width > 64) return -1;
  if (f->int_bits < -(1 << 20) || f->int_bits > (1 << 20)) return -1;
  if ((int)f->q < 0 || f->q > FPGAC_AP_TRN_ZERO || (int)f->o < 0 || f->o > FPGAC_AP_WRAP_SM) return -1;
  if (f->n < 0 || f->n > f->width) return -1;
  if (!f->is_signed && f->o == FPGAC_AP_WRAP_SM) return -1;
  return 0;
}

/* The format's raw range as two's complement bits; lo is AP_SAT_SYM's -max for signed widths above 1. */
static uint64_t max_raw(const fpgac_format *f) { return f->is_signed ? low_mask(f->width - 1) : low_mask(f->width); }
static uint64_t min_raw_bits(const fpgac_format *f) { return f->is_signed ? ~low_mask(f->width - 1) : 0; }
static uint64_t lo_bits(const fpgac_format *f) {
  if (f->is_signed && f->o == FPGAC_AP_SAT_SYM && f->width > 1) return ~max_raw(f) + 1;
  return min_raw_bits(f);
}

static int rounds_up(fpgac_qmode q, int cmp, int neg, int odd) {
  switch (q) {
    case FPGAC_AP_TRN: return 0;
    case FPGAC_AP_TRN_ZERO: return neg;
    case FPGAC_AP_RND: return cmp >= 0;
    case FPGAC_AP_RND_ZERO: return cmp > 0 || (cmp == 0 && neg);
    case FPGAC_AP_RND_MIN_INF: return cmp > 0;
    case FPGAC_AP_RND_INF: return cmp > 0 || (cmp == 0 && !neg);
    case FPGAC_AP_RND_CONV: return cmp > 0 || (cmp == 0 && odd);
  }
  return 0;
}

static uint64_t sign_extend(uint64_t code, int width) {
  if (width >= 64) return code;
  return (code >> (width - 1)) & 1 ? code | ~low_mask(width) : code;
}

/* AP_WRAP with N > 0 and AP_WRAP_SM on an out-of-range value (sim/fixed.ts wrapPlan): the W - keep head bits
 * become `top` then copies of `rest`, the keep low bits of the wrapped code stay, inverted if `invert`. */
static uint64_t wrap_rewrite(uint64_t code, int neg, unsigned ld, const fpgac_format *f) {
  const int w = f->width, n = f->n;
  const unsigned s = neg ? 1u : 0u;
  const unsigned topbit = (unsigned)((code >> (w - 1)) & 1);
  int keep;
  unsigned top, rest, invert;
  if (f->o == FPGAC_AP_WRAP) {
    keep = w - n;
    top = f->is_signed ? s : 1u;
    rest = f->is_signed ? 1u - s : 1u;
    invert = 0;
  } else if (n == 0) {
    keep = w - 1; top = ld; rest = 0; invert = ld != topbit;
  } else if (n == 1) {
    keep = w - 1; top = s; rest = 0; invert = s != topbit;
  } else {
    keep = w - n; top = s; rest = 1u - s; invert = (unsigned)((code >> (w - n)) & 1) == s;
  }
  const uint64_t span_mask = low_mask(keep);
  uint64_t low = code & span_mask;
  if (invert) low = span_mask - low;
  const uint64_t rest_bits = (uint64_t)1 << (w - keep - 1);
  const uint64_t head = top * rest_bits + rest * (rest_bits - 1);
  return (head << keep) | low;
}

int64_t fpgac_from_double(double x, const fpgac_format *f) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  const int w = f->width;
  const int src_neg = (int)(bits >> 63);
  const int64_t efield = (int64_t)((bits >> 52) & 0x7FF);
  const int64_t fpart = (int64_t)(bits & low_mask(52));
  if (efield == 0 && fpart == 0) return 0;
  const int64_t mant = fpart | ((int64_t)1 << 52); /* the header always sets the hidden bit */
  const int64_t m = src_neg ? -mant : mant;
  const int64_t k = efield - 1075 + (int64_t)(f->width - f->int_bits); /* x * 2^F = m * 2^k */
  const uint64_t mu = (uint64_t)m;                                      /* two's complement bits of m */
  uint64_t res;   /* the rounded value r mod 2^64 */
  int neg, fits;  /* r < 0; r in [-2^64, 2^64) */
  int64_t t = 0;  /* floor(x * 2^F) when k < 0 */
  if (k < 0) {
    int64_t sh = -k, mc = m;
    if (sh > 53) { mc = m < 0 ? -1 : 1; sh = 2; } /* same floor, comparison and parity (fixed.ts castNum) */
    const int64_t p = (int64_t)1 << sh;
    t = mc >= 0 ? mc / p : -((-mc + p - 1) / p); /* floor */
    const int64_t rem = mc - t * p;               /* [0, p) */
    const int64_t half = p / 2;
    const int cmp = rem > half ? 1 : rem == half ? 0 : -1;
    const int64_t r = t + (rem != 0 && rounds_up(f->q, cmp, src_neg, (int)((uint64_t)t & 1)) ? 1 : 0);
    res = (uint64_t)r;
    neg = r < 0;
    fits = 1;
  } else {
    res = k >= 64 ? 0 : mu << k;
    neg = m < 0;
    fits = k <= 11;
  }
  int in_range;
  if (!fits) in_range = 0;
  else if (f->is_signed) in_range = neg ? res >= lo_bits(f) : res <= max_raw(f);
  else in_range = !neg && res <= max_raw(f);
  if (in_range) return as_signed(res);
  switch (f->o) {
    case FPGAC_AP_SAT:
    case FPGAC_AP_SAT_SYM: return as_signed(neg ? lo_bits(f) : max_raw(f));
    case FPGAC_AP_SAT_ZERO: return 0;
    default: break;
  }
  uint64_t code = res & low_mask(w);
  if (!(f->o == FPGAC_AP_WRAP && f->n == 0)) {
    unsigned ld; /* bit W of floor(x * 2^F), before rounding */
    if (k < 0) ld = w >= 63 ? (t < 0) : (unsigned)(((uint64_t)t >> w) & 1);
    else if (k > w) ld = 0;
    else ld = (w - k) >= 63 ? (m < 0) : (unsigned)((mu >> (w - k)) & 1);
    code = wrap_rewrite(code, neg, ld, f);
  }
  return as_signed(f->is_signed ? sign_extend(code, w) : code);
}

double fpgac_to_double(int64_t raw, const fpgac_format *f) {
  const int e = f->int_bits - f->width;
  const int e1 = e / 2; /* C division truncates, as Math.trunc(e / 2) */
  const double v = (!f->is_signed && f->width == 64) ? (double)(uint64_t)raw : (double)raw;
  return v * ldexp(1.0, e1) * ldexp(1.0, e - e1);
}

void fpgac_to_raws(const double *x, size_t n, const fpgac_format *f, int64_t *raws) {
  for (size_t i = 0; i < n; i++) raws[i] = fpgac_from_double(x[i], f);
}

void fpgac_to_doubles(const int64_t *raws, size_t n, const fpgac_format *f, double *x) {
  for (size_t i = 0; i < n; i++) x[i] = fpgac_to_double(raws[i], f);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Packing */

int fpgac_port_init(fpgac_port *p, const fpgac_format *f, uint32_t elements, uint32_t bus_bits) {
  if (fpgac_format_check(f) != 0) return -1;
  if (bus_bits != 32 && bus_bits != 64 && bus_bits != 128 && bus_bits != 256 && bus_bits != 512) return -1;
  uint32_t field = f->width <= 8 ? 8 : f->width <= 16 ? 16 : f->width <= 32 ? 32 : 64;
  if (field > bus_bits) return -1; /* packing.ts would cut the raws to the bus width */
  p->format = *f;
  p->elements = elements;
  p->bus_bits = bus_bits;
  p->field_bits = field;
  p->per_word = bus_bits / field;
  p->words_per_sample = (elements + p->per_word - 1) / p->per_word;
  return 0;
}

size_t fpgac_sample_bytes(const fpgac_port *p) { return (size_t)p->words_per_sample * (p->bus_bits / 8); }

int fpgac_pack(const int64_t *raws, size_t samples, const fpgac_port *p, uint8_t *out) {
  const size_t bytes = fpgac_sample_bytes(p);
  const uint32_t fb = p->field_bits / 8;
  const fpgac_format *f = &p->format;
  const int unsigned64 = !f->is_signed && f->width == 64;
  for (size_t i = 0; i < samples * p->elements; i++) {
    const int64_t r = raws[i];
    if (unsigned64) continue;
    if (f->is_signed ? (r < as_signed(min_raw_bits(f)) || r > (int64_t)max_raw(f)) : (r < 0 || (uint64_t)r > max_raw(f))) return -1;
  }
  for (size_t s = 0; s < samples; s++) {
    uint8_t *o = out + s * bytes;
    memset(o, 0, bytes);
    /* Field k of word j sits at byte (j * per + k) * fb: fields follow each other, little-endian. */
    for (uint32_t i = 0; i < p->elements; i++) {
      const uint64_t v = (uint64_t)raws[s * p->elements + i];
      for (uint32_t b = 0; b < fb; b++) o[(size_t)i * fb + b] = (uint8_t)(v >> (8 * b));
    }
  }
  return 0;
}

void fpgac_unpack(const uint8_t *in, size_t samples, const fpgac_port *p, int64_t *raws) {
  const size_t bytes = fpgac_sample_bytes(p);
  const uint32_t fb = p->field_bits / 8;
  for (size_t s = 0; s < samples; s++) {
    const uint8_t *src = in + s * bytes;
    for (uint32_t i = 0; i < p->elements; i++) {
      uint64_t v = 0;
      for (uint32_t b = 0; b < fb; b++) v |= (uint64_t)src[(size_t)i * fb + b] << (8 * b);
      raws[s * p->elements + i] = as_signed(p->format.is_signed ? sign_extend(v, (int)p->field_bits) : v);
    }
  }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Weights from DDR */

int fpgac_read_weights(const char *path, uint8_t *dst, size_t bytes) {
  FILE *fh = fopen(path, "rb");
  if (!fh) return -1;
  const size_t got = fread(dst, 1, bytes, fh);
  const int more = got == bytes && fgetc(fh) != EOF; /* a longer file is not this image either */
  const int err = ferror(fh);
  fclose(fh);
  if (err) return -1;
  return got == bytes && !more ? 0 : -2;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Device */

#ifndef FPGAC_NO_DEVICE

int fpgac_mmio_open(fpgac_mmio *m, const char *dev, uint64_t phys, size_t len) {
  const long page = sysconf(_SC_PAGESIZE);
  const uint64_t base = phys & ~(uint64_t)(page - 1);
  const size_t skip = (size_t)(phys - base);
  m->regs = NULL;
  m->map = NULL;
  m->map_len = 0;
  const int fd = open(dev, O_RDWR | O_SYNC);
  if (fd < 0) return FPGAC_ERR_OS;
  void *p = mmap(NULL, len + skip, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)base);
  const int err = errno;
  close(fd);
  if (p == MAP_FAILED) {
    errno = err;
    return FPGAC_ERR_OS;
  }
  m->map = p;
  m->map_len = len + skip;
  m->regs = (volatile uint32_t *)((uint8_t *)p + skip);
  return FPGAC_OK;
}

void fpgac_mmio_close(fpgac_mmio *m) {
  if (m->map) munmap(m->map, m->map_len);
  m->map = NULL;
  m->regs = NULL;
}

uint32_t fpgac_read32(const fpgac_mmio *m, uint32_t offset) { return m->regs[offset / 4]; }
void fpgac_write32(const fpgac_mmio *m, uint32_t offset, uint32_t value) { m->regs[offset / 4] = value; }

static int read_sysfs_u64(const char *path, uint64_t *v) {
  FILE *fh = fopen(path, "r");
  if (!fh) return FPGAC_ERR_OS;
  unsigned long long x = 0;
  const int ok = fscanf(fh, "%lli", (long long *)&x) == 1;
  fclose(fh);
  if (!ok) {
    errno = EINVAL;
    return FPGAC_ERR_OS;
  }
  *v = x;
  return FPGAC_OK;
}

int fpgac_buffer_open(fpgac_buffer *b, const char *name) {
  char path[256];
  uint64_t size = 0;
  b->virt = NULL;
  b->fd = -1;
  snprintf(path, sizeof path, "/sys/class/u-dma-buf/%s/phys_addr", name);
  if (read_sysfs_u64(path, &b->phys) != FPGAC_OK) return FPGAC_ERR_OS;
  snprintf(path, sizeof path, "/sys/class/u-dma-buf/%s/size", name);
  if (read_sysfs_u64(path, &size) != FPGAC_OK) return FPGAC_ERR_OS;
  b->size = (size_t)size;
  snprintf(path, sizeof path, "/dev/%s", name);
  b->fd = open(path, O_RDWR | O_SYNC); /* O_SYNC: uncached mapping, no cache maintenance needed */
  if (b->fd < 0) return FPGAC_ERR_OS;
  void *p = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    close(b->fd);
    b->fd = -1;
    errno = err;
    return FPGAC_ERR_OS;
  }
  b->virt = (uint8_t *)p;
  return FPGAC_OK;
}

void fpgac_buffer_close(fpgac_buffer *b) {
  if (b->virt) munmap(b->virt, b->size);
  if (b->fd >= 0) close(b->fd);
  b->virt = NULL;
  b->fd = -1;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int fpgac_dma_init(const fpgac_mmio *dma, unsigned timeout_ms) {
  /* The soft reset resets the whole core (both channels); the bit clears itself when the reset is done. */
  fpgac_write32(dma, FPGAC_DMA_MM2S_DMACR, FPGAC_DMACR_RESET);
  const double end = now_ms() + timeout_ms;
  while (fpgac_read32(dma, FPGAC_DMA_MM2S_DMACR) & FPGAC_DMACR_RESET) {
    if (now_ms() > end) return FPGAC_ERR_TIMEOUT;
  }
  fpgac_write32(dma, FPGAC_DMA_MM2S_DMACR, FPGAC_DMACR_RS);
  fpgac_write32(dma, FPGAC_DMA_S2MM_DMACR, FPGAC_DMACR_RS);
  return FPGAC_OK;
}

void fpgac_dma_send(const fpgac_mmio *dma, uint64_t addr, uint32_t len) {
  fpgac_write32(dma, FPGAC_DMA_MM2S_SA, (uint32_t)addr);
  fpgac_write32(dma, FPGAC_DMA_MM2S_SA_MSB, (uint32_t)(addr >> 32));
  fpgac_write32(dma, FPGAC_DMA_MM2S_LENGTH, len); /* writing the length starts the transfer */
}

void fpgac_dma_recv(const fpgac_mmio *dma, uint64_t addr, uint32_t len) {
  fpgac_write32(dma, FPGAC_DMA_S2MM_DA, (uint32_t)addr);
  fpgac_write32(dma, FPGAC_DMA_S2MM_DA_MSB, (uint32_t)(addr >> 32));
  fpgac_write32(dma, FPGAC_DMA_S2MM_LENGTH, len);
}

int fpgac_dma_wait(const fpgac_mmio *dma, int s2mm, unsigned timeout_ms, uint32_t *transferred) {
  const uint32_t sr = s2mm ? FPGAC_DMA_S2MM_DMASR : FPGAC_DMA_MM2S_DMASR;
  const double end = now_ms() + timeout_ms;
  for (;;) {
    const uint32_t st = fpgac_read32(dma, sr);
    if (st & FPGAC_DMASR_ERRORS) return FPGAC_ERR_DMA;
    if (st & FPGAC_DMASR_IDLE) break;
    if (now_ms() > end) return FPGAC_ERR_TIMEOUT;
  }
  if (transferred) *transferred = s2mm ? fpgac_read32(dma, FPGAC_DMA_S2MM_LENGTH) : 0;
  return FPGAC_OK;
}

void fpgac_ip_write64(const fpgac_mmio *ip, uint32_t offset, uint64_t value) {
  fpgac_write32(ip, offset, (uint32_t)value);
  fpgac_write32(ip, offset + 4, (uint32_t)(value >> 32));
}

void fpgac_ip_start(const fpgac_mmio *ip) { fpgac_write32(ip, FPGAC_AP_CTRL, FPGAC_AP_START); }

int fpgac_ip_wait(const fpgac_mmio *ip, unsigned timeout_ms) {
  const double end = now_ms() + timeout_ms;
  for (;;) {
    const uint32_t c = fpgac_read32(ip, FPGAC_AP_CTRL);
    if ((c & FPGAC_AP_DONE) || ((c & FPGAC_AP_IDLE) && !(c & FPGAC_AP_START))) return FPGAC_OK;
    if (now_ms() > end) return FPGAC_ERR_TIMEOUT;
  }
}

void fpgac_set_weights(const fpgac_mmio *ip, uint32_t wimg_offset, uint64_t phys) { fpgac_ip_write64(ip, wimg_offset, phys); }

int fpgac_run_axis(const fpgac_mmio *ip, uint32_t batch_offset, const fpgac_stream *ins, int n_in,
                   const fpgac_stream *outs, int n_out, uint32_t batch, unsigned timeout_ms) {
  int rc;
  fpgac_write32(ip, batch_offset, batch);
  fpgac_ip_start(ip);
  for (uint32_t s = 0; s < batch; s++) {
    /* One receive per sample and output: the IP ends each sample with TLAST, which ends a direct-mode transfer. */
    for (int k = 0; k < n_out; k++) fpgac_dma_recv(outs[k].dma, outs[k].phys + (uint64_t)s * outs[k].sample_bytes, outs[k].sample_bytes);
    for (int k = 0; k < n_in; k++) {
      fpgac_dma_send(ins[k].dma, ins[k].phys + (uint64_t)s * ins[k].sample_bytes, ins[k].sample_bytes);
      if ((rc = fpgac_dma_wait(ins[k].dma, 0, timeout_ms, NULL)) != FPGAC_OK) return rc;
    }
    for (int k = 0; k < n_out; k++) {
      uint32_t got = 0;
      if ((rc = fpgac_dma_wait(outs[k].dma, 1, timeout_ms, &got)) != FPGAC_OK) return rc;
      if (got != 0 && got != outs[k].sample_bytes) return FPGAC_ERR_LENGTH;
    }
  }
  return fpgac_ip_wait(ip, timeout_ms);
}

int fpgac_run_maxi(const fpgac_mmio *ip, uint32_t batch_offset, const uint32_t *ptr_offsets, const uint64_t *phys,
                   int n_ptrs, uint32_t batch, unsigned timeout_ms) {
  for (int i = 0; i < n_ptrs; i++) fpgac_ip_write64(ip, ptr_offsets[i], phys[i]);
  fpgac_write32(ip, batch_offset, batch);
  fpgac_ip_start(ip);
  return fpgac_ip_wait(ip, timeout_ms);
}

#endif /* FPGAC_NO_DEVICE */
