// fpgac's host-side hls::stream for C-simulation without the Xilinx tools (copied into each project's tb/hls).
// The subset of the Vitis HLS API the generated code and testbenches use: a FIFO of T with read/write/empty/full/
// size and the stream operators. Synthesis uses the tool's own header: this one is found only when no Vitis include
// folder comes first on the include path. Unlike the tool's header, reading an empty stream stops the program with a
// message instead of returning a default value: a testbench that reads more words than the design wrote is wrong,
// and C-simulation should say so rather than compare zeros.
#ifndef FPGAC_HLS_STREAM_H
#define FPGAC_HLS_STREAM_H

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace hls {

template <typename T>
class stream {
 public:
  stream() : name_("hls::stream") {}
  explicit stream(const char* name) : name_(name) {}
  // Copying a stream would duplicate its contents; the tools forbid it as well.
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  bool empty() const { return q_.empty(); }
  bool full() const { return false; }
  size_t size() const { return q_.size(); }

  void write(const T& v) { q_.push_back(v); }
  bool write_nb(const T& v) {
    write(v);
    return true;
  }
  T read() {
    if (q_.empty()) {
      std::fprintf(stderr, "error: %s is read while empty (the design or the testbench reads more than was written)\n", name_.c_str());
      std::exit(2);
    }
    T v = q_.front();
    q_.pop_front();
    return v;
  }
  void read(T& v) { v = read(); }
  bool read_nb(T& v) {
    if (q_.empty()) return false;
    v = read();
    return true;
  }
  void operator<<(const T& v) { write(v); }
  void operator>>(T& v) { v = read(); }

 private:
  std::string name_;
  std::deque<T> q_;
};

}  // namespace hls

#endif
