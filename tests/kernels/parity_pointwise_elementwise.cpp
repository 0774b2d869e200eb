// Parity of unary, binary, snake and gdn: every configuration against the
// reference on odd sizes, in-place aliasing and broadcasting patterns.
#include <catch2/catch.hpp>
#include <cmath>

#include "parity_pointwise_util.h"

using namespace nmc;
using namespace nmc::test;

NMC_PARITY_OPS("unary", "binary", "snake", "gdn");

namespace {

const char* kUnaryNames[] = {"identity", "relu", "gelu", "gelu_tanh", "silu", "elu", "leaky_relu",
                             "tanh", "sigmoid", "exp", "abs", "square", "sqrt", "affine"};

}  // namespace

TEST_CASE("unary matches the reference for every kind", "[parity][pointwise][unary]") {
  static_assert(sizeof(kUnaryNames) / sizeof(kUnaryNames[0]) == static_cast<size_t>(UnaryKind::kCount));
  std::mt19937 rng(1);
  for (int64_t n : {1, 7, 16, 33, 1001, 40000}) {
    for (int k = 0; k < static_cast<int>(UnaryKind::kCount); ++k) {
      const auto kind = static_cast<UnaryKind>(k);
      const bool positive = kind == UnaryKind::kSqrt;
      Tensor x = random_tensor({n}, DType::kF32, rng, positive ? 0.0f : -9.0f, 9.0f);
      Tensor want = zeros({n});
      UnaryArgs ra{&x, &want, kind, 0.7f, -0.3f};
      REQUIRE(reference::unary({}, ra).ok());
      for (const auto& cfg : pw::configs()) {
        for (bool in_place : {false, true}) {
          INFO(kUnaryNames[k] << " n=" << n << " " << cfg.label << (in_place ? " in-place" : ""));
          Tensor xin = pw::clone(x);
          Tensor out = in_place ? xin : zeros({n});
          UnaryArgs a{&xin, &out, kind, 0.7f, -0.3f};
          REQUIRE(pw::run(cfg, a).ok());
          std::string where;
          // Vector exp/tanh/erf/sigmoid are within a few ulp: 2e-6 relative, 1e-7 absolute.
          CHECK(tolerance_ratio(out, want, 1e-7, 2e-6, &where) <= 1.0);
          INFO(where);
        }
      }
    }
  }
}

TEST_CASE("binary broadcasting patterns match the reference", "[parity][pointwise][binary]") {
  std::mt19937 rng(2);
  struct Case { Shape a, b; };
  const Case cases[] = {
      {{37}, {37}},                     // same shape
      {{5, 19}, {1}},                   // scalar
      {{5, 19}, {}},                    // rank-0 scalar
      {{3, 4, 21}, {21}},               // row bias
      {{2, 6, 5, 7}, {6, 1, 1}},        // per-channel NCHW
      {{2, 6, 5, 7}, {2, 1, 5, 1}},     // interleaved broadcast dims
      {{4, 1, 9}, {4, 1, 1}},           // size-1 dims in a
      {{3, 70000}, {3, 1}},             // long rows, per-row scalar (thread split inside rows)
      {{2, 3, 17}, {3, 17}},            // leading broadcast
  };
  for (const auto& c : cases) {
    Tensor a = random_tensor(c.a, DType::kF32, rng, -2, 2);
    Tensor b = random_tensor(c.b, DType::kF32, rng, 0.5f, 2);  // away from 0 for div
    for (int k = 0; k < static_cast<int>(BinaryKind::kCount); ++k) {
      const auto kind = static_cast<BinaryKind>(k);
      Tensor want = zeros(c.a);
      REQUIRE(reference::binary({}, {&a, &b, &want, kind}).ok());
      for (const auto& cfg : pw::configs()) {
        for (bool in_place : {false, true}) {
          INFO("a " << c.a.to_string() << " b " << c.b.to_string() << " kind " << k << " " << cfg.label);
          Tensor ain = pw::clone(a);
          Tensor out = in_place ? ain : zeros(c.a);
          REQUIRE(pw::run(cfg, BinaryArgs{&ain, &b, &out, kind}).ok());
          CHECK(tolerance_ratio(out, want, 0, 1e-7) <= 1.0);  // correctly rounded both ways
        }
      }
    }
  }
}

