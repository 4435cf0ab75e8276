// NumPy .npy reader/writer for the HLS C-simulation testbench (never synthesized).
// Mirrors src/npy.ts: same accepted dtypes/versions/byte orders, same error cases, and
// npy_save writes bytes identical to encodeNpy() / numpy.save (numpy >= 1.24) for float64.
// Header-only C++14, standard library only; everything is `inline` because several
// testbench translation units may include it.
#ifndef FPGAC_NPY_H
#define FPGAC_NPY_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace fpgac {

// Values widened to double, C (row-major) order. An empty shape is a 0-d scalar.
struct NpyArray {
  std::vector<size_t> shape;
  std::vector<double> data;
};

namespace npy_detail {

inline std::runtime_error error(const std::string& path, const std::string& msg) {
  return std::runtime_error("npy: " + path + ": " + msg);
}

struct PyValue {
  enum Kind { Str, Bool, Tuple } kind;
  std::string str;
  bool flag;
  std::vector<size_t> dims;
};

// Parses the subset of Python literal syntax that numpy's repr()-written header uses
// (plus Python 2 style `3L` and double-quoted strings written by other tools).
class HeaderParser {
 public:
  HeaderParser(const std::string& s, const std::string& path) : s_(s), path_(path), pos_(0) {}

  void dict(std::vector<std::pair<std::string, PyValue> >& out) {
    expect('{');
    while (peek() != '}') {
      std::string key = str();
      expect(':');
      for (size_t i = 0; i < out.size(); ++i)
        if (out[i].first == key) fail("header: duplicate key '" + key + "'");
      out.push_back(std::make_pair(key, value()));
      if (peek() == ',') ++pos_;
      else if (peek() != '}') fail("header: expected ',' or '}' at offset " + std::to_string(pos_));
    }
    ++pos_;
    peek();  // skip whitespace; compare positions since the header may contain NUL bytes
    if (pos_ != s_.size()) fail("header: trailing characters after the dict");
  }

 private:
  const std::string& s_;
  const std::string& path_;
  size_t pos_;

  void fail(const std::string& msg) const { throw error(path_, msg); }
  // Same whitespace set as Python's tokenizer (numpy parses the header with literal_eval).
  static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
  char peek() {
    while (pos_ < s_.size() && space(s_[pos_])) ++pos_;
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("header: expected '") + c + "' at offset " + std::to_string(pos_));
    ++pos_;
  }
  std::string str() {
    char q = peek();
    if (q != '\'' && q != '"') fail("header: expected a string at offset " + std::to_string(pos_));
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos) fail("header: unterminated string");
    std::string v = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return v;
  }
  size_t integer() {
    peek();
    const uint64_t kMax = (uint64_t(1) << 53) - 1;  // same limit as the TS reader
    size_t start = pos_;
    uint64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      v = v * 10 + uint64_t(s_[pos_++] - '0');
      if (v > kMax) fail("header: shape dimension is too large");
    }
    if (pos_ == start) fail("header: expected a non-negative integer in shape at offset " + std::to_string(pos_));
    if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;
    return size_t(v);
  }
  PyValue value() {
    PyValue v;
    v.flag = false;
    char c = peek();
    if (c == '\'' || c == '"') {
      v.kind = PyValue::Str;
      v.str = str();
    } else if (c == '[') {
      // Lists only occur in structured dtypes' descr, which we do not support.
      fail("unsupported descr: structured/record dtypes are not supported");
    } else if (c == '(') {
      const char close = ')';
      ++pos_;
      v.kind = PyValue::Tuple;
      while (peek() != close) {
        v.dims.push_back(integer());
        if (peek() == ',') ++pos_;
        else if (peek() != close) fail("header: malformed shape tuple at offset " + std::to_string(pos_));
      }
      ++pos_;
    } else if (s_.compare(pos_, 4, "True") == 0) {
      v.kind = PyValue::Bool;
      v.flag = true;
      pos_ += 4;
    } else if (s_.compare(pos_, 5, "False") == 0) {
      v.kind = PyValue::Bool;
      pos_ += 5;
    } else {
      fail("header: unsupported value at offset " + std::to_string(pos_) + " in " + s_);
    }
    return v;
  }
};

// Assembles an n-byte unsigned integer from the file's byte order, so decoding does not
// depend on the host's endianness.
inline uint64_t load_uint(const unsigned char* p, size_t n, bool little) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[little ? n - 1 - i : i];
  return v;
}

