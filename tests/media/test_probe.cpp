// nmc_media_probe on the samples and fixtures.
#include "media_test_util.h"

using namespace media_test;

namespace {
nmc_media_info probe(nmc_context* ctx, const std::string& path) {
  nmc_media_info info;
  info.struct_size = sizeof(info);
  const nmc_status st = nmc_media_probe(ctx, path.c_str(), &info);
  INFO(path << ": " << nmc_context_last_error(ctx));
  REQUIRE(st == NMC_OK);
  return info;
}
}  // namespace

TEST_CASE("probe identifies images, audio and video", "[media][probe]") {
  Context ctx;
  const nmc_media_info png = probe(ctx, sample("photo.png"));
  CHECK(png.kind == NMC_MEDIA_IMAGE);
  CHECK(png.width == 768);
  CHECK(png.height == 512);
  CHECK(png.channels == 3);
  CHECK(png.num_frames == 1);
  CHECK(std::string(png.codec_name) == "png");

  const nmc_media_info ya = probe(ctx, fixture("crop_ya8.png"));
  CHECK(ya.channels == 4);  // what nmc_image_read gives for gray + alpha

  const nmc_media_info jpg = probe(ctx, fixture("photo_crop_q2.jpg"));
  CHECK(jpg.kind == NMC_MEDIA_IMAGE);
  CHECK(jpg.width == 192);
  CHECK(jpg.height == 128);
  CHECK(jpg.channels == 3);
  CHECK(std::string(jpg.codec_name) == "mjpeg");

  const nmc_media_info wav = probe(ctx, sample("speech.wav"));
  CHECK(wav.kind == NMC_MEDIA_AUDIO);
  CHECK(wav.sample_rate == 24000);
  CHECK(wav.channels == 1);
  CHECK(wav.duration_seconds == Approx(10.0).margin(1e-3));
  CHECK(wav.num_frames == 240000);
  CHECK(std::string(wav.codec_name) == "pcm_s16le");
  CHECK(std::string(wav.container_name) == "wav");

  const nmc_media_info mp4 = probe(ctx, sample("video.mp4"));
  CHECK(mp4.kind == NMC_MEDIA_VIDEO);
  CHECK(mp4.width == 384);
  CHECK(mp4.height == 288);
  CHECK(mp4.frame_rate == Approx(10.0).margin(1e-9));
  CHECK(mp4.num_frames == 30);
  CHECK(mp4.duration_seconds == Approx(3.0).margin(1e-3));
  CHECK(mp4.sample_rate == 0);  // no audio stream
  CHECK(std::string(mp4.codec_name) == "h264");
  CHECK(std::string(mp4.container_name).find("mp4") != std::string::npos);
}

TEST_CASE("probe rejects bad arguments and clears the output on failure", "[media][probe]") {
  Context ctx;
  nmc_media_info info;
  info.struct_size = sizeof(info);
  info.kind = NMC_MEDIA_VIDEO;
  info.width = 77;
  CHECK(nmc_media_probe(ctx, "/nonexistent/file.mp4", &info) == NMC_ERR_NOT_FOUND);
  CHECK(info.kind == NMC_MEDIA_UNKNOWN);
  CHECK(info.width == 0);
  CHECK(info.struct_size == sizeof(info));
  CHECK(nmc_media_probe(ctx, sample("photo.png").c_str(), nullptr) == NMC_ERR_INVALID_ARGUMENT);
  info.struct_size = 0;
  CHECK(nmc_media_probe(ctx, sample("photo.png").c_str(), &info) == NMC_ERR_INVALID_ARGUMENT);
}
