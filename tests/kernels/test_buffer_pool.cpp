// HostBufferPool: reuse, the retention cap, small requests, tensors on the pool, threads.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "nmc/kernels/buffer_pool.h"
#include "nmc/kernels/tensor.h"

using namespace nmc;

namespace {
constexpr size_t kMiB = size_t{1} << 20;
bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % HostBufferPool::kAlignment == 0; }
}  // namespace

TEST_CASE("buffer pool hands released blocks out again", "[unit]") {
  HostBufferPool pool(64 * kMiB);
  void* a = pool.acquire(3 * kMiB);
  REQUIRE(a);
  CHECK(aligned(a));
  std::memset(a, 1, 3 * kMiB);  // the whole request is usable
  CHECK(pool.outstanding_blocks() == 1);
  pool.release(a);
  CHECK(pool.outstanding_blocks() == 0);
  CHECK(pool.retained_bytes() == 3 * kMiB);
  // A slightly smaller request reuses it; one less than half its size does not.
  void* b = pool.acquire(3 * kMiB - 100);
  CHECK(b == a);
  CHECK(pool.retained_bytes() == 0);
  void* c = pool.acquire(kMiB);
  CHECK(c != a);
  pool.release(b);
  pool.release(c);
  CHECK(pool.retained_bytes() == 4 * kMiB);
  // Best fit: the 1 MiB block serves a 1 MiB request even though the 3 MiB one is older.
  void* d = pool.acquire(kMiB);
  CHECK(d == c);
  pool.release(d);
  pool.release(nullptr);  // ignored
}

TEST_CASE("buffer pool keeps at most its cap and frees the oldest first", "[unit]") {
  HostBufferPool pool(5 * kMiB);
  void* a = pool.acquire(2 * kMiB);
  void* b = pool.acquire(2 * kMiB);
  void* c = pool.acquire(2 * kMiB);
  void* big = pool.acquire(8 * kMiB);  // larger than the cap: never retained
  REQUIRE((a && b && c && big));
  pool.release(a);
  pool.release(b);
  CHECK(pool.retained_bytes() == 4 * kMiB);
  pool.release(c);  // 6 MiB > 5 MiB: a (the oldest) goes
  CHECK(pool.retained_bytes() == 4 * kMiB);
  pool.release(big);
  CHECK(pool.retained_bytes() == 4 * kMiB);
  void* again = pool.acquire(2 * kMiB);
  CHECK((again == b || again == c));
  pool.release(again);
}

TEST_CASE("buffer pool serves small requests directly", "[unit]") {
  HostBufferPool pool(64 * kMiB);
  void* s = pool.acquire(100);
  REQUIRE(s);
  CHECK(aligned(s));
  CHECK(pool.outstanding_blocks() == 0);
  pool.release(s);
  CHECK(pool.retained_bytes() == 0);
  CHECK(pool.acquire(SIZE_MAX) == nullptr);
}

TEST_CASE("tensors allocated from a buffer pool are zeroed and return their block", "[unit]") {
  HostBufferPool pool(64 * kMiB);
  const HostAllocator alloc = pool.allocator();
  void* first = nullptr;
  {
    auto t = Tensor::zeros(Shape{1, 4, 256, 512}, DType::kF32, &alloc);  // 2 MiB
    REQUIRE(t.ok());
    first = t->data<float>();
    std::memset(first, 0xff, 2 * kMiB);
    CHECK(pool.outstanding_blocks() == 1);
  }
  CHECK(pool.outstanding_blocks() == 0);
  auto t2 = Tensor::zeros(Shape{1, 4, 256, 512}, DType::kF32, &alloc);
  REQUIRE(t2.ok());
  CHECK(t2->data<float>() == first);  // reused, and zeroed again
  const float* v = t2->data<float>();
  bool all_zero = true;
  for (int64_t i = 0; i < t2->numel(); ++i) all_zero = all_zero && v[i] == 0.0f;
  CHECK(all_zero);
}

TEST_CASE("buffer pool is safe to share between threads", "[unit]") {
  HostBufferPool pool(16 * kMiB);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const size_t bytes = (1 + (i + t) % 3) * kMiB;
        auto* p = static_cast<uint8_t*>(pool.acquire(bytes));
        if (!p) {
          ++failures[t];
          continue;
        }
        p[0] = static_cast<uint8_t>(t);
        p[bytes - 1] = static_cast<uint8_t>(i);
        if (p[0] != t || p[bytes - 1] != static_cast<uint8_t>(i)) ++failures[t];  // nobody else holds it
        pool.release(p);
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failures == std::vector<int>(4, 0));
  CHECK(pool.outstanding_blocks() == 0);
  CHECK(pool.retained_bytes() <= 16 * kMiB);
}
