// ImageCodec: whole-image round trips, stream layout, determinism across
// thread counts, and hostile streams.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "image_stream.h"
#include "nmc/codecs/container/stream.h"
#include "nmc/codecs/container/writer.h"
#include "nmc/codecs/image/image_codec.h"
#include "nmc/kernels/backend.h"
#include "nmc/kernels/thread_pool.h"

using namespace nmc;
using namespace nmc::image;
namespace fs = std::filesystem;

namespace {

// A model folder around the CompressAI fixture weights (mbt2018-mean, N=64, M=96, float path only).
std::string fixture_model_folder() {
  static const std::string folder = [] {
    const fs::path dir = fs::temp_directory_path() / ("nmc_test_image_codec_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::copy_file(fs::path(NMC_TEST_DATA) / "image/mbt2018-mean/weights.safetensors", dir / "model.safetensors",
                  fs::copy_options::overwrite_existing);
    std::ofstream(dir / "config.json") << R"({"model_type": "image-hyperprior", "architecture": "mbt2018-mean",
                                           "N": 64, "M": 96, "name": "fixture-mbt", "quality": 7})";
    return dir.string();
  }();
  return folder;
}

ImageCodec open_codec(const std::string& folder) {
  auto c = ImageCodec::open(folder);
  INFO(c.status().to_string());
  REQUIRE(c.ok());
  return std::move(c).value();
}

// Smooth colour gradients with texture: compressible but not trivial.
std::vector<uint8_t> test_pixels(int64_t w, int64_t h, int channels, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-12, 12);
  std::vector<uint8_t> px(static_cast<size_t>(w * h * channels));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) {
        const double v = 128 + 90 * std::sin(0.05 * x + 0.9 * c) * std::cos(0.07 * y - 0.4 * c) + noise(rng);
        px[(y * w + x) * channels + c] = static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
      }
  return px;
}

double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  REQUIRE(a.size() == b.size());
  double se = 0;
  for (size_t i = 0; i < a.size(); ++i) se += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return se == 0 ? 100.0 : 10 * std::log10(255.0 * 255.0 * a.size() / se);
}

ImageView view_of(const std::vector<uint8_t>& px, int64_t w, int64_t h, int channels) {
  return ImageView{px.data(), w, h, channels, w * channels};
}

}  // namespace

TEST_CASE("image codec round trips any size, RGB and gray", "[image_codec]") {
  const ImageCodec codec = open_codec(fixture_model_folder());
  CHECK(codec.info().name == "fixture-mbt");
  CHECK(codec.info().quality == 7);
  CHECK(codec.info().n == 64);
  const Exec exec{&cpu_backend(), nullptr};
  struct Case { int64_t w, h; int channels; };
  for (const Case& c : {Case{128, 64, 3}, Case{100, 70, 3}, Case{1, 1, 3}, Case{65, 33, 1}, Case{200, 9, 1}}) {
    INFO(c.w << "x" << c.h << "x" << c.channels);
    const auto px = test_pixels(c.w, c.h, c.channels);
    auto stream = codec.encode(exec, view_of(px, c.w, c.h, c.channels));
    REQUIRE(stream.ok());
    auto info = inspect_image_stream(*stream);
    REQUIRE(info.ok());
    CHECK(info->width == c.w);
    CHECK(info->height == c.h);
    CHECK(info->channels == c.channels);
    CHECK(info->model_name == "fixture-mbt");
    CHECK(info->lanes == 8);
    CHECK(info->probability_path == kFloatProbabilities);  // the fixture has no integer h_s
    CHECK(info->stream_bytes == static_cast<int64_t>(stream->size()));
    auto decoded = codec.decode(exec, *stream);
    INFO(decoded.status().to_string());
    REQUIRE(decoded.ok());
    CHECK(decoded->width == c.w);
    CHECK(decoded->height == c.h);
    CHECK(decoded->channels == c.channels);
    // The fixture's weights are random (not trained): the reconstruction is only loosely related to the
    // input, but it must be a deterministic function of the stream.
    auto again = codec.decode(exec, *stream);
    REQUIRE(again.ok());
    CHECK(again->pixels == decoded->pixels);
  }
}

