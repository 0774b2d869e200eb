// Parity of layer_norm, rms_norm, softmax and rope against the reference.
#include <catch2/catch.hpp>
#include <cmath>

#include "parity_pointwise_util.h"

using namespace nmc;
using namespace nmc::test;

NMC_PARITY_OPS("layer_norm", "rms_norm", "softmax", "rope");

namespace {
const Shape kRowShapes[] = {{1, 1}, {3, 7}, {5, 64}, {2, 3, 129}, {700, 48}, {2, 1000}};
}

TEST_CASE("layer_norm matches the reference", "[parity][pointwise][layer_norm]") {
  std::mt19937 rng(10);
  for (const Shape& s : kRowShapes) {
    const int64_t d = s.at(-1);
    Tensor x = random_tensor(s, DType::kF32, rng, -3, 5);  // non-zero mean
    Tensor w = random_tensor({d}, DType::kF32, rng, 0.5f, 1.5f);
    Tensor b = random_tensor({d}, DType::kF32, rng, -1, 1);
    for (int affine = 0; affine < 3; ++affine) {  // none, weight only, weight + bias
      const Tensor* pw_ = affine >= 1 ? &w : nullptr;
      const Tensor* pb = affine >= 2 ? &b : nullptr;
      Tensor want = zeros(s);
      REQUIRE(reference::layer_norm({}, {&x, pw_, pb, &want, 1e-5f}).ok());
      for (const auto& cfg : pw::configs()) {
        for (bool in_place : {false, true}) {
          INFO(s.to_string() << " affine " << affine << " " << cfg.label << (in_place ? " in-place" : ""));
          Tensor xin = pw::clone(x);
          Tensor out = in_place ? xin : zeros(s);
          REQUIRE(pw::run(cfg, LayerNormArgs{&xin, pw_, pb, &out, 1e-5f}).ok());
          CHECK(tolerance_ratio(out, want, 2e-6, 1e-5) <= 1.0);
        }
      }
    }
  }
}

TEST_CASE("rms_norm matches the reference", "[parity][pointwise][rms_norm]") {
  std::mt19937 rng(11);
  for (const Shape& s : kRowShapes) {
    const int64_t d = s.at(-1);
    Tensor x = random_tensor(s, DType::kF32, rng, -3, 3);
    Tensor w = random_tensor({d}, DType::kF32, rng, 0.5f, 1.5f);
    for (bool weighted : {false, true}) {
      Tensor want = zeros(s);
      REQUIRE(reference::rms_norm({}, {&x, weighted ? &w : nullptr, &want, 1e-6f}).ok());
      for (const auto& cfg : pw::configs()) {
        for (bool in_place : {false, true}) {
          INFO(s.to_string() << " " << cfg.label << (in_place ? " in-place" : ""));
          Tensor xin = pw::clone(x);
          Tensor out = in_place ? xin : zeros(s);
          REQUIRE(pw::run(cfg, RmsNormArgs{&xin, weighted ? &w : nullptr, &out, 1e-6f}).ok());
          CHECK(tolerance_ratio(out, want, 1e-6, 5e-6) <= 1.0);
        }
      }
    }
  }
}

TEST_CASE("softmax matches the reference", "[parity][pointwise][softmax]") {
  std::mt19937 rng(12);
  for (const Shape& s : kRowShapes) {
    Tensor x = random_tensor(s, DType::kF32, rng, -20, 20);
    for (float scale : {1.0f, 0.125f, -2.0f}) {
      Tensor want = zeros(s);
      REQUIRE(reference::softmax({}, {&x, &want, scale}).ok());
      for (const auto& cfg : pw::configs()) {
        for (bool in_place : {false, true}) {
          INFO(s.to_string() << " scale " << scale << " " << cfg.label << (in_place ? " in-place" : ""));
          Tensor xin = pw::clone(x);
          Tensor out = in_place ? xin : zeros(s);
          REQUIRE(pw::run(cfg, SoftmaxArgs{&xin, &out, scale}).ok());
          CHECK(tolerance_ratio(out, want, 1e-9, 4e-6) <= 1.0);
        }
      }
    }
  }
}

TEST_CASE("rope matches the reference", "[parity][pointwise][rope]") {
  std::mt19937 rng(13);
  struct Case { int64_t b, t, h, d, rot; bool per_batch; bool strided; };
  const Case cases[] = {
      {1, 5, 2, 8, 0, false, false},   {2, 7, 3, 64, 0, true, false},  {1, 9, 2, 80, 32, false, false},
      {2, 3, 5, 34, 18, true, true},   {1, 40, 4, 128, 64, false, true}, {1, 1, 1, 2, 0, false, false},
  };
  for (const auto& c : cases) {
    for (RopeLayout layout : {RopeLayout::kHalfSplit, RopeLayout::kInterleaved}) {
      // Strided: x is a [B, T, H, D] view of a [B, H, T, D + 6] buffer.
      Tensor base = random_tensor({c.b, c.h, c.t, c.d + 6}, DType::kF32, rng, -1, 1);
      Tensor x = c.strided ? base.slice(3, 0, c.d).value().permute({0, 2, 1, 3}).value()
                           : random_tensor({c.b, c.t, c.h, c.d}, DType::kF32, rng, -1, 1);
      Tensor pos = c.per_batch ? random_tensor({c.b, c.t}, DType::kF32, rng, 0, 3000)
                               : random_tensor({c.t}, DType::kF32, rng, -5, 500);
      pos.data<float>()[0] = 0.5f;  // fractional positions
      Tensor want = zeros({c.b, c.t, c.h, c.d});
      RopeArgs ra{&x, &pos, &want, 10000.0f, static_cast<int>(c.rot), layout};
      REQUIRE(reference::rope({}, ra).ok());
      for (const auto& cfg : pw::configs()) {
        INFO("rope b" << c.b << " t" << c.t << " h" << c.h << " d" << c.d << " rot" << c.rot << " layout "
                      << static_cast<int>(layout) << " " << cfg.label);
        Tensor out = zeros({c.b, c.t, c.h, c.d});
        RopeArgs a = ra;
        a.out = &out;
        REQUIRE(pw::run(cfg, a).ok());
        CHECK(tolerance_ratio(out, want, 1e-6, 1e-6) <= 1.0);
        // In place on the (possibly strided) view itself.
        Tensor base2 = pw::clone(base);
        Tensor x2 = c.strided ? base2.slice(3, 0, c.d).value().permute({0, 2, 1, 3}).value() : pw::clone(x);
        a.x = &x2;
        a.out = &x2;
        REQUIRE(pw::run(cfg, a).ok());
        CHECK(tolerance_ratio(x2, want, 1e-6, 1e-6) <= 1.0);
      }
    }
  }
}

TEST_CASE("rope rejects an odd rotary dim", "[parity][pointwise][rope]") {
  Tensor x = zeros({1, 2, 1, 8}), pos = zeros({2}), out = zeros({1, 2, 1, 8});
  RopeArgs a{&x, &pos, &out, 10000.0f, 3, RopeLayout::kHalfSplit};
  CHECK(reference::rope({}, a).code() == StatusCode::kInvalidArgument);
  for (const auto& cfg : pw::configs()) CHECK(pw::run(cfg, a).code() == StatusCode::kInvalidArgument);
}
