// Parity: copy, concat, slice, gather and embedding on every backend against
// the reference, with strided views, dtype conversions and non-float dtypes;
// plus exact expected values (data movement must be bit-exact).
#include <cmath>
#include <cstring>

#include "cpu/cpu_dense_ops.h"
#include "parity_dense_util.h"

namespace nmc::test {
namespace {

NMC_PARITY_OPS("copy", "concat", "slice", "gather", "embedding");

using dense::parity;

// Data movement is exact; conversions round identically on every backend.
constexpr double kExact = 0.0;

TEST_CASE("copy parity: conversions and views", "[parity][dense][copy]") {
  std::mt19937 rng(301);
  const DType fl[] = {DType::kF32, DType::kF16, DType::kBF16};
  for (DType st : fl)
    for (DType dt : fl) {
      Tensor src_full = random_tensor(Shape{6, 10, 9}, st, rng, -70000.0f, 70000.0f);  // f16 overflows to inf
      Tensor src = src_full.slice(1, 1, 9, 2).value().permute({2, 0, 1}).value();       // [9, 6, 4], strided
      const Shape shape = src.shape();
      parity(std::string("copy ") + dtype_name(st) + " -> " + dtype_name(dt),
             [&](const Exec& ex, const auto& dev, Tensor& out) {
               CopyArgs a{&src, &out};
               return ops::copy(ex, a);
             },
             shape, kExact, kExact, dt);
    }
  // Strided destination: write into every other column of a wider tensor.
  Tensor src = random_tensor(Shape{5, 7}, DType::kF32, rng);
  for (const Backend* be : {&reference_backend(), &cpu_backend()}) {
    Tensor wide = zeros(Shape{5, 14}, DType::kBF16);
    Tensor dst = wide.slice(1, 0, 14, 2).value();
    ThreadPool pool(3);
    REQUIRE(ops::copy(Exec{be, &pool}, CopyArgs{&src, &dst}).ok());
    for (int64_t i = 0; i < 5; ++i)
      for (int64_t j = 0; j < 7; ++j) {
        const uint16_t* w = wide.data<uint16_t>() + i * 14 + j * 2;
        CHECK(w[0] == f32_to_bf16(src.data<float>()[i * 7 + j]));
        CHECK(w[1] == 0);
      }
  }
}

TEST_CASE("copy parity: same-dtype copies of any dtype", "[parity][dense][copy]") {
  std::mt19937 rng(302);
  for (DType t : {DType::kI32, DType::kU8, DType::kI64, DType::kF64, DType::kI8}) {
    Tensor src_full = random_tensor(Shape{3, 40, 33}, t, rng, -100.0f, 100.0f);
    Tensor src = src_full.permute({2, 1, 0}).value();
    parity(std::string("copy ") + dtype_name(t), [&](const Exec& ex, const auto&, Tensor& out) {
      return ops::copy(ex, CopyArgs{&src, &out});
    }, src.shape(), kExact, kExact, t);
  }
  // A large contiguous copy that spans several parallel chunks.
  Tensor big = random_tensor(Shape{300000}, DType::kF32, rng);
  parity("copy large f32 -> bf16", [&](const Exec& ex, const auto&, Tensor& out) {
    return ops::copy(ex, CopyArgs{&big, &out});
  }, big.shape(), kExact, kExact, DType::kBF16);
}

TEST_CASE("copy reference converts with the documented rounding", "[dense][copy]") {
  float v[] = {1.0f, -2.5f, 3.99f, -3.99f, 1.00390625f /* 1 + 2^-8: bf16 tie -> even */, 65520.0f /* f16 -> inf */};
  Tensor src = Tensor::wrap(v, Shape{6}, DType::kF32);
  Tensor i32 = zeros(Shape{6}, DType::kI32);
  REQUIRE(reference::copy(Exec{}, CopyArgs{&src, &i32}).ok());
  const int32_t want_i[] = {1, -2, 3, -3, 1, 65520};
  for (int i = 0; i < 6; ++i) CHECK(i32.data<int32_t>()[i] == want_i[i]);
  Tensor bf = zeros(Shape{6}, DType::kBF16);
  REQUIRE(reference::copy(Exec{}, CopyArgs{&src, &bf}).ok());
  CHECK(bf.data<uint16_t>()[4] == 0x3f80);  // 1.00390625 is a tie between 1 and 1.0078125: even is 1
  Tensor h = zeros(Shape{6}, DType::kF16);
  REQUIRE(reference::copy(Exec{}, CopyArgs{&src, &h}).ok());
  CHECK(std::isinf(f16_to_f32(h.data<uint16_t>()[5])));
  CHECK(f16_to_f32(h.data<uint16_t>()[1]) == -2.5f);
}

TEST_CASE("concat parity", "[parity][dense][concat]") {
  std::mt19937 rng(303);
  for (DType t : {DType::kF32, DType::kI32, DType::kBF16}) {
    Tensor a = random_tensor(Shape{2, 3, 5}, t, rng, -50, 50);
    Tensor b_full = random_tensor(Shape{2, 8, 5}, t, rng, -50, 50);
    Tensor b = b_full.slice(1, 1, 8, 3).value();  // [2, 3, 5] strided view
    Tensor c = random_tensor(Shape{2, 4, 5}, t, rng, -50, 50);
    const Tensor* ins[] = {&a, &b, &c};
    parity(std::string("concat axis 1 ") + dtype_name(t), [&](const Exec& ex, const auto&, Tensor& out) {
      return ops::concat(ex, ConcatArgs{ins, &out, 1});
    }, Shape{2, 10, 5}, kExact, kExact, t);
    const Tensor* last[] = {&a, &a};
    parity(std::string("concat axis -1 ") + dtype_name(t), [&](const Exec& ex, const auto&, Tensor& out) {
      return ops::concat(ex, ConcatArgs{last, &out, -1});
    }, Shape{2, 3, 10}, kExact, kExact, t);
  }
  float x[] = {1, 2, 3, 4}, y[] = {5, 6};
  Tensor tx = Tensor::wrap(x, Shape{2, 2}, DType::kF32), ty = Tensor::wrap(y, Shape{2, 1}, DType::kF32);
  const Tensor* ins[] = {&tx, &ty};
  Tensor out = zeros(Shape{2, 3});
  REQUIRE(ops::concat(Exec{}, ConcatArgs{ins, &out, 1}).ok());
  const float want[] = {1, 2, 5, 3, 4, 6};
  for (int i = 0; i < 6; ++i) CHECK(out.data<float>()[i] == want[i]);
  dense::require_invalid("concat sizes do not add up", [&](const Exec& ex, const auto&, Tensor& o) {
    return ops::concat(ex, ConcatArgs{ins, &o, 1});
  }, Shape{2, 4});
}

TEST_CASE("slice parity", "[parity][dense][slice]") {
  std::mt19937 rng(304);
  Tensor x = random_tensor(Shape{4, 17, 6}, DType::kF32, rng);
  parity("slice axis 1 step 3", [&](const Exec& ex, const auto&, Tensor& out) {
    return ops::slice(ex, SliceArgs{&x, &out, 1, 2, 3});
  }, Shape{4, 5, 6}, kExact, kExact);
  Tensor xi = random_tensor(Shape{5, 9}, DType::kI16, rng, -1000, 1000);
  parity("slice axis -1 i16", [&](const Exec& ex, const auto&, Tensor& out) {
    return ops::slice(ex, SliceArgs{&xi, &out, -1, 4, 1});
  }, Shape{5, 5}, kExact, kExact, DType::kI16);
  float v[] = {0, 1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::wrap(v, Shape{7}, DType::kF32);
  Tensor out = zeros(Shape{3});
  REQUIRE(ops::slice(Exec{}, SliceArgs{&t, &out, 0, 1, 2}).ok());
  CHECK(out.data<float>()[0] == 1.0f);
  CHECK(out.data<float>()[1] == 3.0f);
  CHECK(out.data<float>()[2] == 5.0f);
  dense::require_invalid("slice past the end", [&](const Exec& ex, const auto&, Tensor& o) {
    return ops::slice(ex, SliceArgs{&t, &o, 0, 2, 2});
  }, Shape{4});
}

TEST_CASE("gather parity", "[parity][dense][gather]") {
  std::mt19937 rng(305);
  int32_t idx[] = {3, 0, 3, 7, 1};
  Tensor ind = Tensor::wrap(idx, Shape{5}, DType::kI32);
  for (DType t : {DType::kF32, DType::kBF16, DType::kI32}) {
    Tensor x = random_tensor(Shape{2, 8, 3, 4}, t, rng, -9, 9);
    parity(std::string("gather axis 1 ") + dtype_name(t), [&](const Exec& ex, const auto& dev, Tensor& out) {
      Tensor di = dev(ind);
      return ops::gather(ex, GatherArgs{&x, &di, &out, 1});
    }, Shape{2, 5, 3, 4}, kExact, kExact, t);
  }
  Tensor x = random_tensor(Shape{9, 8}, DType::kF32, rng);
  const Tensor want = parity("gather axis 0", [&](const Exec& ex, const auto& dev, Tensor& out) {
    Tensor di = dev(ind);
    return ops::gather(ex, GatherArgs{&x, &di, &out, 0});
  }, Shape{5, 8}, kExact, kExact);
  for (int j = 0; j < 5; ++j)
    for (int k = 0; k < 8; ++k) CHECK(want.data<float>()[j * 8 + k] == x.data<float>()[idx[j] * 8 + k]);
  int32_t bad[] = {0, 9};
  Tensor bad_ind = Tensor::wrap(bad, Shape{2}, DType::kI32);
  dense::require_invalid("gather index out of range", [&](const Exec& ex, const auto&, Tensor& o) {
    return ops::gather(ex, GatherArgs{&x, &bad_ind, &o, 0});
  }, Shape{2, 8});
}

TEST_CASE("embedding parity", "[parity][dense][embedding]") {
  std::mt19937 rng(306);
  int32_t ids[] = {4, 0, 9, 4, 2, 7};
  Tensor tid = Tensor::wrap(ids, Shape{2, 3}, DType::kI32);
  for (DType t : {DType::kF32, DType::kBF16, DType::kF16}) {
    Tensor table = random_tensor(Shape{10, 37}, t, rng);
    const Tensor want = parity(std::string("embedding ") + dtype_name(t), [&](const Exec& ex, const auto& dev,
                                                                              Tensor& out) {
      Tensor dt = dev(table), di = dev(tid);
      return ops::embedding(ex, EmbeddingArgs{&dt, &di, &out});
    }, Shape{2, 3, 37}, kExact, kExact);
    for (int i = 0; i < 6; ++i)
      for (int k = 0; k < 37; ++k) {
        const int64_t src = ids[i] * 37 + k;
        const float v = t == DType::kF32    ? table.data<float>()[src]
                        : t == DType::kBF16 ? bf16_to_f32(table.data<uint16_t>()[src])
                                            : f16_to_f32(table.data<uint16_t>()[src]);
        CHECK(want.data<float>()[i * 37 + k] == v);
      }
    ThreadPool pool(2);
    Tensor out = zeros(Shape{2, 3, 37});
    REQUIRE(cpu::embedding(Exec{&cpu_backend(), &pool}, EmbeddingArgs{&table, &tid, &out}).ok());
  }
  Tensor table = random_tensor(Shape{10, 4}, DType::kF32, rng);
  int32_t bad[] = {10};
  Tensor bad_id = Tensor::wrap(bad, Shape{1}, DType::kI32);
  dense::require_invalid("embedding id out of range", [&](const Exec& ex, const auto&, Tensor& o) {
    return ops::embedding(ex, EmbeddingArgs{&table, &bad_id, &o});
  }, Shape{1, 4});
}

}  // namespace
}  // namespace nmc::test
