// Image I/O: the sample photo, PNG round trips, PNG variants (libpng vs
// FFmpeg), JPEG through FFmpeg, argument checks, allocator hooks.
#include <algorithm>
#include <cstring>

#include "media/image_read.h"
#include "media/png_io.h"
#include "media_test_util.h"

using namespace media_test;

namespace {

std::vector<uint8_t> packed(const nmc::media::Image& img) {
  const uint8_t* p = img.data();
  return std::vector<uint8_t>(p, p + img.stride() * static_cast<size_t>(img.height));
}

nmc::media::Image internal_png(const std::string& path, int channels) {
  auto r = nmc::media::read_png(path.c_str(), channels, nullptr);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return r.value();
}

nmc::media::Image internal_ffmpeg(const std::string& path, int channels) {
  auto r = nmc::media::read_image_ffmpeg(path.c_str(), channels, nullptr);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return r.value();
}

// Deterministic pseudo-random bytes (xorshift32).
std::vector<uint8_t> noise(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t s = seed;
  for (auto& b : v) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    b = static_cast<uint8_t>(s >> 24);
  }
  return v;
}

}  // namespace

TEST_CASE("sample photo reads with the expected size and pixels", "[media][image]") {
  Context ctx;
  ImagePtr img = read_image(ctx, sample("photo.png"));
  REQUIRE(nmc_image_width(img.get()) == 768);
  REQUIRE(nmc_image_height(img.get()) == 512);
  REQUIRE(nmc_image_channels(img.get()) == 3);
  REQUIRE(nmc_image_stride(img.get()) == 768u * 3u);
  // Reference values printed once with `ffmpeg -i photo.png -f rawvideo -pix_fmt rgb24` (lossless).
  struct Ref {
    int x, y;
    uint8_t rgb[3];
  };
  const Ref refs[] = {{0, 0, {230, 238, 205}},     {767, 0, {136, 166, 132}}, {0, 511, {196, 212, 176}},
                      {767, 511, {123, 128, 100}}, {384, 256, {200, 196, 151}}, {100, 400, {169, 192, 160}},
                      {500, 300, {116, 140, 85}}};
  for (const Ref& r : refs) {
    const uint8_t* p = pixel(img.get(), r.x, r.y);
    INFO("pixel " << r.x << "," << r.y);
    CHECK(p[0] == r.rgb[0]);
    CHECK(p[1] == r.rgb[1]);
    CHECK(p[2] == r.rgb[2]);
  }
  uint64_t sum = 0;
  for (uint8_t v : pixels(img.get())) sum += v;
  CHECK(sum == 187956373u);  // same ffmpeg dump

  SECTION("desired channels 4 adds opaque alpha, 1 uses the documented luma") {
    ImagePtr rgba = read_image(ctx, sample("photo.png"), 4);
    ImagePtr gray = read_image(ctx, sample("photo.png"), 1);
    REQUIRE(nmc_image_channels(rgba.get()) == 4);
    REQUIRE(nmc_image_channels(gray.get()) == 1);
    int mismatches = 0;
    for (int y = 0; y < 512; ++y)
      for (int x = 0; x < 768; ++x) {
        const uint8_t* c = pixel(img.get(), x, y);
        const uint8_t* a = pixel(rgba.get(), x, y);
        const uint8_t g = *pixel(gray.get(), x, y);
        const int expect = (77 * c[0] + 150 * c[1] + 29 * c[2] + 128) >> 8;
        mismatches += (a[0] != c[0] || a[1] != c[1] || a[2] != c[2] || a[3] != 255 || g != expect);
      }
    CHECK(mismatches == 0);
    CHECK(*pixel(gray.get(), 0, 0) == 232);  // (77*230 + 150*238 + 29*205 + 128) >> 8
  }
}

