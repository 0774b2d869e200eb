// Shared helpers for the media tests: sample paths, RAII owners for the C
// handles, a temporary directory, and byte-level file helpers.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "nmc/media.h"

extern "C" {
#include <libavutil/log.h>
}

namespace media_test {

// The hostile-input tests make FFmpeg log hundreds of expected complaints;
// they are silenced unless NMC_TEST_FFMPEG_LOG is set in the environment.
inline const bool kFfmpegQuiet = [] {
  if (!getenv("NMC_TEST_FFMPEG_LOG")) av_log_set_level(AV_LOG_QUIET);
  return true;
}();

inline std::string sample(const std::string& name) { return std::string(NMC_SAMPLE_MEDIA) + "/" + name; }
inline std::string fixture(const std::string& name) { return std::string(NMC_TEST_DATA) + "/media/" + name; }

struct ImageDeleter {
  void operator()(nmc_image* p) const { nmc_image_free(p); }
};
struct AudioDeleter {
  void operator()(nmc_audio* p) const { nmc_audio_free(p); }
};
struct ReaderDeleter {
  void operator()(nmc_video_reader* p) const { nmc_video_reader_free(p); }
};
using ImagePtr = std::unique_ptr<nmc_image, ImageDeleter>;
using AudioPtr = std::unique_ptr<nmc_audio, AudioDeleter>;
using ReaderPtr = std::unique_ptr<nmc_video_reader, ReaderDeleter>;

// A single-threaded context, freed at scope exit.
class Context {
 public:
  explicit Context(const nmc_context_settings* settings = nullptr) {
    nmc_context_settings s;
    nmc_context_default_settings(&s);
    s.num_threads = 1;
    REQUIRE(nmc_context_create(settings ? settings : &s, &ctx_) == NMC_OK);
  }
  ~Context() { nmc_context_free(ctx_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  operator nmc_context*() const { return ctx_; }
  std::string error() const { return nmc_context_last_error(ctx_); }

 private:
  nmc_context* ctx_ = nullptr;
};

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nmc_media_test_XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const uint8_t* data, size_t n) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  REQUIRE(f.good());
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  REQUIRE(f.good());
}
inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  write_bytes(path, b.data(), b.size());
}

// Reads an image through the C ABI, REQUIRE-ing success.
inline ImagePtr read_image(nmc_context* ctx, const std::string& path, int channels = 0) {
  nmc_image* img = nullptr;
  const nmc_status st = nmc_image_read(ctx, path.c_str(), channels, &img);
  INFO(path << ": " << nmc_context_last_error(ctx));
  REQUIRE(st == NMC_OK);
  REQUIRE(img != nullptr);
  return ImagePtr(img);
}

inline const uint8_t* pixel(const nmc_image* img, int x, int y) {
  return nmc_image_data(img) + static_cast<size_t>(y) * nmc_image_stride(img) +
         static_cast<size_t>(x) * static_cast<size_t>(nmc_image_channels(img));
}

// PSNR in dB between two equally sized 8-bit buffers.
inline double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  REQUIRE(a.size() == b.size());
  double se = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    se += d * d;
  }
  const double mse = se / static_cast<double>(a.size());
  return mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

// The w x h region at (x0, y0) of `img`, packed.
inline std::vector<uint8_t> crop(const nmc_image* img, int x0, int y0, int w, int h) {
  const int c = nmc_image_channels(img);
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(w) * h * c);
  for (int y = y0; y < y0 + h; ++y) {
    const uint8_t* row = pixel(img, x0, y);
    out.insert(out.end(), row, row + static_cast<size_t>(w) * c);
  }
  return out;
}

inline std::vector<uint8_t> pixels(const nmc_image* img) {
  return crop(img, 0, 0, nmc_image_width(img), nmc_image_height(img));
}

}  // namespace media_test