TEST_CASE("image codec: a one-lane stream decodes and a strided view equals a packed one", "[image_codec]") {
  const ImageCodec codec = open_codec(fixture_model_folder());
  const Exec exec{&cpu_backend(), nullptr};
  const int64_t w = 96, h = 80;
  const auto px = test_pixels(w, h, 3);
  std::vector<uint8_t> strided(static_cast<size_t>((w * 3 + 17) * h), 0xAB);
  for (int64_t y = 0; y < h; ++y) std::copy_n(&px[y * w * 3], w * 3, &strided[y * (w * 3 + 17)]);
  auto a = codec.encode(exec, view_of(px, w, h, 3));
  auto b = codec.encode(exec, ImageView{strided.data(), w, h, 3, w * 3 + 17});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  ImageEncodeOptions one;
  one.lanes = 1;
  auto c = codec.encode(exec, view_of(px, w, h, 3), one);
  REQUIRE(c.ok());
  CHECK(inspect_image_stream(*c)->lanes == 1);
  auto da = codec.decode(exec, *a);
  auto dc = codec.decode(exec, *c);
  REQUIRE(da.ok());
  REQUIRE(dc.ok());
  CHECK(da->pixels == dc->pixels);  // same symbols, other lane layout

  // float32 transforms throughout: a valid stream of the same size class, decoded to nearly the same pixels.
  ImageEncodeOptions exact;
  exact.exact_transforms = true;
  ImageDecodeOptions exact_dec;
  exact_dec.exact_transforms = true;
  auto e = codec.encode(exec, view_of(px, w, h, 3), exact);
  REQUIRE(e.ok());
  auto de = codec.decode(exec, *e, exact_dec);
  REQUIRE(de.ok());
  CHECK(std::abs(static_cast<double>(e->size()) - static_cast<double>(a->size())) < 0.02 * a->size());
  CHECK(psnr(de->pixels, da->pixels) > 35.0);
}