TEST_CASE("PNG write/read round trip is bit-exact for gray, RGB and RGBA", "[media][image]") {
  Context ctx;
  TempDir dir;
  for (int channels : {1, 3, 4}) {
    DYNAMIC_SECTION("channels " << channels) {
      const int w = 37, h = 23;  // odd sizes: no accidental alignment
      nmc_image* raw = nullptr;
      REQUIRE(nmc_image_create(ctx, w, h, channels, &raw) == NMC_OK);
      ImagePtr img(raw);
      const std::vector<uint8_t> src = noise(static_cast<size_t>(w) * h * channels, 1234u + channels);
      std::memcpy(nmc_image_data_mutable(img.get()), src.data(), src.size());
      const std::string path = dir.file("rt" + std::to_string(channels) + ".png");
      REQUIRE(nmc_image_write_png(ctx, img.get(), path.c_str()) == NMC_OK);
      ImagePtr back = read_image(ctx, path);
      REQUIRE(nmc_image_width(back.get()) == w);
      REQUIRE(nmc_image_height(back.get()) == h);
      REQUIRE(nmc_image_channels(back.get()) == channels);
      CHECK(pixels(back.get()) == src);

      // From a caller buffer with padded rows.
      const size_t stride = static_cast<size_t>(w) * channels + 7;
      std::vector<uint8_t> padded(stride * h, 0xAB);
      for (int y = 0; y < h; ++y)
        std::memcpy(&padded[y * stride], &src[static_cast<size_t>(y) * w * channels], static_cast<size_t>(w) * channels);
      const std::string path2 = dir.file("buf" + std::to_string(channels) + ".png");
      REQUIRE(nmc_image_write_png_buffer(ctx, padded.data(), w, h, channels, stride, path2.c_str()) == NMC_OK);
      CHECK(pixels(read_image(ctx, path2).get()) == src);
    }
  }
}

TEST_CASE("PNG variants decode exactly, with libpng and with FFmpeg", "[media][image]") {
  Context ctx;
  ImagePtr photo = read_image(ctx, sample("photo.png"));
  // Fixtures encode the 64x48 crop at (352, 232) of photo.png with sample
  // values defined in tools/data/make_samples.sh; recompute them here.
  const int W = 64, H = 48;
  const std::vector<uint8_t> rgb = crop(photo.get(), 352, 232, W, H);
  std::vector<uint8_t> luma(W * H), rgba(W * H * 4), ya_rgba(W * H * 4), gray1(W * H), pal(W * H * 4);
  bool first = true;
  uint8_t first_colour[3] = {0, 0, 0};
  for (int i = 0; i < W * H; ++i) {
    const uint8_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    const uint8_t y = static_cast<uint8_t>((77 * r + 150 * g + 29 * b + 128) >> 8);
    const uint8_t a = static_cast<uint8_t>(4 * (i % W));
    luma[i] = y;
    gray1[i] = y >= 128 ? 255 : 0;
    const uint8_t q[3] = {static_cast<uint8_t>((r & 0xE0) | 0x10), static_cast<uint8_t>((g & 0xE0) | 0x10),
                          static_cast<uint8_t>((b & 0xC0) | 0x20)};
    if (first) std::memcpy(first_colour, q, 3), first = false;
    const bool transparent = std::memcmp(q, first_colour, 3) == 0;  // palette entry 0 (tRNS)
    for (int k = 0; k < 3; ++k) {
      rgba[4 * i + k] = rgb[3 * i + k];
      ya_rgba[4 * i + k] = y;
      pal[4 * i + k] = q[k];
    }
    rgba[4 * i + 3] = a;
    ya_rgba[4 * i + 3] = a;
    pal[4 * i + 3] = transparent ? 0 : 255;
  }
  auto both = [](const std::string& name, int channels, const std::vector<uint8_t>& expect, int expect_channels) {
    auto lib = internal_png(fixture(name), channels);
    auto ff = internal_ffmpeg(fixture(name), channels);
    INFO(name << " channels " << channels);
    REQUIRE(lib.channels == expect_channels);
    CHECK(packed(lib) == expect);
    CHECK(packed(ff) == expect);
  };
  SECTION("16-bit samples are rounded to 8 bits exactly") {
    both("crop_rgb48.png", 0, rgb, 3);
    both("crop_gray16.png", 0, luma, 1);
  }
  SECTION("1-bit gray expands to 0 / 255") { both("crop_gray1.png", 0, gray1, 1); }
  SECTION("palette with tRNS becomes RGBA; alpha dropped on request") {
    both("crop_pal8.png", 0, pal, 4);
    std::vector<uint8_t> pal_rgb;
    for (size_t i = 0; i < pal.size(); i += 4) pal_rgb.insert(pal_rgb.end(), &pal[i], &pal[i] + 3);
    both("crop_pal8.png", 3, pal_rgb, 3);
    CHECK(std::count(pal.begin(), pal.end(), 0) > 0);  // some pixels use the transparent entry
  }
  SECTION("gray + alpha becomes RGBA") { both("crop_ya8.png", 0, ya_rgba, 4); }
  SECTION("RGBA, plain and Adam7-interlaced; alpha dropped on request") {
    both("crop_rgba.png", 0, rgba, 4);
    both("crop_rgba_adam7.png", 0, rgba, 4);
    both("crop_rgba.png", 3, rgb, 3);
    both("crop_rgba_adam7.png", 1, luma, 1);
  }
}

