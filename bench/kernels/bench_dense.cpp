// Dense kernel benchmarks: machine ceilings (fp32/bf16 peak, read bandwidth),
// matmul 4096x896x4864 (f32 and bf16 weights), GEMV 1x896x4864 (f32, bf16),
// conv2d 128->128 5x5/2 at 768x512, and oneDNN conv vs the scalar reference.
// The Arg of each benchmark is the thread count. Counters:
//   GFLOP/s, pct_peak (of the measured peak at that thread count),
//   GB/s, pct_bw (of the measured read bandwidth at that thread count).
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <mutex>
#include <random>

#include "bench_dense_peak_avx512.h"
#include "nmc/kernels/backend.h"
#include "nmc/kernels/cpu_features.h"
#include "nmc/kernels/ops.h"
#include "nmc/kernels/thread_pool.h"

namespace {

using namespace nmc;

// Ceilings are measured once per (kind, threads) and reused by later benchmarks.
double ceiling(const char* kind, int threads) {
  static std::mutex mu;
  static std::map<std::pair<std::string, int>, double> cache;
  std::lock_guard<std::mutex> lk(mu);
  auto key = std::make_pair(std::string(kind), threads);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  double v = 0;
  const std::string k = kind;
  if (k == "fp32") v = bench::measure_peak_gflops(threads, false);
  else if (k == "bf16") v = bench::measure_peak_gflops(threads, true);
  else v = bench::measure_read_gbps(threads);
  cache[key] = v;
  return v;
}

Tensor random_tensor(const Shape& s, DType dt, uint32_t seed) {
  Tensor t = Tensor::zeros(s, dt).value();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float f = u(rng);
    if (dt == DType::kF32) t.data<float>()[i] = f;
    else t.data<uint16_t>()[i] = f32_to_bf16(f);
  }
  return t;
}

void BM_PeakFp32(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  double g = 0;
  for (auto _ : state) g = bench::measure_peak_gflops(threads, false);
  state.counters["GFLOP/s"] = g;
}

void BM_PeakBf16(benchmark::State& state) {
  if (!cpu_features().avx512bf16) return state.SkipWithError("no AVX512-BF16");
  const int threads = static_cast<int>(state.range(0));
  double g = 0;
  for (auto _ : state) g = bench::measure_peak_gflops(threads, true);
  state.counters["GFLOP/s"] = g;
}

void BM_ReadBandwidth(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  double g = 0;
  for (auto _ : state) g = bench::measure_read_gbps(threads);
  state.counters["GB/s"] = g;
}

// Times the loop body manually so the counters can be related to the ceilings.
template <class Fn>
double timed_loop(benchmark::State& state, Fn fn) {
  const auto t0 = std::chrono::steady_clock::now();
  int64_t n = 0;
  for (auto _ : state) {
    fn();
    ++n;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s / static_cast<double>(n);
}

void report_flops(benchmark::State& state, double flops, double sec, const char* peak_kind, int threads) {
  const double g = flops / sec * 1e-9;
  state.counters["GFLOP/s"] = g;
  state.counters["pct_peak"] = 100.0 * g / ceiling(peak_kind, threads);
}

void matmul_bench(benchmark::State& state, DType wtype) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t m = 4096, k = 896, n = 4864;
  Tensor a = random_tensor(Shape{m, k}, DType::kF32, 1);
  Tensor b = random_tensor(Shape{n, k}, wtype, 2);  // Linear weight [N, K]
  Tensor out = Tensor::zeros(Shape{m, n}, DType::kF32).value();
  ThreadPool pool(threads);
  const Exec ex{&cpu_backend(), &pool};
  const MatmulArgs args{&a, &b, nullptr, &out, true, 1.0f};
  if (!ops::matmul(ex, args).ok()) return state.SkipWithError("matmul failed");  // warm-up, primitive cache
  const double sec = timed_loop(state, [&] { benchmark::DoNotOptimize(ops::matmul(ex, args).ok()); });
  report_flops(state, 2.0 * m * k * n, sec, wtype == DType::kBF16 ? "bf16" : "fp32", threads);
}
void BM_MatmulF32(benchmark::State& s) { matmul_bench(s, DType::kF32); }
void BM_MatmulBf16W(benchmark::State& s) { matmul_bench(s, DType::kBF16); }