inline std::string shape_str(const std::vector<size_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace npy_detail

inline NpyArray npy_parse(const std::vector<unsigned char>& buf, const std::string& path) {
  using npy_detail::error;
  static const unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (buf.size() < 10) throw error(path, "file too short (" + std::to_string(buf.size()) + " bytes) to be a .npy file");
  if (std::memcmp(buf.data(), kMagic, 6) != 0) throw error(path, "bad magic: not a NumPy .npy file");
  const unsigned major = buf[6], minor = buf[7];
  size_t hstart, hlen;
  if (major == 1 && minor == 0) {
    hstart = 10;
    hlen = size_t(npy_detail::load_uint(&buf[8], 2, true));
  } else if ((major == 2 || major == 3) && minor == 0) {
    if (buf.size() < 12) throw error(path, "truncated header length field");
    hstart = 12;
    hlen = size_t(npy_detail::load_uint(&buf[8], 4, true));
  } else {
    throw error(path, "unsupported format version " + std::to_string(major) + "." + std::to_string(minor) +
                          " (supported: 1.0, 2.0, 3.0)");
  }
  if (hlen > buf.size() - hstart)
    throw error(path, "truncated header: needs " + std::to_string(hlen) + " bytes, only " +
                          std::to_string(buf.size() - hstart) + " present");
  // Header bytes are kept raw: the keys/values we accept are ASCII in latin1 and utf8 alike.
  const std::string header(buf.begin() + hstart, buf.begin() + hstart + hlen);
  std::vector<std::pair<std::string, npy_detail::PyValue> > dict;
  npy_detail::HeaderParser(header, path).dict(dict);

  const npy_detail::PyValue *descr = 0, *fortran = 0, *shape = 0;
  for (size_t i = 0; i < dict.size(); ++i) {
    if (dict[i].first == "descr") descr = &dict[i].second;
    else if (dict[i].first == "fortran_order") fortran = &dict[i].second;
    else if (dict[i].first == "shape") shape = &dict[i].second;
    else throw error(path, "unexpected header key '" + dict[i].first + "'");
  }
  if (!descr || !fortran || !shape) throw error(path, "header must contain descr, fortran_order and shape");
  if (descr->kind != npy_detail::PyValue::Str)
    throw error(path, "unsupported descr: structured/record dtypes are not supported");
  if (fortran->kind != npy_detail::PyValue::Bool) throw error(path, "'fortran_order' must be True or False");
  if (shape->kind != npy_detail::PyValue::Tuple) throw error(path, "'shape' must be a tuple of integers");

  const std::string& d = descr->str;
  const std::string unsupported = "unsupported descr '" + d + "' (supported: f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1)";
  char order = 0;
  std::string kind = d;
  if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) {
    order = d[0];
    kind = d.substr(1);
  }
  if (kind.size() != 2) throw error(path, unsupported);
  const char k = kind[0];
  const size_t itemsize = size_t(kind[1] - '0');
  const bool ok = (k == 'f' && (itemsize == 4 || itemsize == 8)) ||
                  ((k == 'i' || k == 'u') && (itemsize == 1 || itemsize == 2 || itemsize == 4 || itemsize == 8)) ||
                  (k == 'b' && itemsize == 1);
  if (!ok) throw error(path, unsupported);
  // '|' only makes sense for single bytes; '=' (native) is never written by numpy.
  if (order == '=' || (order != '<' && order != '>' && itemsize > 1))
    throw error(path, "unsupported byte order in descr '" + d + "' (expected '<' or '>')");
  const bool little = order != '>';

  NpyArray out;
  out.shape = shape->dims;
  size_t count = 1;
  for (size_t i = 0; i < out.shape.size(); ++i) {
    const size_t dim = out.shape[i];
    if (dim != 0 && count > (size_t(1) << 53) / dim) throw error(path, "shape " + npy_detail::shape_str(out.shape) + " is too large");
    count *= dim;
  }
  const size_t dstart = hstart + hlen;
  const size_t available = buf.size() - dstart;
  const size_t expected = count * itemsize;
  if (available < expected)
    throw error(path, "truncated data: expected " + std::to_string(expected) + " bytes for shape " +
                          npy_detail::shape_str(out.shape) + " " + d + ", got " + std::to_string(available));
  if (available > expected)
    throw error(path, std::to_string(available - expected) + " unexpected trailing bytes after the data");

  // Fortran order: first axis varies fastest on disk; walk the C-order index with an
  // odometer and keep the Fortran element offset in sync.
  const size_t nd = out.shape.size();
  const bool fortran_order = fortran->flag && nd >= 2;
  std::vector<size_t> fstride(nd), idx(nd, 0);
  for (size_t a = 0, s = 1; a < nd; ++a) { fstride[a] = s; s *= out.shape[a]; }

  const uint64_t kLimit = uint64_t(1) << 53;
  out.data.resize(count);
  size_t f = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t elem = fortran_order ? f : i;
    const uint64_t raw = npy_detail::load_uint(&buf[dstart + elem * itemsize], itemsize, little);
    double v;
    if (k == 'f' && itemsize == 4) {
      const uint32_t bits = uint32_t(raw);
      float x;
      std::memcpy(&x, &bits, 4);
      v = x;
    } else if (k == 'f') {
      std::memcpy(&v, &raw, 8);
    } else if (k == 'b') {
      v = raw != 0 ? 1.0 : 0.0;
    } else if (k == 'u') {
      if (raw > kLimit) throw error(path, "uint64 value " + std::to_string(raw) + " exceeds 2^53 and cannot be represented exactly as double");
      v = double(raw);
    } else {
      // Sign-extend to 64 bits, then reinterpret as two's complement.
      uint64_t ext = raw;
      if (itemsize < 8 && ((raw >> (8 * itemsize - 1)) & 1)) ext |= ~uint64_t(0) << (8 * itemsize);
      int64_t s;
      std::memcpy(&s, &ext, 8);
      if (s > int64_t(kLimit) || s < -int64_t(kLimit))
        throw error(path, "int64 value " + std::to_string(s) + " exceeds 2^53 and cannot be represented exactly as double");
      v = double(s);
    }
    out.data[i] = v;
    if (fortran_order) {
      for (size_t a = nd; a-- > 0;) {
        ++idx[a];
        f += fstride[a];
        if (idx[a] < out.shape[a]) break;
        f -= idx[a] * fstride[a];
        idx[a] = 0;
      }
    }
  }
  return out;
}

