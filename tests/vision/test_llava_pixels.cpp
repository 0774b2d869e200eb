// Pixel values against the tiny golden fixture (transformers 4.46.1 image
// processor): tiles 0, 1, 6 and 18 of the 166x416 image, from the processor's own
// resized and base images (tests/data/vlm/llava_ov_tiny/pixels.safetensors).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "nmc/kernels/safetensors.h"
#include "nmc/vision/image_resize.h"
#include "nmc/vision/llava_onevision_config.h"
#include "nmc/vision/llava_onevision_layout.h"
#include "nmc/vision/llava_onevision_pixels.h"

using namespace nmc;
using namespace nmc::vision;

namespace {
const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm/llava_ov_tiny";
}

TEST_CASE("anyres pixel values equal the image processor's", "[vision][pixels]") {
  auto file = SafetensorsFile::open(kDir + "/pixels.safetensors");
  REQUIRE(file.ok());
  auto get = [&](const char* name) {
    auto t = file->tensor(name);
    REQUIRE(t.ok());
    return std::move(t).value();
  };
  const Tensor sizes = get("b.image_sizes"), best = get("b.image_best_resolution"), pads = get("b.image_pad_offsets");
  const Tensor resized = get("b.image_resized_u8"), base = get("b.image_base_u8");
  const Tensor want = get("b.pixel_values_sel"), idx = get("b.pixel_values_idx"), count = get("b.pixel_values_count");
  auto config = load_llava_onevision_config(kDir);
  REQUIRE(config.ok());
  auto layout = anyres_layout(*config, sizes.data<int64_t>()[0], sizes.data<int64_t>()[1]);
  REQUIRE(layout.ok());
  CHECK(layout->canvas_height == best.data<int64_t>()[0]);
  CHECK(layout->canvas_width == best.data<int64_t>()[1]);
  CHECK(layout->pad_top == pads.data<int64_t>()[0]);
  CHECK(layout->pad_left == pads.data<int64_t>()[1]);
  REQUIRE(resized.dim(0) == layout->resized_height);
  REQUIRE(resized.dim(1) == layout->resized_width);
  const RgbView rv{resized.data<uint8_t>(), resized.dim(1), resized.dim(0), 3 * resized.dim(1)};
  const RgbView bv{base.data<uint8_t>(), 64, 64, 3 * 64};
  auto pv = anyres_pixel_values(*layout, config->vision.image_size, rv, bv);
  REQUIRE(pv.ok());
  REQUIRE(pv->dim(0) == count.data<int64_t>()[0]);
  const int64_t per_tile = 3 * 64 * 64;
  for (int64_t k = 0; k < idx.numel(); ++k) {
    const int64_t t = idx.data<int64_t>()[k];
    INFO("tile " << t);
    const float* got = pv->data<float>() + t * per_tile;
    const float* ref = want.data<float>() + k * per_tile;
    int64_t differ = 0;
    for (int64_t i = 0; i < per_tile; ++i) differ += std::memcmp(&got[i], &ref[i], sizeof(float)) != 0;
    CHECK(differ == 0);  // bit-exact (the fixture allows 1e-6)
  }
}

TEST_CASE("pixel values refuse views that do not fit", "[vision][pixels]") {
  auto config = load_llava_onevision_config(kDir);
  REQUIRE(config.ok());
  auto layout = anyres_layout(*config, 166, 416);
  REQUIRE(layout.ok());
  std::vector<uint8_t> img(static_cast<size_t>(384 * 154 * 3), 200), tile(64 * 64 * 3, 10);
  const RgbView ok_resized{img.data(), 384, 154, 384 * 3}, ok_base{tile.data(), 64, 64, 64 * 3};
  REQUIRE(anyres_pixel_values(*layout, 64, ok_resized, ok_base).ok());
  CHECK(anyres_pixel_values(*layout, 64, RgbView{img.data(), 383, 154, 384 * 3}, ok_base).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(anyres_pixel_values(*layout, 64, RgbView{nullptr, 384, 154, 384 * 3}, ok_base).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(anyres_pixel_values(*layout, 64, ok_resized, RgbView{tile.data(), 64, 64, 10}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(anyres_pixel_values(*layout, 32, ok_resized, ok_base).status().code() == StatusCode::kInvalidArgument);
  AnyresLayout shifted = *layout;
  shifted.pad_top = 40;  // 40 + 154 > 192
  CHECK(anyres_pixel_values(shifted, 64, ok_resized, ok_base).status().code() == StatusCode::kInvalidArgument);
  // Padding is black: -1 after normalization; content 200 -> (200/255 - 0.5) / 0.5.
  auto pv = anyres_pixel_values(*layout, 64, ok_resized, ok_base);
  const float* t1 = pv->data<float>() + 3 * 64 * 64;  // tile 1: rows 0..63 of the canvas, 19 of them padding
  CHECK(t1[0] == -1.0f);
  CHECK(t1[19 * 64] == normalize_pixel(200));
  CHECK(normalize_pixel(0) == -1.0f);
  CHECK(normalize_pixel(255) == 1.0f);
  auto frame = frame_pixel_values(64, ok_base);
  REQUIRE(frame.ok());
  CHECK(frame->dim(0) == 1);
  CHECK(frame->data<float>()[0] == normalize_pixel(10));
  CHECK(frame_pixel_values(64, RgbView{tile.data(), 32, 64, 64 * 3}).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("an odd padding remainder stretches the last tiles as the processor does", "[vision][pixels]") {
  // 150x97 on the tiny config: canvas 192x128, resized 192x125, 3 columns of padding. The processor pads 1 on
  // each side (a 127-pixel-wide canvas), so the right column of tiles is 63 pixels wide and is resized to 64.
  // odd_pad.safetensors: the processor's pixel values (tools/fixtures/make_llava_odd_pad_fixture.py).
  const std::string dir = std::string(NMC_TEST_DATA) + "/vlm/llava_ov_tiny";
  auto f = SafetensorsFile::open(dir + "/odd_pad.safetensors");
  REQUIRE(f.ok());
  const Tensor img = f->tensor("image_u8").value(), want = f->tensor("pixel_values").value();
  auto config = load_llava_onevision_config(dir);
  REQUIRE(config.ok());
  auto layout = anyres_layout(*config, 150, 97);
  REQUIRE(layout.ok());
  REQUIRE(layout->canvas_width - layout->resized_width == 3);
  const int64_t tile = config->vision.image_size;
  const RgbView src{img.data<uint8_t>(), 97, 150, 97 * 3};
  auto resized = resize_rgb(src, layout->resized_width, layout->resized_height);
  auto base = resize_rgb(src, tile, tile);
  REQUIRE(resized.ok());
  REQUIRE(base.ok());
  auto pv = anyres_pixel_values(*layout, tile, resized->view(), base->view());
  REQUIRE(pv.ok());
  REQUIRE(pv->shape() == want.shape());
  double worst = 0;
  for (int64_t i = 0; i < want.numel(); ++i)
    worst = std::max(worst, std::fabs(double(pv->data<float>()[i]) - want.data<float>()[i]));
  CHECK(worst <= 1e-6);
}
