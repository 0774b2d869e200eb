// Resizing (vision/image_resize.h) against the PIL bicubic resizes the Hugging
// Face processor made for the tiny golden fixture
// (tests/data/vlm/llava_ov_tiny/pixels.safetensors): a mild shrink
// (416x166 -> 384x154), a strong one that changes the aspect ratio
// (-> 64x64) and video frames (128x96 -> 64x64).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "nmc/kernels/safetensors.h"
#include "nmc/vision/image_resize.h"

using namespace nmc;
using namespace nmc::vision;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm/llava_ov_tiny";

struct Diff {
  int max = 0;
  double mean = 0;
};

Diff compare(const RgbImage& got, const uint8_t* want) {
  Diff d;
  const size_t n = got.pixels.size();
  for (size_t i = 0; i < n; ++i) {
    const int e = std::abs(int(got.pixels[i]) - int(want[i]));
    d.max = std::max(d.max, e);
    d.mean += e;
  }
  d.mean /= static_cast<double>(n);
  return d;
}

RgbView view_of(const Tensor& t, int64_t index = -1) {  // [H, W, 3] or [N, H, W, 3]
  const int off = index >= 0 ? 1 : 0;
  const int64_t h = t.dim(off), w = t.dim(off + 1);
  return {t.data<uint8_t>() + (index >= 0 ? index * h * w * 3 : 0), w, h, w * 3};
}

}  // namespace

TEST_CASE("resizing reproduces the processor's PIL bicubic bit for bit", "[vision][resize]") {
  auto f = SafetensorsFile::open(kDir + "/pixels.safetensors");
  REQUIRE(f.ok());
  const Tensor raw = f->tensor("b.image_raw_u8").value();
  const Tensor resized = f->tensor("b.image_resized_u8").value();  // 166x416 -> 154x384 (shrink)
  const Tensor base = f->tensor("b.image_base_u8").value();        // 166x416 -> 64x64 (shrink, aspect not kept)
  auto r = resize_rgb(view_of(raw), resized.dim(1), resized.dim(0));
  REQUIRE(r.ok());
  const Diff d1 = compare(*r, resized.data<uint8_t>());
  auto b = resize_rgb(view_of(raw), 64, 64);
  REQUIRE(b.ok());
  const Diff d2 = compare(*b, base.data<uint8_t>());
  // Video frames 0 and 5: 96x128 -> 64x64, compared with the processor's pixel values turned back to 8 bits.
  const Tensor frames = f->tensor("c.video_raw_u8").value();
  auto stack = SafetensorsFile::open(kDir + "/stack.safetensors");
  REQUIRE(stack.ok());
  const Tensor pv = stack->tensor("c.pixel_values_videos_sel").value();  // [2, 3, 64, 64]
  Diff d3;
  for (int64_t i = 0; i < 2; ++i) {
    auto fr = resize_rgb(view_of(frames, i == 0 ? 0 : 5), 64, 64);  // c.frames_idx
    REQUIRE(fr.ok());
    std::vector<uint8_t> want(64 * 64 * 3);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t p = 0; p < 64 * 64; ++p)
        want[p * 3 + c] = static_cast<uint8_t>(
            std::lround((pv.data<float>()[(i * 3 + c) * 64 * 64 + p] * 0.5 + 0.5) * 255.0));
    const Diff d = compare(*fr, want.data());
    d3.max = std::max(d3.max, d.max);
    d3.mean += d.mean / 2;
  }
  // Pillow's algorithm reproduced: every 8-bit value identical.
  INFO("canvas resize: max " << d1.max << " mean " << d1.mean << "; base tile: max " << d2.max << " mean "
                             << d2.mean << "; video frames: max " << d3.max << " mean " << d3.mean);
  CHECK(d1.max == 0);
  CHECK(d2.max == 0);
  CHECK(d3.max == 0);
}

TEST_CASE("resize validates its arguments", "[vision][resize]") {
  const uint8_t px[12] = {};
  CHECK(resize_rgb({px, 2, 2, 6}, 0, 4).status().code() == StatusCode::kInvalidArgument);
  CHECK(resize_rgb({nullptr, 2, 2, 6}, 4, 4).status().code() == StatusCode::kInvalidArgument);
  CHECK(resize_rgb({px, 2, 2, 5}, 4, 4).status().code() == StatusCode::kInvalidArgument);
  CHECK(resize_rgb({px, 2, 2, 6}, 70000, 4).status().code() == StatusCode::kInvalidArgument);
  const uint8_t grad[12] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110};
  auto same = resize_rgb({grad, 2, 2, 6}, 2, 2);  // no pass: a copy
  REQUIRE(same.ok());
  CHECK(std::equal(grad, grad + 12, same->pixels.begin()));
  // Horizontal pass only; values from Pillow 13: Image.fromarray(grad).resize((5, 2), BICUBIC).
  auto wide = resize_rgb({grad, 2, 2, 6}, 5, 2);
  REQUIRE(wide.ok());
  const std::vector<uint8_t> pil = {0,  7,  17, 2,  12, 22, 15, 25, 35, 28,  38,  48,  33,  43,  53,
                                    57, 67, 77, 62, 72, 82, 75, 85, 95, 88, 98, 108, 93, 103, 113};
  CHECK(wide->pixels == pil);
}
