// Parity: pool2d and resize_bilinear on every backend against the reference,
// plus hand-computed values for both.
#include "parity_dense_util.h"

namespace nmc::test {
namespace {

NMC_PARITY_OPS("pool2d", "resize_bilinear");

using dense::parity;

// Averages of <= 25 values and 4-tap interpolation: f32 rounding only.
constexpr double kAtol = 1e-6, kRtol = 1e-6;

TEST_CASE("pool2d parity", "[parity][dense][pool]") {
  std::mt19937 rng(401);
  Tensor x = random_tensor(Shape{2, 3, 11, 9}, DType::kF32, rng);
  struct P {
    PoolKind kind;
    int kh, kw, sh, sw, ph, pw;
    bool exclude;
  };
  const P cases[] = {{PoolKind::kAvg, 2, 2, 2, 2, 0, 0, false}, {PoolKind::kAvg, 3, 3, 2, 2, 1, 1, false},
                     {PoolKind::kAvg, 3, 5, 1, 2, 1, 2, true},  {PoolKind::kMax, 3, 3, 2, 2, 1, 1, false},
                     {PoolKind::kMax, 1, 4, 1, 4, 0, 0, false}, {PoolKind::kMax, 5, 3, 3, 1, 2, 0, false}};
  for (const P& c : cases) {
    const Shape os{2, 3, (11 + 2 * c.ph - c.kh) / c.sh + 1, (9 + 2 * c.pw - c.kw) / c.sw + 1};
    parity("pool2d k" + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " kind " +
               std::to_string(static_cast<int>(c.kind)),
           [&](const Exec& ex, const auto& dev, Tensor& out) {
             Tensor dx = dev(x);
             Pool2dArgs a;
             a.x = &dx; a.out = &out; a.kind = c.kind; a.kernel_h = c.kh; a.kernel_w = c.kw;
             a.stride_h = c.sh; a.stride_w = c.sw; a.pad_h = c.ph; a.pad_w = c.pw; a.exclude_pad = c.exclude;
             return ops::pool2d(ex, a);
           },
           os, kAtol, kRtol);
  }
}

TEST_CASE("pool2d hand-computed values", "[dense][pool]") {
  float v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};  // 3x3
  Tensor x = Tensor::wrap(v, Shape{1, 1, 3, 3}, DType::kF32);
  Pool2dArgs a;
  a.x = &x; a.kernel_h = a.kernel_w = 2; a.stride_h = a.stride_w = 2; a.pad_h = a.pad_w = 1;
  Tensor out = zeros(Shape{1, 1, 2, 2});
  a.out = &out;
  a.kind = PoolKind::kAvg;
  REQUIRE(ops::pool2d(Exec{}, a).ok());
  // Windows: {1}, {2,3}, {4,7}, {5,6,8,9}; divisor 4 including padding.
  CHECK(out.data<float>()[0] == Approx(0.25f));
  CHECK(out.data<float>()[1] == Approx(1.25f));
  CHECK(out.data<float>()[2] == Approx(2.75f));
  CHECK(out.data<float>()[3] == Approx(7.0f));
  a.exclude_pad = true;
  REQUIRE(ops::pool2d(Exec{}, a).ok());
  CHECK(out.data<float>()[1] == Approx(2.5f));
  a.kind = PoolKind::kMax;
  REQUIRE(ops::pool2d(Exec{}, a).ok());
  CHECK(out.data<float>()[0] == 1.0f);
  CHECK(out.data<float>()[3] == 9.0f);
  a.pad_h = 2;  // more than kernel / 2
  dense::require_invalid("pool2d pad > kernel/2", [&](const Exec& ex, const auto&, Tensor& o) {
    Pool2dArgs b = a;
    b.out = &o;
    return ops::pool2d(ex, b);
  }, Shape{1, 1, 3, 2});
}

TEST_CASE("resize_bilinear parity", "[parity][dense][resize]") {
  std::mt19937 rng(402);
  Tensor x = random_tensor(Shape{2, 3, 7, 10}, DType::kF32, rng);
  const Shape sizes[] = {Shape{2, 3, 14, 20}, Shape{2, 3, 3, 4}, Shape{2, 3, 9, 5}, Shape{2, 3, 1, 1}};
  for (const Shape& s : sizes)
    for (bool ac : {false, true})
      parity("resize to " + s.to_string() + (ac ? " align_corners" : ""),
             [&](const Exec& ex, const auto& dev, Tensor& out) {
               Tensor dx = dev(x);
               return ops::resize_bilinear(ex, ResizeBilinearArgs{&dx, &out, ac});
             },
             s, kAtol, kRtol);
}

TEST_CASE("resize_bilinear hand-computed values", "[dense][resize]") {
  float v[] = {0, 10};  // 1x2 -> 1x4
  Tensor x = Tensor::wrap(v, Shape{1, 1, 1, 2}, DType::kF32);
  Tensor out = zeros(Shape{1, 1, 1, 4});
  REQUIRE(ops::resize_bilinear(Exec{}, ResizeBilinearArgs{&x, &out, false}).ok());
  // half-pixel centres: src = (i + 0.5) / 2 - 0.5 = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped index)
  const float want[] = {0.0f, 2.5f, 7.5f, 10.0f};
  for (int i = 0; i < 4; ++i) CHECK(out.data<float>()[i] == Approx(want[i]));
  REQUIRE(ops::resize_bilinear(Exec{}, ResizeBilinearArgs{&x, &out, true}).ok());
  const float want_ac[] = {0.0f, 10.0f / 3, 20.0f / 3, 10.0f};
  for (int i = 0; i < 4; ++i) CHECK(out.data<float>()[i] == Approx(want_ac[i]));
  dense::require_invalid("resize changes channels", [&](const Exec& ex, const auto&, Tensor& o) {
    return ops::resize_bilinear(ex, ResizeBilinearArgs{&x, &o, false});
  }, Shape{1, 2, 2, 2});
}

}  // namespace
}  // namespace nmc::test