TEST_CASE("binary rejects shapes that do not broadcast", "[parity][pointwise][binary]") {
  Tensor a = zeros({3, 4}), b = zeros({3}), out = zeros({3, 4});
  for (const auto& cfg : pw::configs()) {
    const Status s = pw::run(cfg, BinaryArgs{&a, &b, &out, BinaryKind::kAdd});
    CHECK(s.code() == StatusCode::kInvalidArgument);
  }
  CHECK(reference::binary({}, {&a, &b, &out, BinaryKind::kAdd}).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("snake matches the reference", "[parity][pointwise][snake]") {
  std::mt19937 rng(3);
  for (const Shape& s : {Shape{1, 3, 17}, Shape{2, 5, 1000}, Shape{1, 2, 33000}}) {
    Tensor x = random_tensor(s, DType::kF32, rng, -6, 6);
    Tensor alpha = random_tensor({s[1]}, DType::kF32, rng, 0.2f, 3.0f);
    alpha.data<float>()[0] = 0.0f;  // alpha 0 is the identity (1e-9 guard)
    Tensor want = zeros(s);
    REQUIRE(reference::snake({}, {&x, &alpha, &want}).ok());
    for (const auto& cfg : pw::configs()) {
      INFO(s.to_string() << " " << cfg.label);
      Tensor out = zeros(s);
      REQUIRE(pw::run(cfg, SnakeArgs{&x, &alpha, &out}).ok());
      CHECK(tolerance_ratio(out, want, 2e-6, 2e-6) <= 1.0);
    }
  }
}

TEST_CASE("gdn and inverse gdn match the reference", "[parity][pointwise][gdn]") {
  std::mt19937 rng(4);
  for (const Shape& s : {Shape{1, 3, 5, 7}, Shape{2, 8, 17, 19}, Shape{1, 19, 3, 100}}) {
    const int64_t c = s[1];
    Tensor x = random_tensor(s, DType::kF32, rng, -3, 3);
    Tensor beta = random_tensor({c}, DType::kF32, rng, 0.5f, 1.5f);
    Tensor gamma = random_tensor({c, c}, DType::kF32, rng, 0.0f, 0.2f);
    for (bool inverse : {false, true}) {
      Tensor want = zeros(s);
      REQUIRE(reference::gdn({}, {&x, &beta, &gamma, &want, inverse}).ok());
      for (const auto& cfg : pw::configs()) {
        for (bool in_place : {false, true}) {
          INFO(s.to_string() << (inverse ? " igdn " : " gdn ") << cfg.label << (in_place ? " in-place" : ""));
          Tensor xin = pw::clone(x);
          Tensor out = in_place ? xin : zeros(s);
          REQUIRE(pw::run(cfg, GdnArgs{&xin, &beta, &gamma, &out, inverse}).ok());
          CHECK(tolerance_ratio(out, want, 1e-6, 2e-6) <= 1.0);
        }
      }
    }
  }
}

TEST_CASE("gdn with Exec::allow_bf16 stays close to the reference", "[parity][pointwise][gdn][bf16]") {
  if (!cpu_features().avx512bf16) {
    WARN("no native bf16 on this CPU: allow_bf16 computes in f32, nothing to compare");
    return;
  }
  std::mt19937 rng(14);
  // Odd channel count (half-empty last pair), pixel counts around the 256-pixel block and vector tails.
  for (const Shape& s : {Shape{1, 5, 3, 7}, Shape{2, 9, 17, 19}, Shape{1, 128, 13, 24}}) {
    const int64_t c = s[1];
    Tensor x = random_tensor(s, DType::kF32, rng, -3, 3);
    Tensor beta = random_tensor({c}, DType::kF32, rng, 0.5f, 1.5f);
    Tensor gamma = random_tensor({c, c}, DType::kF32, rng, 0.0f, 0.2f);
    for (bool inverse : {false, true}) {
      INFO(s.to_string() << (inverse ? " igdn" : " gdn"));
      Tensor want = zeros(s);
      REQUIRE(reference::gdn({}, {&x, &beta, &gamma, &want, inverse}).ok());
      auto run = [&](int threads, bool in_place) {
        Tensor xin = pw::clone(x);
        Tensor out = in_place ? xin : zeros(s);
        const Exec ex{&cpu_backend(), pw::pool_of(threads), true};
        REQUIRE(ops::gdn(ex, GdnArgs{&xin, &beta, &gamma, &out, inverse}).ok());
        return out;
      };
      const Tensor one = run(1, false), three = run(3, false), in_place = run(3, true);
      // Same bits for any thread count and in place.
      CHECK(std::memcmp(one.data<float>(), three.data<float>(), one.numel() * sizeof(float)) == 0);
      CHECK(std::memcmp(one.data<float>(), in_place.data<float>(), one.numel() * sizeof(float)) == 0);
      // Squares and gamma rounded to bf16 (relative error <= 2^-9 each, all terms non-negative), so the norm is
      // within ~2^-8 relative and its square root within ~2^-9: 4e-3 relative leaves room for f32 sums.
      CHECK(tolerance_ratio(one, want, 1e-6, 4e-3) <= 1.0);
      CHECK(tolerance_ratio(one, want, 1e-6, 2e-6) > 1.0);  // bf16 was really used
    }
  }
}
