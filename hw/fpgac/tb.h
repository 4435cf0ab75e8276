// Helpers of the generated testbenches (tb/tb.cpp): never synthesized. File shapes follow src/data.ts sampleDims: a
// tensor whose first dimension is 1 holds one sample along it ([N, rest...]); any other shape gets a leading sample
// axis, and a file of exactly its shape is one sample.
#ifndef FPGAC_TB_H
#define FPGAC_TB_H

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "npy.h"

namespace fpgac {

inline std::string output_path(const std::string &base, int k) {
  if (k == 0) return base;
  std::string stem = base.size() > 4 && base.substr(base.size() - 4) == ".npy" ? base.substr(0, base.size() - 4) : base;
  return stem + "." + std::to_string(k) + ".npy";
}

inline std::string shape_text(const std::vector<size_t> &s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); i++) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

// The number of samples in a file of a tensor with these sample dims and full shape; anything else is refused, as
// `fpgac sim` refuses it.
inline size_t samples_of(const NpyArray &a, const char *path, const std::vector<size_t> &dims, const std::vector<size_t> &full) {
  if ((full.empty() || full[0] != 1) && a.shape == full) return 1;
  bool ok = a.shape.size() == dims.size() + 1 && a.shape[0] >= 1;
  for (size_t i = 0; ok && i < dims.size(); i++) ok = a.shape[i + 1] == dims[i];
  if (!ok) throw std::runtime_error(std::string(path) + ": shape " + shape_text(a.shape) + ", expected [N" + (dims.empty() ? "" : ", ") + shape_text(dims).substr(1));
  return a.shape[0];
}

// Compares an output with the expected file: same shape, every value the same double. Prints the first mismatches.
inline bool same_bits(const std::vector<double> &got, const std::vector<size_t> &shape, const char *path, int k) {
  NpyArray e = npy_load(path);
  if (e.shape != shape) {
    std::fprintf(stderr, "fpgac csim: output %d has shape %s but %s has %s\n", k, shape_text(shape).c_str(), path, shape_text(e.shape).c_str());
    return false;
  }
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); i++) {
    if (got[i] == e.data[i]) continue;
    if (bad < 5) std::fprintf(stderr, "fpgac csim: output %d value %zu: %.17g, expected %.17g\n", k, i, got[i], e.data[i]);
    bad++;
  }
  if (bad) std::fprintf(stderr, "fpgac csim: MISMATCH: %zu of %zu values of output %d differ from %s\n", bad, got.size(), k, path);
  return bad == 0;
}

// Raw bus words as little-endian bytes (what a DMA buffer holds), to and from files.
template <int BUS, typename Word>
void write_words(const std::string &path, const std::vector<Word> &words) {
  std::vector<unsigned char> bytes;
  for (const Word &w : words)
    for (int b = 0; b < BUS / 8; b++) bytes.push_back((unsigned char)w.range(8 * b + 7, 8 * b).to_uint());
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) throw std::runtime_error(path + ": cannot write");
  std::fclose(f);
}

template <int BUS, typename Word>
std::vector<Word> read_words(const std::string &path, size_t count) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot read");
  std::vector<unsigned char> bytes(count * (BUS / 8));
  size_t got = std::fread(bytes.data(), 1, bytes.size(), f);
  unsigned char extra;
  bool more = std::fread(&extra, 1, 1, f) == 1;
  std::fclose(f);
  if (got != bytes.size() || more) throw std::runtime_error(path + ": expected exactly " + std::to_string(bytes.size()) + " bytes");
  std::vector<Word> words(count);
  for (size_t j = 0; j < count; j++)
    for (int b = 0; b < BUS / 8; b++) words[j].range(8 * b + 7, 8 * b) = bytes[j * (BUS / 8) + b];
  return words;
}

}  // namespace fpgac

#endif