inline NpyArray npy_load(const std::string& path) {
  std::ifstream in(path.c_str(), std::ios::binary);
  if (!in) throw npy_detail::error(path, "cannot open file for reading");
  std::vector<unsigned char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw npy_detail::error(path, "read error");
  return npy_parse(buf, path);
}

// Serialises a C-order float64 array exactly as numpy.save does (see encodeHeader in src/npy.ts).
inline std::vector<unsigned char> npy_encode(const std::vector<size_t>& shape, const std::vector<double>& data) {
  size_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) count *= shape[i];
  if (count != data.size())
    throw std::runtime_error("npy: shape " + npy_detail::shape_str(shape) + " holds " + std::to_string(count) +
                             " elements but data has " + std::to_string(data.size()));
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + npy_detail::shape_str(shape) + ", }";
  // numpy reserves room for the first axis to grow to 21 digits.
  if (!shape.empty()) {
    const size_t digits = std::to_string(shape[0]).size();
    if (digits < 21) dict.append(21 - digits, ' ');
  }
  const size_t hlen = dict.size() + 1;                     // + '\n'
  size_t prefix = 10;
  size_t total = hlen + (64 - (prefix + hlen) % 64);       // aligned header still gets 64 spaces, like numpy
  if (total > 0xffff) {                                     // numpy falls back to version 2.0
    prefix = 12;
    total = hlen + (64 - (prefix + hlen) % 64);
  }
  std::vector<unsigned char> out;
  out.reserve(prefix + total + 8 * count);
  const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  for (unsigned char c : magic) out.push_back(c);  // (insert() of a range here trips a g++ 12 false warning)
  out.push_back(prefix == 10 ? 1 : 2);
  out.push_back(0);
  for (size_t i = 0; i < prefix - 8; ++i) out.push_back((unsigned char)((total >> (8 * i)) & 0xff));
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), total - dict.size() - 1, ' ');
  out.push_back('\n');
  for (size_t i = 0; i < count; ++i) {
    uint64_t bits;
    std::memcpy(&bits, &data[i], 8);
    for (int b = 0; b < 8; ++b) out.push_back((unsigned char)((bits >> (8 * b)) & 0xff));
  }
  return out;
}

inline void npy_save(const std::string& path, const std::vector<size_t>& shape, const std::vector<double>& data) {
  const std::vector<unsigned char> bytes = npy_encode(shape, data);
  std::ofstream out(path.c_str(), std::ios::binary | std::ios::trunc);
  if (!out) throw npy_detail::error(path, "cannot open file for writing");
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  out.close();
  if (!out) throw npy_detail::error(path, "write error");
}

}  // namespace fpgac

#endif  // FPGAC_NPY_H
