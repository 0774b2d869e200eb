// Video reading: stream info, sequential frames, scaling, rate sampling and
// accurate seeking on the sample clip (384x288, 10 fps, 30 frames, H.264 with
// B-frames and a keyframe every second).
#include <cmath>

#include "media_test_util.h"

using namespace media_test;

namespace {

ReaderPtr open_reader(nmc_context* ctx, double fps = 0, int width = 0, int height = 0) {
  nmc_video_reader_settings s;
  nmc_video_reader_default_settings(&s);
  s.fps = fps;
  s.width = width;
  s.height = height;
  nmc_video_reader* r = nullptr;
  const nmc_status st = nmc_video_reader_open(ctx, sample("video.mp4").c_str(), &s, &r);
  INFO(nmc_context_last_error(ctx));
  REQUIRE(st == NMC_OK);
  return ReaderPtr(r);
}

struct Frame {
  ImagePtr image;
  double pts;
};

// Reads the next frame; returns false at NMC_EOF.
bool next(nmc_video_reader* r, Frame* f) {
  nmc_image* img = nullptr;
  double pts = -1;
  const nmc_status st = nmc_video_reader_read(r, &img, &pts);
  if (st == NMC_EOF) {
    REQUIRE(img == nullptr);
    return false;
  }
  REQUIRE(st == NMC_OK);
  f->image.reset(img);
  f->pts = pts;
  return true;
}

std::vector<double> all_pts(nmc_video_reader* r) {
  std::vector<double> pts;
  Frame f;
  while (next(r, &f)) {
    pts.push_back(f.pts);
    REQUIRE(pts.size() <= 100);
  }
  return pts;
}

}  // namespace

TEST_CASE("video info describes the sample clip", "[media][video]") {
  Context ctx;
  ReaderPtr r = open_reader(ctx);
  nmc_video_info info;
  info.struct_size = sizeof(info);
  REQUIRE(nmc_video_reader_info(r.get(), &info) == NMC_OK);
  CHECK(info.width == 384);
  CHECK(info.height == 288);
  CHECK(info.source_width == 384);
  CHECK(info.source_height == 288);
  CHECK(info.fps == Approx(10.0).margin(1e-9));
  CHECK(info.num_frames == 30);
  CHECK(info.duration_seconds == Approx(3.0).margin(1e-6));
  CHECK(std::string(info.codec_name) == "h264");
  info.struct_size = 3;
  CHECK(nmc_video_reader_info(r.get(), &info) == NMC_ERR_INVALID_ARGUMENT);
}

TEST_CASE("every frame is read in order with its timestamp", "[media][video]") {
  Context ctx;
  ReaderPtr r = open_reader(ctx);
  std::vector<ImagePtr> frames;
  std::vector<double> pts;
  Frame f;
  while (next(r.get(), &f)) {
    REQUIRE(nmc_image_width(f.image.get()) == 384);
    REQUIRE(nmc_image_height(f.image.get()) == 288);
    REQUIRE(nmc_image_channels(f.image.get()) == 3);
    pts.push_back(f.pts);
    frames.push_back(std::move(f.image));
    REQUIRE(frames.size() <= 30);
  }
  REQUIRE(frames.size() == 30);
  for (size_t i = 0; i < pts.size(); ++i) CHECK(pts[i] == Approx(0.1 * i).margin(1e-6));
  // Still at the end.
  nmc_image* img = nullptr;
  CHECK(nmc_video_reader_read(r.get(), &img, nullptr) == NMC_EOF);

  // Reference pixels printed once with `ffmpeg -i video.mp4 -sws_flags
  // bicubic+accurate_rnd+full_chroma_int -f rawvideo -pix_fmt rgb24`.
  struct Ref {
    int frame, x, y;
    uint8_t rgb[3];
  };
  const Ref refs[] = {{0, 0, 0, {180, 146, 105}},    {0, 192, 144, {208, 209, 204}}, {0, 383, 287, {64, 76, 30}},
                      {15, 192, 144, {215, 205, 209}}, {15, 50, 200, {55, 73, 10}},   {29, 0, 0, {182, 148, 109}}};
  for (const Ref& ref : refs) {
    const uint8_t* p = pixel(frames[ref.frame].get(), ref.x, ref.y);
    INFO("frame " << ref.frame << " at " << ref.x << "," << ref.y);
    CHECK(std::abs(p[0] - ref.rgb[0]) <= 2);
    CHECK(std::abs(p[1] - ref.rgb[1]) <= 2);
    CHECK(std::abs(p[2] - ref.rgb[2]) <= 2);
  }
  double mean0 = 0;
  for (uint8_t v : pixels(frames[0].get())) mean0 += v;
  CHECK(mean0 / (384.0 * 288 * 3) == Approx(112.36).margin(0.3));

  SECTION("seeking to 1.5 s decodes forward to the exact frame") {
    REQUIRE(nmc_video_reader_seek(r.get(), 1.5) == NMC_OK);
    Frame s;
    REQUIRE(next(r.get(), &s));
    CHECK(s.pts == Approx(1.5).margin(1e-6));
    CHECK(pixels(s.image.get()) == pixels(frames[15].get()));  // bit-identical to sequential decoding
    REQUIRE(next(r.get(), &s));
    CHECK(s.pts == Approx(1.6).margin(1e-6));
  }
  SECTION("seeking between frames gives the next frame; backwards works; past the end is EOF") {
    Frame s;
    REQUIRE(nmc_video_reader_seek(r.get(), 0.05) == NMC_OK);
    REQUIRE(next(r.get(), &s));
    CHECK(s.pts == Approx(0.1).margin(1e-6));
    REQUIRE(nmc_video_reader_seek(r.get(), 2.35) == NMC_OK);
    REQUIRE(next(r.get(), &s));
    CHECK(s.pts == Approx(2.4).margin(1e-6));
    CHECK(pixels(s.image.get()) == pixels(frames[24].get()));
    REQUIRE(nmc_video_reader_seek(r.get(), 0.0) == NMC_OK);
    REQUIRE(next(r.get(), &s));
    CHECK(s.pts == Approx(0.0).margin(1e-6));
    CHECK(pixels(s.image.get()) == pixels(frames[0].get()));
    REQUIRE(nmc_video_reader_seek(r.get(), 2.95) == NMC_OK);
    CHECK_FALSE(next(r.get(), &s));
    REQUIRE(nmc_video_reader_seek(r.get(), 100.0) == NMC_OK);
    CHECK_FALSE(next(r.get(), &s));
    CHECK(nmc_video_reader_seek(r.get(), -1.0) == NMC_ERR_INVALID_ARGUMENT);
    CHECK(nmc_video_reader_seek(r.get(), NAN) == NMC_ERR_INVALID_ARGUMENT);
  }
}