TEST_CASE("JPEG decodes through FFmpeg close to its source", "[media][image]") {
  Context ctx;
  ImagePtr photo = read_image(ctx, sample("photo.png"));
  ImagePtr jpg = read_image(ctx, fixture("photo_crop_q2.jpg"));
  REQUIRE(nmc_image_width(jpg.get()) == 192);
  REQUIRE(nmc_image_height(jpg.get()) == 128);
  REQUIRE(nmc_image_channels(jpg.get()) == 3);
  // The fixture is the 192x128 crop at (288, 192) at JPEG quality 2 with 4:2:0
  // chroma; a wrong colour matrix or range drops this far below 30 dB.
  const double db = psnr(pixels(jpg.get()), crop(photo.get(), 288, 192, 192, 128));
  INFO("PSNR " << db);
  CHECK(db > 30.0);

  ImagePtr gray = read_image(ctx, fixture("photo_crop_q2.jpg"), 1);
  REQUIRE(nmc_image_channels(gray.get()) == 1);
  const uint8_t* c = pixel(jpg.get(), 10, 10);
  CHECK(*pixel(gray.get(), 10, 10) == ((77 * c[0] + 150 * c[1] + 29 * c[2] + 128) >> 8));
}

TEST_CASE("image creation validates its arguments", "[media][image]") {
  Context ctx;
  nmc_image* img = nullptr;
  CHECK(nmc_image_create(ctx, 0, 10, 3, &img) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(img == nullptr);
  CHECK(nmc_image_create(ctx, 10, 10, 2, &img) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(std::string(nmc_context_last_error(ctx)).find("channels") != std::string::npos);
  CHECK(nmc_image_create(ctx, 70000, 10, 1, &img) == NMC_ERR_LIMIT_EXCEEDED);
  CHECK(nmc_image_create(ctx, 20000, 20000, 1, &img) == NMC_ERR_LIMIT_EXCEEDED);
  CHECK(nmc_image_create(ctx, 10, 10, 3, nullptr) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_image_read(ctx, sample("photo.png").c_str(), 2, &img) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_image_read(ctx, nullptr, 0, &img) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_image_write_png(ctx, nullptr, "x.png") == NMC_ERR_INVALID_ARGUMENT);
  uint8_t buf[12] = {0};
  CHECK(nmc_image_write_png_buffer(ctx, buf, 2, 2, 3, 5, "x.png") == NMC_ERR_INVALID_ARGUMENT);  // stride < 6
  CHECK(nmc_image_write_png_buffer(ctx, nullptr, 2, 2, 3, 6, "x.png") == NMC_ERR_INVALID_ARGUMENT);
  TempDir dir;
  const std::string missing_dir = dir.file("no/such/dir/x.png");
  CHECK(nmc_image_write_png_buffer(ctx, buf, 2, 2, 3, 6, missing_dir.c_str()) == NMC_ERR_IO);
  CHECK(nmc_image_width(nullptr) == 0);
  CHECK(nmc_image_data(nullptr) == nullptr);
  nmc_image_free(nullptr);
}

namespace {
struct AllocCounter {
  int allocs = 0;
  int frees = 0;
};
void* counting_alloc(void* user, size_t size, size_t alignment) {
  static_cast<AllocCounter*>(user)->allocs++;
  return aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}
void counting_free(void* user, void* p) {
  static_cast<AllocCounter*>(user)->frees++;
  free(p);
}
}  // namespace

TEST_CASE("image pixels use the context's allocator hooks", "[media][image]") {
  AllocCounter counter;
  nmc_context_settings s;
  nmc_context_default_settings(&s);
  s.num_threads = 1;
  s.allocator.alloc = counting_alloc;
  s.allocator.free = counting_free;
  s.allocator.user = &counter;
  Context ctx(&s);
  {
    ImagePtr img = read_image(ctx, sample("photo.png"));
    CHECK(counter.allocs >= 1);
    CHECK(counter.frees < counter.allocs);
  }
  CHECK(counter.frees == counter.allocs);
}
