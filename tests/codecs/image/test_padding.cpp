// Padding to multiples of 64 (CompressAI's compute_padding) and the crop back.
#include <catch2/catch.hpp>

#include "nmc/codecs/image/padding.h"

using namespace nmc;
using namespace nmc::image;

TEST_CASE("padding_for follows CompressAI's compute_padding", "[image][padding]") {
  // Values from compressai.ops.compute_padding(h, w, min_div=64): (left, right, top, bottom).
  struct Case { int64_t h, w, top, bottom, left, right; };
  const Case cases[] = {
      {512, 768, 0, 0, 0, 0},     // already multiples
      {480, 640, 16, 16, 0, 0},   // 480 -> 512
      {1, 1, 31, 32, 31, 32},     // odd split: the extra pixel goes right / bottom
      {65, 127, 31, 32, 0, 1},
      {193, 256, 31, 32, 0, 0},
  };
  for (const auto& c : cases) {
    auto p = padding_for(c.h, c.w);
    REQUIRE(p.ok());
    INFO(c.h << "x" << c.w);
    CHECK(*p == Padding{c.top, c.bottom, c.left, c.right});
    CHECK((c.h + p->top + p->bottom) % 64 == 0);
    CHECK((c.w + p->left + p->right) % 64 == 0);
  }
  CHECK(padding_for(0, 5).status().code() == StatusCode::kInvalidArgument);
  CHECK(padding_for(5, -1).status().code() == StatusCode::kInvalidArgument);
  CHECK(padding_for(5, 5, 0).status().code() == StatusCode::kInvalidArgument);
  CHECK(padding_for(int64_t{1} << 62, 5).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("pad_image adds zero margins and crop_image takes them away", "[image][padding]") {
  const int64_t n = 1, c = 3, h = 5, w = 7;
  Tensor x = Tensor::zeros(Shape{n, c, h, w}, DType::kF32).value();
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = 1.0f + static_cast<float>(i);
  const Padding p = padding_for(h, w).value();  // 5x7 -> 64x64: top 29, bottom 30, left 28, right 29
  CHECK(p == Padding{29, 30, 28, 29});
  Tensor padded = pad_image(x, p).value();
  REQUIRE(padded.shape() == Shape{n, c, 64, 64});
  double inside = 0, outside = 0;
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t y = 0; y < 64; ++y)
      for (int64_t xx = 0; xx < 64; ++xx) {
        const float v = padded.data<float>()[(ch * 64 + y) * 64 + xx];
        const bool in = y >= p.top && y < p.top + h && xx >= p.left && xx < p.left + w;
        if (in) {
          CHECK(v == x.data<float>()[(ch * h + (y - p.top)) * w + (xx - p.left)]);
          inside += v;
        } else {
          outside += std::abs(v);
        }
      }
  CHECK(outside == 0.0);
  CHECK(inside == Approx(105.0 * 106.0 / 2));  // 1 + 2 + ... + 105
  Tensor back = crop_image(padded, p).value();
  REQUIRE(back.shape() == x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) CHECK(back.data<float>()[i] == x.data<float>()[i]);

  CHECK(crop_image(padded, Padding{32, 32, 0, 0}).status().code() == StatusCode::kInvalidArgument);
  CHECK(pad_image(x, Padding{-1, 0, 0, 0}).status().code() == StatusCode::kInvalidArgument);
  Tensor ints = Tensor::zeros(Shape{1, 3, 4, 4}, DType::kI32).value();
  CHECK(pad_image(ints, p).status().code() == StatusCode::kInvalidArgument);
  Tensor rank3 = Tensor::zeros(Shape{3, 4, 4}, DType::kF32).value();
  CHECK(crop_image(rank3, p).status().code() == StatusCode::kInvalidArgument);
}