// GEMV y = x W^T: x [1, 896], W [4864, 896]. `copies` > 1 rotates through
// distinct weight copies whose total exceeds the L3, so weights come from DRAM.
void gemv_bench(benchmark::State& state, DType wtype, int copies) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t k = 896, n = 4864;
  Tensor x = random_tensor(Shape{1, k}, DType::kF32, 3);
  std::vector<Tensor> w;
  for (int c = 0; c < copies; ++c) w.push_back(random_tensor(Shape{n, k}, wtype, 4 + static_cast<uint32_t>(c)));
  Tensor y = Tensor::zeros(Shape{1, n}, DType::kF32).value();
  ThreadPool pool(threads);
  const Exec ex{&cpu_backend(), &pool};
  int next = 0;
  const double sec = timed_loop(state, [&] {
    const MatmulArgs args{&x, &w[static_cast<size_t>(next)], nullptr, &y, true, 1.0f};
    benchmark::DoNotOptimize(ops::matmul(ex, args).ok());
    next = (next + 1) % copies;
  });
  const double bytes = static_cast<double>(w[0].nbytes() + x.nbytes() + y.nbytes());
  const double gbps = bytes / sec * 1e-9;
  state.counters["GB/s"] = gbps;
  state.counters["pct_bw"] = 100.0 * gbps / ceiling("bw", threads);
}
void BM_GemvF32(benchmark::State& s) { gemv_bench(s, DType::kF32, 1); }
void BM_GemvBf16W(benchmark::State& s) { gemv_bench(s, DType::kBF16, 1); }
void BM_GemvF32_FromDram(benchmark::State& s) { gemv_bench(s, DType::kF32, 8); }
void BM_GemvBf16W_FromDram(benchmark::State& s) { gemv_bench(s, DType::kBF16, 16); }

struct ConvShape {
  int64_t c, o, h, w, k;
  int stride, pad;
};

void conv_bench(benchmark::State& state, const ConvShape& cs, const Backend& be) {
  const int threads = static_cast<int>(state.range(0));
  Tensor x = random_tensor(Shape{1, cs.c, cs.h, cs.w}, DType::kF32, 5);
  Tensor w = random_tensor(Shape{cs.o, cs.c, cs.k, cs.k}, DType::kF32, 6);
  Tensor bias = random_tensor(Shape{cs.o}, DType::kF32, 7);
  const int64_t ho = (cs.h + 2 * cs.pad - cs.k) / cs.stride + 1, wo = (cs.w + 2 * cs.pad - cs.k) / cs.stride + 1;
  Tensor out = Tensor::zeros(Shape{1, cs.o, ho, wo}, DType::kF32).value();
  ThreadPool pool(threads);
  const Exec ex{&be, &pool};
  Conv2dArgs a;
  a.x = &x; a.w = &w; a.bias = &bias; a.out = &out;
  a.stride_h = a.stride_w = cs.stride;
  a.pad_top = a.pad_bottom = a.pad_left = a.pad_right = cs.pad;
  if (!ops::conv2d(ex, a).ok()) return state.SkipWithError("conv2d failed");
  const double sec = timed_loop(state, [&] { benchmark::DoNotOptimize(ops::conv2d(ex, a).ok()); });
  report_flops(state, 2.0 * cs.o * cs.c * cs.k * cs.k * ho * wo, sec, "fp32", threads);
}
// The headline shape: 128 -> 128, 5x5 stride 2, 768x512 -> 384x256.
void BM_Conv2d_128x768x512_k5s2(benchmark::State& s) { conv_bench(s, {128, 128, 768, 512, 5, 2, 2}, cpu_backend()); }
// oneDNN against the scalar reference on a shape the reference finishes quickly.
void BM_Conv2dSmall_Cpu(benchmark::State& s) { conv_bench(s, {32, 32, 96, 64, 5, 2, 2}, cpu_backend()); }
void BM_Conv2dSmall_Reference(benchmark::State& s) {
  conv_bench(s, {32, 32, 96, 64, 5, 2, 2}, reference_backend());
}

}  // namespace

BENCHMARK(BM_PeakFp32)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PeakBf16)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadBandwidth)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MatmulF32)->Arg(1)->Arg(2)->UseRealTime()->MinTime(1.0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MatmulBf16W)->Arg(1)->Arg(2)->UseRealTime()->MinTime(1.0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GemvF32)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GemvBf16W)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GemvF32_FromDram)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GemvBf16W_FromDram)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Conv2d_128x768x512_k5s2)->Arg(2)->UseRealTime()->MinTime(2.0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2dSmall_Cpu)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2dSmall_Reference)->Arg(1)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
