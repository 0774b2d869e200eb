// nmc_image_resize (OpenCV): exact box averages for 2x AREA downscales,
// constant images stay constant, argument checks.
#include <cmath>

#include "media_test_util.h"

using namespace media_test;

TEST_CASE("AREA downscale by 2 is the rounded 2x2 box average", "[media][image]") {
  Context ctx;
  ImagePtr photo = read_image(ctx, sample("photo.png"));
  nmc_image* raw = nullptr;
  REQUIRE(nmc_image_resize(ctx, photo.get(), 384, 256, NMC_RESIZE_AREA, &raw) == NMC_OK);
  ImagePtr half(raw);
  REQUIRE(nmc_image_width(half.get()) == 384);
  REQUIRE(nmc_image_height(half.get()) == 256);
  REQUIRE(nmc_image_channels(half.get()) == 3);
  int worst = 0;
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 384; ++x)
      for (int c = 0; c < 3; ++c) {
        const int sum = pixel(photo.get(), 2 * x, 2 * y)[c] + pixel(photo.get(), 2 * x + 1, 2 * y)[c] +
                        pixel(photo.get(), 2 * x, 2 * y + 1)[c] + pixel(photo.get(), 2 * x + 1, 2 * y + 1)[c];
        const int expect = static_cast<int>(std::lround(sum / 4.0));
        worst = std::max(worst, std::abs(expect - pixel(half.get(), x, y)[c]));
      }
  CHECK(worst <= 1);  // ties (x.5) may round either way in OpenCV's fixed point
}

TEST_CASE("every filter keeps a constant image constant", "[media][image]") {
  Context ctx;
  nmc_image* raw = nullptr;
  REQUIRE(nmc_image_create(ctx, 37, 21, 4, &raw) == NMC_OK);
  ImagePtr src(raw);
  uint8_t* d = nmc_image_data_mutable(src.get());
  for (size_t i = 0; i < nmc_image_stride(src.get()) * 21; i += 4) {
    d[i] = 10; d[i + 1] = 128; d[i + 2] = 250; d[i + 3] = 255;
  }
  for (auto f : {NMC_RESIZE_BILINEAR, NMC_RESIZE_BICUBIC, NMC_RESIZE_AREA, NMC_RESIZE_LANCZOS}) {
    nmc_image* out = nullptr;
    REQUIRE(nmc_image_resize(ctx, src.get(), 80, 9, f, &out) == NMC_OK);
    ImagePtr o(out);
    int off = 0;
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 80; ++x) {
        const uint8_t* p = pixel(o.get(), x, y);
        off += p[0] != 10 || p[1] != 128 || p[2] != 250 || p[3] != 255;
      }
    INFO("filter " << f);
    CHECK(off == 0);
  }
}

TEST_CASE("resize rejects bad arguments", "[media][image]") {
  Context ctx;
  ImagePtr photo = read_image(ctx, sample("photo.png"));
  nmc_image* out = reinterpret_cast<nmc_image*>(1);
  CHECK(nmc_image_resize(ctx, photo.get(), 0, 10, NMC_RESIZE_AREA, &out) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(out == nullptr);
  CHECK(nmc_image_resize(ctx, photo.get(), 1 << 20, 1 << 20, NMC_RESIZE_AREA, &out) == NMC_ERR_LIMIT_EXCEEDED);
  CHECK(nmc_image_resize(ctx, photo.get(), 10, 10, static_cast<nmc_resize_filter>(99), &out) ==
        NMC_ERR_INVALID_ARGUMENT);
  CHECK(std::string(nmc_context_last_error(ctx)).find("filter") != std::string::npos);
  CHECK(nmc_image_resize(ctx, nullptr, 10, 10, NMC_RESIZE_AREA, &out) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_image_resize(ctx, photo.get(), 10, 10, NMC_RESIZE_AREA, nullptr) == NMC_ERR_INVALID_ARGUMENT);
}
