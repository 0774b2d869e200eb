// Fuzz target for the media readers through the public C ABI: the input is
// placed in an anonymous in-memory file (memfd) and probed, read as an image,
// as audio (at most 5 s, resampled to 16 kHz mono) and as video (first frames,
// sampled and scaled). Any outcome but a crash, hang or leak is fine; errors
// must come back as statuses.
extern "C" {
#include <libavutil/log.h>
#include <libavutil/mem.h>
}
#include <nmc/media.h>
#include <nmc/nmc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace {

nmc_context* context() {
  static nmc_context* ctx = [] {
    av_log_set_level(AV_LOG_QUIET);  // corrupt input makes FFmpeg chatty
    // FFmpeg's demuxers allocate what headers declare (e.g. a WAV LIST/INFO tag
    // of 1.6 GB in a 300-byte file) up to av_max_alloc, 2 GiB by default. That
    // process-wide limit belongs to the host application (see docs/media.md);
    // here it is lowered so the fuzzer explores nmc's code, not that.
    av_max_alloc(64u << 20);
    nmc_context_settings s;
    nmc_context_default_settings(&s);
    s.num_threads = 1;
    nmc_context* c = nullptr;
    return nmc_context_create(&s, &c) == NMC_OK ? c : nullptr;
  }();
  return ctx;
}

void read_all(nmc_context* ctx, const char* path) {
  nmc_media_info info{};
  info.struct_size = sizeof info;
  (void)nmc_media_probe(ctx, path, &info);

  nmc_image* img = nullptr;
  if (nmc_image_read(ctx, path, 0, &img) == NMC_OK) {
    nmc_image* small = nullptr;
    if (nmc_image_resize(ctx, img, 7, 5, NMC_RESIZE_AREA, &small) == NMC_OK) nmc_image_free(small);
  }
  nmc_image_free(img);

  nmc_audio_read_settings as;
  nmc_audio_read_default_settings(&as);
  as.sample_rate = 16000;
  as.channels = 1;
  as.max_duration_seconds = 5;
  nmc_audio* audio = nullptr;
  (void)nmc_audio_read_ex(ctx, path, &as, &audio);
  nmc_audio_free(audio);

  nmc_video_reader_settings vs;
  nmc_video_reader_default_settings(&vs);
  vs.width = 32;
  vs.fps = 5;
  nmc_video_reader* reader = nullptr;
  if (nmc_video_reader_open(ctx, path, &vs, &reader) == NMC_OK) {
    for (int i = 0; i < 4; ++i) {
      nmc_image* frame = nullptr;
      const nmc_status st = nmc_video_reader_read(reader, &frame, nullptr);
      nmc_image_free(frame);
      if (st != NMC_OK) break;
    }
    (void)nmc_video_reader_seek(reader, 0.1);
  }
  nmc_video_reader_free(reader);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1u << 20)) return 0;  // keep each run short
  nmc_context* ctx = context();
  if (!ctx) return 0;
  const int fd = memfd_create("nmc-fuzz-media", 0);
  if (fd < 0) return 0;
  size_t off = 0;
  while (off < size) {
    const ssize_t n = write(fd, data + off, size - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  if (off == size) {
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    read_all(ctx, path.c_str());
  }
  close(fd);
  return 0;
}
