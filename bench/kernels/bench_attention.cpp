// Attention, RMSNorm, RoPE and softmax throughput on the CPU backend, with a
// straightforward attention implementation (full score rows, scalar loops,
// the same thread pool) measured in the same run for comparison.
//
// Counters: GFLOP/s for attention counts 4 * Tq * Tk * D * H flops (QK^T and
// PV), halved for causal prefill; GB/s for the row ops counts bytes read +
// written once. After the run the nmc / naive speed-up of each attention case
// is printed. Threads: NMC_BENCH_THREADS (default 2).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "nmc/kernels/backend.h"
#include "nmc/kernels/cpu_features.h"
#include "nmc/kernels/ops.h"
#include "nmc/kernels/thread_pool.h"

namespace {

using nmc::Tensor;

int bench_threads() {
  const char* s = std::getenv("NMC_BENCH_THREADS");
  return s ? std::atoi(s) : 2;
}

nmc::ThreadPool& pool() {
  static nmc::ThreadPool p(bench_threads());
  return p;
}

Tensor random(const nmc::Shape& s, uint32_t seed) {
  Tensor t = Tensor::zeros(s, nmc::DType::kF32).value();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

// Seconds per iteration of each named case, for the ratio table.
std::map<std::string, double>& timings() {
  static std::map<std::string, double> m;
  return m;
}

// Straightforward attention: per (batch, head, query) a full row of scores,
// softmax, and the weighted sum of V; contiguous [B, T, H, D] tensors, causal
// or bidirectional, GQA by head index.
void naive_attention(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out, bool causal, int64_t q_offset) {
  const int64_t nb = q.dim(0), tq = q.dim(1), hq = q.dim(2), d = q.dim(3), tk = k.dim(1), hkv = k.dim(2);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  nmc::parallel_for(&pool(), nb * hq * tq, 16, [&](int64_t begin, int64_t end) {
    std::vector<float> s(static_cast<size_t>(tk));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = r % tq, h = (r / tq) % hq, b = r / (tq * hq), g = h / (hq / hkv);
      const float* qr = q.data<float>() + ((b * tq + i) * hq + h) * d;
      const int64_t n = causal ? std::min(tk, i + q_offset + 1) : tk;
      float m = -INFINITY;
      for (int64_t j = 0; j < n; ++j) {
        const float* kr = k.data<float>() + ((b * tk + j) * hkv + g) * d;
        float dot = 0;
        for (int64_t c = 0; c < d; ++c) dot += qr[c] * kr[c];
        s[j] = dot * scale;
        m = std::max(m, s[j]);
      }
      float sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += (s[j] = std::exp(s[j] - m));
      float* o = out.data<float>() + ((b * tq + i) * hq + h) * d;
      for (int64_t c = 0; c < d; ++c) o[c] = 0;
      for (int64_t j = 0; j < n; ++j) {
        const float* vr = v.data<float>() + ((b * tk + j) * hkv + g) * d;
        const float p = s[j] / sum;
        for (int64_t c = 0; c < d; ++c) o[c] += p * vr[c];
      }
    }
  });
}

// args: tq, tk, causal, naive
void BM_attention(benchmark::State& state) {
  const int64_t tq = state.range(0), tk = state.range(1), hq = 14, hkv = 2, d = 64;
  const bool causal = state.range(2) != 0, naive = state.range(3) != 0;
  const int64_t q_offset = tk - tq;
  Tensor q = random({1, tq, hq, d}, 1), k = random({1, tk, hkv, d}, 2), v = random({1, tk, hkv, d}, 3);
  Tensor out = Tensor::zeros({1, tq, hq, d}, nmc::DType::kF32).value();
  nmc::AttentionArgs a{&q, &k, &v, &out, 0.0f, causal ? nmc::MaskKind::kCausal : nmc::MaskKind::kNone, q_offset};
  const nmc::Exec exec{&nmc::cpu_backend(), &pool()};
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    if (naive) {
      naive_attention(q, k, v, out, causal, q_offset);
    } else if (!nmc::ops::attention(exec, a).ok()) {
      state.SkipWithError("attention failed");
      break;
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(out.data<float>());
  }
  // Causal prefill visits about half the (query, key) pairs; decode sees all keys.
  const double pairs = causal && tq > 1 ? 0.5 * static_cast<double>(tq) * static_cast<double>(tk)
                                        : static_cast<double>(tq) * static_cast<double>(tk);
  state.counters["GFLOP/s"] =
      benchmark::Counter(4.0 * pairs * d * hq * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  const std::string key = std::to_string(tq) + "x" + std::to_string(tk) + (causal ? " causal" : " bidirectional");
  timings()[key + (naive ? "|naive" : "|nmc")] = seconds / static_cast<double>(state.iterations());
}

void attention_args(benchmark::internal::Benchmark* b) {
  for (int naive = 0; naive < 2; ++naive) {
    b->Args({4096, 4096, 1, naive});
    b->Args({4096, 4096, 0, naive});
    b->Args({1, 4096, 1, naive});
  }
  b->ArgNames({"tq", "tk", "causal", "naive"})->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.5);
}
BENCHMARK(BM_attention)->Apply(attention_args);

void set_bytes(benchmark::State& state, double bytes) {
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Qwen2-like hidden size 896 over 4096 tokens.
void BM_rms_norm(benchmark::State& state) {
  Tensor x = random({4096, 896}, 4), w = random({896}, 5);
  Tensor out = Tensor::zeros(x.shape(), nmc::DType::kF32).value();
  const nmc::Exec exec{&nmc::cpu_backend(), &pool()};
  for (auto _ : state) {
    if (!nmc::ops::rms_norm(exec, {&x, &w, &out, 1e-6f}).ok()) state.SkipWithError("rms_norm failed");
  }
  set_bytes(state, 2.0 * static_cast<double>(x.nbytes()));
}
BENCHMARK(BM_rms_norm)->UseRealTime()->Unit(benchmark::kMicrosecond);

// In-place rope on [1, 4096, 14, 64] query heads at float positions.
void BM_rope(benchmark::State& state) {
  Tensor x = random({1, 4096, 14, 64}, 6);
  Tensor pos = Tensor::zeros({4096}, nmc::DType::kF32).value();
  for (int64_t i = 0; i < 4096; ++i) pos.data<float>()[i] = 0.5f * static_cast<float>(i);
  const nmc::Exec exec{&nmc::cpu_backend(), &pool()};
  nmc::RopeArgs a{&x, &pos, &x, 1000000.0f, 0, static_cast<nmc::RopeLayout>(state.range(0))};
  for (auto _ : state) {
    if (!nmc::ops::rope(exec, a).ok()) state.SkipWithError("rope failed");
  }
  set_bytes(state, 2.0 * static_cast<double>(x.nbytes()));
}
BENCHMARK(BM_rope)->ArgName("interleaved")->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Softmax over [14 * 256, 4096] rows (attention-probability shaped).
void BM_softmax(benchmark::State& state) {
  Tensor x = random({14 * 256, 4096}, 7);
  Tensor out = Tensor::zeros(x.shape(), nmc::DType::kF32).value();
  const nmc::Exec exec{&nmc::cpu_backend(), &pool()};
  for (auto _ : state) {
    if (!nmc::ops::softmax(exec, {&x, &out, 0.125f}).ok()) state.SkipWithError("softmax failed");
  }
  set_bytes(state, 2.0 * static_cast<double>(x.nbytes()));
}
BENCHMARK(BM_softmax)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("ISA: %s, threads: %d\n", nmc::cpu_isa_name(), bench_threads());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("\nattention speed-up over the naive implementation (same run, same pool):\n");
  for (const auto& [name, secs] : timings()) {
    const auto bar = name.find('|');
    if (name.substr(bar + 1) != "nmc") continue;
    const auto naive = timings().find(name.substr(0, bar) + "|naive");
    if (naive == timings().end()) continue;
    std::printf("  %-28s nmc %9.2f ms   naive %9.2f ms   x%.1f\n", name.substr(0, bar).c_str(), secs * 1e3,
                naive->second * 1e3, naive->second / secs);
  }
  return 0;
}