TEST_CASE("frames are scaled to the requested size", "[media][video]") {
  Context ctx;
  ReaderPtr r = open_reader(ctx, 0, 192, 0);
  nmc_video_info info;
  info.struct_size = sizeof(info);
  REQUIRE(nmc_video_reader_info(r.get(), &info) == NMC_OK);
  CHECK(info.width == 192);
  CHECK(info.height == 144);  // 4:3 kept
  Frame f;
  REQUIRE(next(r.get(), &f));
  CHECK(nmc_image_width(f.image.get()) == 192);
  CHECK(nmc_image_height(f.image.get()) == 144);
  ReaderPtr full = open_reader(ctx);
  Frame g;
  REQUIRE(next(full.get(), &g));
  double mean_small = 0, mean_full = 0;
  for (uint8_t v : pixels(f.image.get())) mean_small += v;
  for (uint8_t v : pixels(g.image.get())) mean_full += v;
  CHECK(mean_small / (192 * 144 * 3) == Approx(mean_full / (384 * 288 * 3)).margin(0.5));
}

TEST_CASE("sampling at a target rate picks the nearest frames", "[media][video]") {
  Context ctx;
  SECTION("2 fps: one frame per half second") {
    ReaderPtr r = open_reader(ctx, 2.0);
    const std::vector<double> pts = all_pts(r.get());
    REQUIRE(pts.size() == 6);
    for (size_t i = 0; i < pts.size(); ++i) CHECK(pts[i] == Approx(0.5 * i).margin(1e-6));
  }
  SECTION("3 fps: targets between frames round to the nearest") {
    ReaderPtr r = open_reader(ctx, 3.0);
    const std::vector<double> pts = all_pts(r.get());
    const double expect[] = {0.0, 0.3, 0.7, 1.0, 1.3, 1.7, 2.0, 2.3, 2.7};
    REQUIRE(pts.size() == 9);
    for (size_t i = 0; i < pts.size(); ++i) CHECK(pts[i] == Approx(expect[i]).margin(1e-6));
  }
  SECTION("above the source rate every frame comes once") {
    ReaderPtr r = open_reader(ctx, 25.0);
    const std::vector<double> pts = all_pts(r.get());
    REQUIRE(pts.size() == 30);
    for (size_t i = 0; i < pts.size(); ++i) CHECK(pts[i] == Approx(0.1 * i).margin(1e-6));
  }
  SECTION("seek in sampling mode resumes at the next target") {
    ReaderPtr r = open_reader(ctx, 2.0);
    REQUIRE(nmc_video_reader_seek(r.get(), 1.2) == NMC_OK);
    const std::vector<double> pts = all_pts(r.get());
    REQUIRE(pts.size() == 3);
    CHECK(pts[0] == Approx(1.5).margin(1e-6));
    CHECK(pts[2] == Approx(2.5).margin(1e-6));
  }
}

TEST_CASE("video reader validates its arguments", "[media][video]") {
  Context ctx;
  nmc_video_reader_settings s;
  nmc_video_reader_default_settings(&s);
  nmc_video_reader* r = nullptr;
  const std::string p = sample("video.mp4");
  s.fps = -1;
  CHECK(nmc_video_reader_open(ctx, p.c_str(), &s, &r) == NMC_ERR_INVALID_ARGUMENT);
  nmc_video_reader_default_settings(&s);
  s.width = -5;
  CHECK(nmc_video_reader_open(ctx, p.c_str(), &s, &r) == NMC_ERR_INVALID_ARGUMENT);
  nmc_video_reader_default_settings(&s);
  s.pixel_format = 7;
  CHECK(nmc_video_reader_open(ctx, p.c_str(), &s, &r) == NMC_ERR_INVALID_ARGUMENT);
  nmc_video_reader_default_settings(&s);
  s.struct_size = 1;
  CHECK(nmc_video_reader_open(ctx, p.c_str(), &s, &r) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(r == nullptr);
  // An audio-only file has no video stream.
  CHECK(nmc_video_reader_open(ctx, sample("speech.wav").c_str(), nullptr, &r) == NMC_ERR_INVALID_DATA);
  CHECK(std::string(nmc_context_last_error(ctx)).find("no video stream") != std::string::npos);
  nmc_image* img = nullptr;
  CHECK(nmc_video_reader_read(nullptr, &img, nullptr) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_video_reader_seek(nullptr, 1.0) == NMC_ERR_INVALID_ARGUMENT);
  nmc_video_reader_free(nullptr);
}
