// oneDNN plumbing shared by the dense CPU ops: the engine, a thread-safe
// primitive cache, OpenMP thread control and execution with a per-call
// scratchpad. oneDNN throws dnnl::error; every function here that can throw is
// called inside try blocks in cpu_dense_*.cpp, which turn errors into Status
// (primitive creation failures become kUnsupported, so the reference runs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>

#include "nmc/kernels/buffer_pool.h"
#include "nmc/kernels/ops.h"

namespace nmc::cpu::dnnl_util {

// The process-wide CPU engine.
const dnnl::engine& engine();

// Threads an op on `exec` may use: exec.pool's size, or 1 without a pool.
int exec_threads(const Exec& exec);

// Sets the OpenMP thread count of the calling thread (oneDNN's runtime here)
// for its lifetime, so primitives created and executed in that scope use it,
// and restores the caller's previous setting afterwards.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int n);
  ~ScopedOmpThreads();
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int previous_;
};

// Builds cache keys: "tag|v0,v1,...".
class Key {
 public:
  explicit Key(const char* tag) : s_(tag) { s_ += '|'; }
  Key& add(int64_t v) {
    s_ += std::to_string(v);
    s_ += ',';
    return *this;
  }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// Returns the cached object for `key`, or builds it with `make` (which may
// throw dnnl::error) and caches it. Entries are immutable once cached and are
// shared; the cache is bounded (cleared when it grows past a limit).
std::shared_ptr<const void> cached_any(const std::string& key, const std::function<std::shared_ptr<const void>()>& make);

template <class T, class Make>
std::shared_ptr<const T> cached(const std::string& key, Make make) {
  return std::static_pointer_cast<const T>(
      cached_any(key, [&]() -> std::shared_ptr<const void> { return std::make_shared<const T>(make()); }));
}

// A temporary host buffer of `bytes` bytes from `pool` (or plain allocation
// without one), returned on destruction. Throws std::bad_alloc.
class TempBuffer {
 public:
  TempBuffer(HostBufferPool* pool, size_t bytes);
  ~TempBuffer();
  TempBuffer(const TempBuffer&) = delete;
  TempBuffer& operator=(const TempBuffer&) = delete;
  void* data() const { return p_; }
  float* floats() const { return static_cast<float*>(p_); }

 private:
  HostBufferPool* pool_;
  void* p_;
};

// A oneDNN memory for `md` on a TempBuffer.
class TempMemory {
 public:
  TempMemory(HostBufferPool* pool, const dnnl::memory::desc& md)
      : buf_(pool, md.get_size()), mem_(md, engine(), buf_.data()) {}
  const dnnl::memory& get() const { return mem_; }

 private:
  TempBuffer buf_;
  dnnl::memory mem_;
};

// Executes `prim` on a fresh stream with its own scratchpad (primitives must be
// created with scratchpad_mode::user; the scratchpad comes from `pool` when
// given) and waits for it.
void execute(const dnnl::primitive& prim, const dnnl::memory::desc& scratchpad,
             std::unordered_map<int, dnnl::memory> args, HostBufferPool* pool = nullptr);

// Primitive attributes with a user-managed scratchpad (thread-safe reuse of
// cached primitives).
dnnl::primitive_attr user_scratchpad_attr();

}  // namespace nmc::cpu::dnnl_util
