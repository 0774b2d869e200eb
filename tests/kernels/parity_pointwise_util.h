// Helpers shared by the pointwise parity tests: the configurations every op is
// checked under (each backend under test at 1 and 3 threads, plus the AVX2 and
// AVX-512 kernel tables called directly when this CPU has them, so the AVX2
// path is tested on AVX-512 machines too), and one run() overload per op.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu_pointwise_ops.h"
#include "nmc/kernels/cpu_features.h"
#include "nmc/kernels/ops.h"
#include "nmc/kernels/thread_pool.h"
#include "parity.h"

namespace nmc::test::pw {

struct Config {
  std::string label;
  const Backend* backend = nullptr;
  const cpu::PointwiseKernels* table = nullptr;  // non-null: call that ISA's driver directly
  ThreadPool* pool = nullptr;
  Exec exec() const { return Exec{backend, pool}; }
};

inline ThreadPool* pool_of(int threads) {
  static ThreadPool p1(1), p3(3);
  return threads == 1 ? &p1 : &p3;
}

inline std::vector<Config> configs() {
  std::vector<Config> v;
  for (const Backend* b : backends_under_test()) {
    // These cases pass host tensors; a device backend needs transfer-based cases of its own.
    if (b->device() != Device::kCpu) continue;
    for (int t : {1, 3}) v.push_back({std::string(b->name()) + "/" + std::to_string(t) + "t", b, nullptr, pool_of(t)});
  }
  const CpuFeatures& f = cpu_features();
  if (f.avx2 && f.fma) v.push_back({"avx2-table/3t", &cpu_backend(), cpu::pointwise_kernels_avx2(), pool_of(3)});
  if (f.avx512f && f.avx512bw && f.avx512vl)
    v.push_back({"avx512-table/3t", &cpu_backend(), cpu::pointwise_kernels_avx512(), pool_of(3)});
  return v;
}

inline Status run(const Config& c, const UnaryArgs& a) { return c.table ? cpu::unary_with(c.table, c.exec(), a) : ops::unary(c.exec(), a); }
inline Status run(const Config& c, const BinaryArgs& a) { return c.table ? cpu::binary_with(c.table, c.exec(), a) : ops::binary(c.exec(), a); }
inline Status run(const Config& c, const SnakeArgs& a) { return c.table ? cpu::snake_with(c.table, c.exec(), a) : ops::snake(c.exec(), a); }
inline Status run(const Config& c, const GdnArgs& a) { return c.table ? cpu::gdn_with(c.table, c.exec(), a) : ops::gdn(c.exec(), a); }
inline Status run(const Config& c, const LayerNormArgs& a) { return c.table ? cpu::layer_norm_with(c.table, c.exec(), a) : ops::layer_norm(c.exec(), a); }
inline Status run(const Config& c, const RmsNormArgs& a) { return c.table ? cpu::rms_norm_with(c.table, c.exec(), a) : ops::rms_norm(c.exec(), a); }
inline Status run(const Config& c, const SoftmaxArgs& a) { return c.table ? cpu::softmax_with(c.table, c.exec(), a) : ops::softmax(c.exec(), a); }
inline Status run(const Config& c, const RopeArgs& a) { return c.table ? cpu::rope_with(c.table, c.exec(), a) : ops::rope(c.exec(), a); }
inline Status run(const Config& c, const AttentionArgs& a) { return c.table ? cpu::attention_with(c.table, c.exec(), a) : ops::attention(c.exec(), a); }

// A host copy of t (contiguous), so in-place cases can start from the same input.
inline Tensor clone(const Tensor& t) {
  Tensor c = zeros(t.shape(), t.dtype());
  if (t.nbytes()) std::memcpy(c.raw(), t.raw(), t.nbytes());
  return c;
}

}  // namespace nmc::test::pw
