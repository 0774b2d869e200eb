// Tensor views, dtype conversions, status, thread pool.
#include <atomic>
#include <stdexcept>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "nmc/kernels/backend.h"
#include "nmc/kernels/cpu_features.h"
#include "nmc/kernels/tensor.h"
#include "nmc/kernels/thread_pool.h"

using namespace nmc;

TEST_CASE("bf16 conversion rounds to nearest even", "[unit]") {
  CHECK(bf16_to_f32(f32_to_bf16(1.0f)) == 1.0f);
  // 1 + 2^-8 is exactly half-way between two bf16 values: ties to even (1.0).
  CHECK(bf16_to_f32(f32_to_bf16(1.0f + 1.0f / 256)) == 1.0f);
  // 1 + 3*2^-8 ties up to 1 + 2^-6 (even mantissa).
  CHECK(bf16_to_f32(f32_to_bf16(1.0f + 3.0f / 256)) == 1.0f + 4.0f / 256);
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(std::isinf(bf16_to_f32(f32_to_bf16(INFINITY))));
}

TEST_CASE("f16 conversion matches IEEE binary16", "[unit]") {
  CHECK(f32_to_f16(1.0f) == 0x3c00);
  CHECK(f32_to_f16(-2.0f) == 0xc000);
  CHECK(f32_to_f16(65504.0f) == 0x7bff);
  CHECK(f32_to_f16(65520.0f) == 0x7c00);           // rounds to inf
  CHECK(f32_to_f16(5.960464477539063e-08f) == 0x0001);  // smallest subnormal
  CHECK(f32_to_f16(2.9802322387695312e-08f) == 0x0000); // half of it ties to even (0)
  CHECK(f16_to_f32(0x0001) == 5.960464477539063e-08f);
  CHECK(f16_to_f32(0x3555) == Approx(0.333251953125f).epsilon(0));
  CHECK(std::isnan(f16_to_f32(0x7e00)));
  // Every finite half round-trips exactly.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00u) == 0x7c00u) continue;
    REQUIRE(f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))) == h);
  }
}

TEST_CASE("tensor views share storage", "[unit]") {
  Tensor t = Tensor::zeros({2, 3, 4}, DType::kF32).value();
  for (int i = 0; i < 24; ++i) t.data<float>()[i] = static_cast<float>(i);
  CHECK(t.is_contiguous());
  Tensor s = t.slice(2, 1, 4, 2).value();
  CHECK(s.shape() == Shape{2, 3, 2});
  CHECK(!s.is_contiguous());
  CHECK(s.data<float>()[0] == 1.0f);
  Tensor p = t.permute({2, 0, 1}).value();
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.stride(0) == 1);
  Tensor sel = t.select(1, 2).value();
  CHECK(sel.shape() == Shape{2, 4});
  CHECK(sel.data<float>()[0] == 8.0f);
  CHECK(!t.reshape({5, 5}).ok());
  CHECK(!t.reshape({-4, -6}).ok());  // product matches, dims do not
  CHECK(t.reshape({6, 4}).ok());
  CHECK(!p.reshape({24}).ok());
  CHECK(!t.slice(0, 0, 3).ok());
  Tensor u = t.unsqueeze(0).value();
  CHECK(u.shape() == Shape{1, 2, 3, 4});
  CHECK(u.is_contiguous());
}

TEST_CASE("absurd allocations fail cleanly", "[unit]") {
  auto r = Tensor::zeros({int64_t{1} << 40, int64_t{1} << 30}, DType::kF32);
  CHECK(!r.ok());
  CHECK(r.status().code() == StatusCode::kLimitExceeded);
  CHECK(!Tensor::zeros({-1, 3}, DType::kF32).ok());
}

TEST_CASE("thread pool covers every index exactly once", "[unit]") {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 7, 1000, 12345}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
      });
      for (auto& h : hits) REQUIRE(h.load() == 1);
    }
  }
}

TEST_CASE("backends are listed", "[unit]") {
  auto v = available_backends();
  REQUIRE(v.size() >= 2);
  CHECK(std::string(v[0]->name()) == "reference");
  CHECK(std::string(v[1]->name()) == "cpu");
  CHECK(std::string(cpu_isa_name()).size() > 0);
}

TEST_CASE("an exception in parallel_for reaches the caller and the pool stays usable", "[unit]") {
  ThreadPool pool(3);
  std::atomic<int64_t> done{0};
  CHECK_THROWS_AS(pool.parallel_for(300, 1,
                                    [&](int64_t b, int64_t e) {
                                      if (b == 0) throw std::runtime_error("boom");
                                      done += e - b;
                                    }),
                  std::runtime_error);
  CHECK(done.load() == 200);  // the other two chunks of 100 still ran
  std::atomic<int64_t> sum{0};
  pool.parallel_for(100, 1, [&](int64_t b, int64_t e) { sum += e - b; });
  CHECK(sum.load() == 100);
}
