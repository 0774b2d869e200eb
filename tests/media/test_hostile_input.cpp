// Hostile inputs: truncated, byte-flipped, empty, mislabelled and oversized
// files must fail with a status and a message (or, for streams, end early),
// never crash or hang.
#include <cstring>
#include <functional>

#include "media_test_util.h"

using namespace media_test;

namespace {

// Result of running every reader over one file.
struct Outcome {
  nmc_status image = NMC_OK, audio = NMC_OK, video_open = NMC_OK, video_read = NMC_OK, probe = NMC_OK;
  int video_frames = 0;
};

void expect_message(nmc_context* ctx, nmc_status st) {
  if (st < 0) {
    INFO("status " << st);
    CHECK(std::strlen(nmc_context_last_error(ctx)) > 0);
  }
}

Outcome run_all(nmc_context* ctx, const std::string& path) {
  Outcome o;
  nmc_image* img = nullptr;
  o.image = nmc_image_read(ctx, path.c_str(), 0, &img);
  expect_message(ctx, o.image);
  CHECK((o.image == NMC_OK) == (img != nullptr));
  nmc_image_free(img);

  nmc_audio* a = nullptr;
  o.audio = nmc_audio_read(ctx, path.c_str(), 16000, 1, &a);
  expect_message(ctx, o.audio);
  nmc_audio_free(a);

  nmc_video_reader* r = nullptr;
  o.video_open = nmc_video_reader_open(ctx, path.c_str(), nullptr, &r);
  expect_message(ctx, o.video_open);
  if (o.video_open == NMC_OK) {
    // Read to the end; a corrupt stream may stop with an error or end early.
    for (int i = 0; i < 200; ++i) {
      nmc_image* f = nullptr;
      o.video_read = nmc_video_reader_read(r, &f, nullptr);
      nmc_image_free(f);
      if (o.video_read != NMC_OK) break;
      ++o.video_frames;
    }
    expect_message(ctx, o.video_read);
    CHECK(o.video_read != NMC_OK);  // ended within 200 frames
    CHECK(nmc_video_reader_seek(r, 1.0) <= NMC_EOF);
    nmc_video_reader_free(r);
  }

  nmc_media_info info;
  info.struct_size = sizeof(info);
  o.probe = nmc_media_probe(ctx, path.c_str(), &info);
  expect_message(ctx, o.probe);
  return o;
}

std::vector<size_t> cut_points(size_t size) {
  return {1, 7, 8, 16, 33, 100, 1000, size / 4, size / 2, size - 100, size - 1};
}

}  // namespace

TEST_CASE("truncated sample files fail cleanly", "[media][hostile]") {
  Context ctx;
  TempDir dir;
  SECTION("PNG: every truncation is an error") {
    const auto bytes = read_bytes(sample("photo.png"));
    for (size_t n : cut_points(bytes.size())) {
      const std::string p = dir.file("cut.png");
      write_bytes(p, bytes.data(), n);
      INFO("truncated to " << n);
      const Outcome o = run_all(ctx, p);
      CHECK(o.image < 0);
    }
  }
  SECTION("JPEG: every truncation into the entropy-coded data is an error") {
    const auto bytes = read_bytes(fixture("photo_crop_q2.jpg"));
    for (size_t n : cut_points(bytes.size())) {
      const std::string p = dir.file("cut.jpg");
      write_bytes(p, bytes.data(), n);
      INFO("truncated to " << n);
      const Outcome o = run_all(ctx, p);
      // Cutting only the final EOI marker byte leaves every pixel decodable.
      if (n + 1 < bytes.size()) CHECK(o.image < 0);
    }
  }
  SECTION("MP4: short cuts fail to open, long cuts yield fewer frames") {
    const auto bytes = read_bytes(sample("video.mp4"));
    for (size_t n : cut_points(bytes.size())) {
      const std::string p = dir.file("cut.mp4");
      write_bytes(p, bytes.data(), n);
      INFO("truncated to " << n);
      const Outcome o = run_all(ctx, p);
      if (n < 1000) CHECK(o.video_open < 0);
      // The moov index comes first (faststart): longer cuts open, return the
      // frames that are complete, then report the truncation instead of EOF.
      if (o.video_open == NMC_OK) CHECK(o.video_read == NMC_ERR_INVALID_DATA);
      CHECK(o.video_frames < 30);
    }
  }
  SECTION("WAV: every cut is reported as truncated") {
    const auto bytes = read_bytes(sample("speech.wav"));
    for (size_t n : cut_points(bytes.size())) {
      const std::string p = dir.file("cut.wav");
      write_bytes(p, bytes.data(), n);
      INFO("truncated to " << n);
      nmc_audio* a = nullptr;
      const nmc_status st = nmc_audio_read(ctx, p.c_str(), 0, 0, &a);
      CHECK(st == NMC_ERR_INVALID_DATA);
      CHECK(a == nullptr);
      expect_message(ctx, st);
      nmc_audio_free(a);
      (void)run_all(ctx, p);
    }
  }
}

