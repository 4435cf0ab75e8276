/*
 * Host test of hw/driver/fpgac_driver.c (test/deploy/driver.test.ts): conversions and packing against the
 * TypeScript reference's vectors (vectors.ts: conv.cbin, pack.cbin). Prints one summary line
 *   conversions F formats V values M mismatches; to_double T values M mismatches; packing P cases B bytes M mismatches
 * and the first mismatches; exits 1 on any mismatch.
 *
 * Weights from DDR: driver_c_test --weights IMAGE BYTES OUT OFFSET PHYS reads IMAGE with fpgac_read_weights into a
 * BYTES-byte buffer and prints "read R" (its result); on 0 it writes the buffer to OUT. Built with the device part,
 * it then calls fpgac_set_weights(ip, OFFSET, PHYS) on a register window that is a plain array (no device) and prints
 * the window's 32-bit words that are not 0 as "reg 0xOFF 0xVALUE", so the test sees every register written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpgac_driver.h"

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *fh = fopen(path, "rb");
  if (!fh) { perror(path); exit(2); }
  fseek(fh, 0, SEEK_END);
  long n = ftell(fh);
  fseek(fh, 0, SEEK_SET);
  unsigned char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, fh) != (size_t)n) { perror(path); exit(2); }
  fclose(fh);
  *len = (size_t)n;
  return buf;
}

static size_t pos;
static const unsigned char *data;
static void take(void *dst, size_t n) { memcpy(dst, data + pos, n); pos += n; }

static int weights_main(int argc, char **argv) {
  if (argc != 7) { fprintf(stderr, "usage: %s --weights IMAGE BYTES OUT OFFSET PHYS\n", argv[0]); return 2; }
  const size_t bytes = (size_t)strtoull(argv[3], NULL, 0);
  unsigned char *buf = calloc(bytes + 1, 1);
  const int rc = fpgac_read_weights(argv[2], buf, bytes);
  printf("read %d\n", rc);
  if (rc == 0) {
    FILE *fh = fopen(argv[4], "wb");
    if (!fh || fwrite(buf, 1, bytes, fh) != bytes || fclose(fh) != 0) { perror(argv[4]); return 2; }
  }
#ifndef FPGAC_NO_DEVICE
  {
    static uint32_t window[64];
    fpgac_mmio ip;
    ip.regs = window;
    ip.map = NULL;
    ip.map_len = 0;
    fpgac_set_weights(&ip, (uint32_t)strtoul(argv[5], NULL, 0), (uint64_t)strtoull(argv[6], NULL, 0));
    for (unsigned i = 0; i < 64; i++) if (window[i]) printf("reg 0x%02x 0x%08lx\n", i * 4, (unsigned long)window[i]);
  }
#endif
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--weights") == 0) return weights_main(argc, argv);
  if (argc != 3) { fprintf(stderr, "usage: %s conv.cbin pack.cbin\n", argv[0]); return 2; }
  size_t len;
  long formats = 0, values = 0, bad = 0, tvalues = 0, tbad = 0, cases = 0, bytes = 0, pbad = 0, shown = 0;
  unsigned char *conv = slurp(argv[1], &len);
  data = conv;
  pos = 0;
  while (pos < len) {
    int32_t h[8];
    take(h, sizeof h);
    fpgac_format f = { h[0], h[1], h[2], (fpgac_qmode)h[3], (fpgac_omode)h[4], h[5] };
    if (fpgac_format_check(&f) != 0) { printf("format %d %d rejected\n", h[0], h[1]); bad++; }
    double *x = malloc(sizeof(double) * (size_t)h[6]);
    int64_t *want = malloc(sizeof(int64_t) * (size_t)h[6]);
    int64_t *traw = malloc(sizeof(int64_t) * (size_t)h[7]);
    double *tdbl = malloc(sizeof(double) * (size_t)h[7]);
    take(x, sizeof(double) * (size_t)h[6]);
    take(want, sizeof(int64_t) * (size_t)h[6]);
    take(traw, sizeof(int64_t) * (size_t)h[7]);
    take(tdbl, sizeof(double) * (size_t)h[7]);
    formats++;
    for (int i = 0; i < h[6]; i++) {
      int64_t got = fpgac_from_double(x[i], &f);
      values++;
      if (got != want[i]) {
        bad++;
        if (shown++ < 10) printf("from_double(%a) in <%d,%d,s=%d,q=%d,o=%d,n=%d> = %lld, want %lld\n", x[i], h[0], h[1], h[2], h[3], h[4], h[5], (long long)got, (long long)want[i]);
      }
    }
    for (int i = 0; i < h[7]; i++) {
      double got = fpgac_to_double(traw[i], &f);
      tvalues++;
      if (memcmp(&got, &tdbl[i], sizeof got) != 0) {
        tbad++;
        if (shown++ < 10) printf("to_double(%lld) in <%d,%d> = %a, want %a\n", (long long)traw[i], h[0], h[1], got, tdbl[i]);
      }
    }
    free(x); free(want); free(traw); free(tdbl);
  }
  unsigned char *pk = slurp(argv[2], &len);
  data = pk;
  pos = 0;
  while (pos < len) {
    int32_t h[11];
    take(h, sizeof h);
    fpgac_format f = { h[0], h[1], h[2], (fpgac_qmode)h[3], (fpgac_omode)h[4], h[5] };
    fpgac_port p;
    cases++;
    if (fpgac_port_init(&p, &f, (uint32_t)h[6], (uint32_t)h[7]) != 0 || p.field_bits != (uint32_t)h[9] || p.words_per_sample != (uint32_t)h[10]) {
      pbad++;
      printf("port <%d,%d> bus %d: field %u words %u, want %d %d\n", h[0], h[1], h[7], p.field_bits, p.words_per_sample, h[9], h[10]);
      break;
    }
    size_t n = (size_t)h[8] * (size_t)h[6], nb = (size_t)h[8] * fpgac_sample_bytes(&p);
    int64_t *raws = malloc(sizeof(int64_t) * n), *back = malloc(sizeof(int64_t) * n);
    unsigned char *want = malloc(nb), *got = malloc(nb);
    take(raws, sizeof(int64_t) * n);
    take(want, nb);
    if (fpgac_pack(raws, (size_t)h[8], &p, got) != 0 || memcmp(got, want, nb) != 0) {
      pbad++;
      if (shown++ < 10) printf("pack <%d,%d> bus %d elements %d differs\n", h[0], h[1], h[7], h[6]);
    } else {
      fpgac_unpack(got, (size_t)h[8], &p, back);
      if (memcmp(back, raws, sizeof(int64_t) * n) != 0) {
        pbad++;
        if (shown++ < 10) printf("unpack(pack(r)) != r for <%d,%d> bus %d\n", h[0], h[1], h[7]);
      }
    }
    bytes += (long)nb;
    /* A raw above the format is refused. */
    raws[0] = f.is_signed ? ((int64_t)1 << (f.width - 1)) : ((int64_t)1 << f.width);
    if (fpgac_pack(raws, 1, &p, got) == 0) { pbad++; printf("pack accepted raw %lld for <%d,%d>\n", (long long)raws[0], h[0], h[1]); }
    free(raws); free(back); free(want); free(got);
  }
  printf("conversions %ld formats %ld values %ld mismatches; to_double %ld values %ld mismatches; packing %ld cases %ld bytes %ld mismatches\n",
         formats, values, bad, tvalues, tbad, cases, bytes, pbad);
  free(conv);
  free(pk);
  return bad || tbad || pbad ? 1 : 0;
}