TEST_CASE("image codec rejects bad views and options", "[image_codec][hostile]") {
  const ImageCodec codec = open_codec(fixture_model_folder());
  const Exec exec{&cpu_backend(), nullptr};
  const auto px = test_pixels(16, 16, 3);
  auto code = [&](ImageView v, ImageEncodeOptions o = {}) { return codec.encode(exec, v, o).status().code(); };
  CHECK(code(ImageView{nullptr, 16, 16, 3, 48}) == StatusCode::kInvalidArgument);
  CHECK(code(ImageView{px.data(), 16, 16, 2, 48}) == StatusCode::kInvalidArgument);
  CHECK(code(ImageView{px.data(), 0, 16, 3, 48}) == StatusCode::kInvalidArgument);
  CHECK(code(ImageView{px.data(), 16, 16, 3, 47}) == StatusCode::kInvalidArgument);
  ImageEncodeOptions lanes;
  lanes.lanes = 3;
  CHECK(code(view_of(px, 16, 16, 3), lanes) == StatusCode::kInvalidArgument);
  ImageEncodeOptions small;
  small.limits.max_pixels = 255;
  CHECK(code(view_of(px, 16, 16, 3), small) == StatusCode::kLimitExceeded);
  CHECK(ImageCodec().encode(exec, view_of(px, 16, 16, 3)).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("image codec rejects damaged, truncated and foreign streams", "[image_codec][hostile]") {
  const ImageCodec codec = open_codec(fixture_model_folder());
  const Exec exec{&cpu_backend(), nullptr};
  const auto px = test_pixels(64, 64, 3);
  auto stream = codec.encode(exec, view_of(px, 64, 64, 3));
  REQUIRE(stream.ok());
  const std::vector<uint8_t>& s = *stream;

  SECTION("every truncation") {
    for (size_t n = 0; n < s.size(); ++n) {
      auto r = codec.decode(exec, std::span(s.data(), n));
      INFO(n);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == StatusCode::kInvalidData);
    }
  }
  SECTION("every single-byte change is caught (CRC or field checks)") {
    for (size_t i = 0; i < s.size(); ++i) {
      std::vector<uint8_t> bad = s;
      bad[i] ^= 0x41;
      INFO(i);
      CHECK_FALSE(codec.decode(exec, bad).ok());
    }
  }
  SECTION("a HYPR chunk with inconsistent fields, re-framed with a valid CRC") {
    auto parsed = container::parse(s);
    REQUIRE(parsed.ok());
    const auto payload = parsed->chunks[0].payload;
    auto reframe = [&](std::vector<uint8_t> p) {
      container::Writer w;
      REQUIRE(w.set_header(parsed->header).ok());
      REQUIRE(w.append_chunk(kHyperpriorChunk, p).ok());
      return std::move(w.finish()).value();
    };
    std::vector<uint8_t> p(payload.begin(), payload.end());
    auto with = [&](size_t at, uint8_t v) { auto q = p; q[at] = v; return reframe(q); };
    CHECK(codec.decode(exec, with(0, 2)).status().code() == StatusCode::kUnsupported);   // layout version
    CHECK(codec.decode(exec, with(1, 0)).status().code() == StatusCode::kInvalidData);   // other architecture
    CHECK(codec.decode(exec, with(1, 9)).status().code() == StatusCode::kInvalidData);   // unknown architecture
    CHECK(codec.decode(exec, with(2, 7)).status().code() == StatusCode::kInvalidData);   // probability path
    CHECK(codec.decode(exec, with(2, kIntegerProbabilities)).status().code() == StatusCode::kUnsupported);
    CHECK(codec.decode(exec, with(3, 5)).status().code() == StatusCode::kInvalidData);   // lanes
    CHECK(codec.decode(exec, with(4, 65)).status().code() == StatusCode::kInvalidData);  // N
    CHECK(codec.decode(exec, with(8, p[8] + 1)).status().code() == StatusCode::kInvalidData);  // byte counts
    // Swapped z / y streams, and a y stream shortened by one byte (counts kept consistent).
    const uint32_t zb = p[8] | p[9] << 8, yb = p[12] | p[13] << 8;
    std::vector<uint8_t> cut(p.begin(), p.end() - 1);
    cut[12] = static_cast<uint8_t>(yb - 1);
    cut[13] = static_cast<uint8_t>((yb - 1) >> 8);
    CHECK(codec.decode(exec, reframe(cut)).status().code() == StatusCode::kInvalidData);
    std::vector<uint8_t> zy(p.begin(), p.begin() + 16);
    zy.insert(zy.end(), p.begin() + 16 + zb, p.end());
    zy.insert(zy.end(), p.begin() + 16, p.begin() + 16 + zb);
    zy[8] = static_cast<uint8_t>(yb), zy[9] = static_cast<uint8_t>(yb >> 8);
    zy[12] = static_cast<uint8_t>(zb), zy[13] = static_cast<uint8_t>(zb >> 8);
    CHECK_FALSE(codec.decode(exec, reframe(zy)).ok());
  }
  SECTION("another model's stream") {
    auto parsed = container::parse(s);
    REQUIRE(parsed.ok());
    container::Header h = parsed->header;
    h.weights_sha256[0] ^= 1;
    container::Writer w;
    REQUIRE(w.set_header(h).ok());
    REQUIRE(w.append_chunk(kHyperpriorChunk, parsed->chunks[0].payload).ok());
    auto foreign = w.finish();
    REQUIRE(foreign.ok());
    CHECK(codec.decode(exec, *foreign).status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("decode limits") {
    ImageDecodeOptions o;
    o.limits.max_pixels = 64 * 63;
    CHECK(codec.decode(exec, s, o).status().code() == StatusCode::kLimitExceeded);
  }
}

TEST_CASE("image codec model folders: clear errors", "[image_codec][hostile]") {
  CHECK(ImageCodec::open("/nonexistent/model").status().code() == StatusCode::kNotFound);
  const fs::path dir = fs::temp_directory_path() / ("nmc_test_bad_model_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto with_config = [&](const std::string& json) {
    std::ofstream(dir / "config.json") << json;
    return ImageCodec::open(dir.string()).status();
  };
  CHECK(with_config("{").code() == StatusCode::kInvalidData);
  CHECK(with_config(R"({"model_type": "audio-codec"})").code() == StatusCode::kUnsupported);
  CHECK(with_config(R"({"model_type": "image-hyperprior", "architecture": "x", "N": 1, "M": 2, "name": "a"})")
            .code() == StatusCode::kInvalidData);
  CHECK(with_config(R"({"model_type": "image-hyperprior", "architecture": "mbt2018-mean", "N": 0, "M": 2,
                        "name": "a"})").code() == StatusCode::kInvalidData);
  const Status no_weights = with_config(
      R"({"model_type": "image-hyperprior", "architecture": "mbt2018-mean", "N": 64, "M": 96, "name": "a"})");
  CHECK(no_weights.code() == StatusCode::kNotFound);
  fs::remove_all(dir);
}

#ifdef NMC_MODELS_DIR
// The shipped models carry the integer hyper-synthesis: their streams must not depend on thread counts.
TEST_CASE("shipped model: identical bytes and pixels for any thread count", "[image_codec][determinism]") {
  const ImageCodec codec = open_codec(std::string(NMC_MODELS_DIR) + "/nmc-image-q1");
  REQUIRE(codec.info().deterministic);
  const int64_t w = 160, h = 96;
  const auto px = test_pixels(w, h, 3, 7);
  ThreadPool one(1), two(2);
  const Exec e1{&cpu_backend(), &one}, e2{&cpu_backend(), &two};
  auto s1 = codec.encode(e1, view_of(px, w, h, 3));
  auto s1b = codec.encode(e1, view_of(px, w, h, 3));
  auto s2 = codec.encode(e2, view_of(px, w, h, 3));
  REQUIRE(s1.ok());
  REQUIRE(s1b.ok());
  REQUIRE(s2.ok());
  CHECK(*s1 == *s1b);
  CHECK(*s1 == *s2);
  CHECK(inspect_image_stream(*s1)->probability_path == kIntegerProbabilities);
  auto d1 = codec.decode(e1, *s1);
  auto d2 = codec.decode(e2, *s1);
  REQUIRE(d1.ok());
  REQUIRE(d2.ok());
  CHECK(d1->pixels == d2->pixels);
  // A trained model: the reconstruction is close to the input.
  CHECK(psnr(px, d1->pixels) > 26.0);
}
#endif