TEST_CASE("byte-flipped files never crash", "[media][hostile]") {
  Context ctx;
  TempDir dir;
  uint32_t rng = 0x12345u;
  auto next = [&rng] {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
  };
  struct Src {
    std::string path, ext;
  };
  const Src sources[] = {{sample("photo.png"), ".png"},
                         {fixture("photo_crop_q2.jpg"), ".jpg"},
                         {sample("video.mp4"), ".mp4"},
                         {fixture("crop_pal8.png"), ".png"}};
  for (const Src& src : sources) {
    const auto orig = read_bytes(src.path);
    for (int variant = 0; variant < 12; ++variant) {
      auto bytes = orig;
      // 8 random byte flips, half of them in the first 512 bytes (headers).
      for (int k = 0; k < 8; ++k) {
        const size_t range = (k % 2 == 0) ? std::min<size_t>(512, bytes.size()) : bytes.size();
        bytes[next() % range] ^= static_cast<uint8_t>(1u + next() % 255u);
      }
      const std::string p = dir.file("flip" + src.ext);
      write_bytes(p, bytes);
      INFO(src.path << " variant " << variant);
      const Outcome o = run_all(ctx, p);
      // libpng checks every chunk's CRC: a damaged PNG never decodes.
      if (src.ext == ".png") CHECK(o.image < 0);
    }
  }
}

TEST_CASE("empty, missing, mislabelled and non-regular files", "[media][hostile]") {
  Context ctx;
  TempDir dir;
  const std::string empty = dir.file("empty.png");
  write_bytes(empty, nullptr, 0);
  nmc_image* img = nullptr;
  CHECK(nmc_image_read(ctx, empty.c_str(), 0, &img) == NMC_ERR_INVALID_DATA);
  CHECK(std::string(nmc_context_last_error(ctx)).find("empty") != std::string::npos);
  const Outcome e = run_all(ctx, empty);
  CHECK(e.audio == NMC_ERR_INVALID_DATA);
  CHECK(e.video_open == NMC_ERR_INVALID_DATA);
  CHECK(e.probe == NMC_ERR_INVALID_DATA);

  const char text[] = "This is not a media file.\nJust some text that happens to have a media name.\n";
  for (const char* name : {"text.png", "text.mp4", "text.wav", "text.jpg"}) {
    const std::string p = dir.file(name);
    write_bytes(p, reinterpret_cast<const uint8_t*>(text), sizeof(text) - 1);
    INFO(name);
    const Outcome o = run_all(ctx, p);
    CHECK(o.image < 0);
    CHECK(o.audio < 0);
    CHECK(o.video_open < 0);
  }

  CHECK(nmc_image_read(ctx, dir.file("missing.png").c_str(), 0, &img) == NMC_ERR_NOT_FOUND);
  CHECK(nmc_image_read(ctx, dir.path().string().c_str(), 0, &img) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(std::string(nmc_context_last_error(ctx)).find("not a regular file") != std::string::npos);
  nmc_video_reader* r = nullptr;
  CHECK(nmc_video_reader_open(ctx, "/dev/zero", nullptr, &r) == NMC_ERR_INVALID_ARGUMENT);
  // URLs are never fetched.
  CHECK(nmc_video_reader_open(ctx, "http://127.0.0.1:9/x.mp4", nullptr, &r) == NMC_ERR_NOT_FOUND);
}

namespace {

uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void put_be32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

// A PNG signature + IHDR claiming width x height RGB, then a tiny IDAT and IEND.
std::vector<uint8_t> png_header(uint32_t width, uint32_t height) {
  std::vector<uint8_t> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  auto chunk = [&b](const char* type, const std::vector<uint8_t>& data) {
    put_be32(b, static_cast<uint32_t>(data.size()));
    const size_t start = b.size();
    b.insert(b.end(), type, type + 4);
    b.insert(b.end(), data.begin(), data.end());
    put_be32(b, crc32(&b[start], b.size() - start));
  };
  std::vector<uint8_t> ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
  chunk("IHDR", ihdr);
  chunk("IDAT", {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
  chunk("IEND", {});
  return b;
}

}  // namespace

TEST_CASE("oversized dimensions are refused before allocating", "[media][hostile]") {
  Context ctx;
  TempDir dir;
  nmc_image* img = nullptr;
  const std::string wide = dir.file("wide.png");
  write_bytes(wide, png_header(100000, 10));
  CHECK(nmc_image_read(ctx, wide.c_str(), 0, &img) == NMC_ERR_LIMIT_EXCEEDED);
  CHECK(std::string(nmc_context_last_error(ctx)).find("exceeds") != std::string::npos);
  const std::string huge = dir.file("huge.png");
  write_bytes(huge, png_header(60000, 60000));  // 3.6e9 pixels
  CHECK(nmc_image_read(ctx, huge.c_str(), 0, &img) == NMC_ERR_LIMIT_EXCEEDED);
  nmc_media_info info;
  info.struct_size = sizeof(info);
  CHECK(nmc_media_probe(ctx, huge.c_str(), &info) == NMC_ERR_LIMIT_EXCEEDED);

  // A BMP header claiming 100000 x 100000 pixels (FFmpeg path).
  std::vector<uint8_t> bmp(54, 0);
  auto le32 = [&bmp](size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k) bmp[at + k] = static_cast<uint8_t>(v >> (8 * k));
  };
  bmp[0] = 'B';
  bmp[1] = 'M';
  le32(2, 54 + 16);
  le32(10, 54);
  le32(14, 40);
  le32(18, 100000);
  le32(22, 100000);
  bmp[26] = 1;
  bmp[28] = 24;
  bmp.resize(54 + 16, 0x80);
  const std::string big_bmp = dir.file("big.bmp");
  write_bytes(big_bmp, bmp);
  const nmc_status st = nmc_image_read(ctx, big_bmp.c_str(), 0, &img);
  CHECK(st < 0);
  CHECK(img == nullptr);
  CHECK(std::strlen(nmc_context_last_error(ctx)) > 0);
}
