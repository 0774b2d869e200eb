// C ABI: nmc_video_reader_* (see nmc/media.h).
#include <string>

#include "media/handles.h"

using nmc::Status;
using nmc::StatusCode;
using namespace nmc::media;

extern "C" {

void nmc_video_reader_default_settings(nmc_video_reader_settings* settings) {
  if (!settings) return;
  std::memset(settings, 0, sizeof(*settings));
  settings->struct_size = sizeof(*settings);
  settings->pixel_format = NMC_PIXEL_FORMAT_RGB24;
}

nmc_status nmc_video_reader_open(nmc_context* ctx, const char* path, const nmc_video_reader_settings* settings,
                                 nmc_video_reader** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    nmc_video_reader_settings s;
    nmc_video_reader_default_settings(&s);
    if (settings) {
      if (!struct_size_ok(settings->struct_size, offsetof(nmc_video_reader_settings, reserved), sizeof(s)))
        return nmc::InvalidArgument("nmc_video_reader_settings.struct_size is invalid");
      copy_settings(&s, settings);
    }
    if (s.pixel_format != NMC_PIXEL_FORMAT_RGB24) return nmc::InvalidArgument("pixel_format must be RGB24");
    if (s.num_threads < 0) return nmc::InvalidArgument("num_threads must be >= 0");
    VideoReaderOptions o;
    o.width = s.width;
    o.height = s.height;
    o.fps = s.fps;
    o.threads = s.num_threads == 0 ? 1 : s.num_threads;
    if (const nmc::HostAllocator* a = allocator_of(ctx)) o.alloc = *a;
    NMC_ASSIGN_OR_RETURN(auto reader, VideoReader::open(path, o));
    auto handle = std::make_unique<nmc_video_reader>();
    handle->ctx = ctx;
    handle->reader = std::move(reader);
    *out = handle.release();
    return Status::Ok();
  });
}

void nmc_video_reader_free(nmc_video_reader* reader) { delete reader; }

nmc_status nmc_video_reader_info(nmc_video_reader* reader, nmc_video_info* info) {
  if (!reader) return NMC_ERR_INVALID_ARGUMENT;
  return nmc::sdk::guarded(reader->ctx, [&]() -> Status {
    if (!info) return nmc::InvalidArgument("info is null");
    if (!struct_size_ok(info->struct_size, offsetof(nmc_video_info, reserved), sizeof(nmc_video_info)))
      return nmc::InvalidArgument("nmc_video_info.struct_size is invalid");
    const VideoInfo& v = reader->reader->info();
    nmc_video_info full;
    std::memset(&full, 0, sizeof(full));
    full.width = v.width;
    full.height = v.height;
    full.source_width = v.source_width;
    full.source_height = v.source_height;
    full.fps = v.fps;
    full.num_frames = v.num_frames;
    full.duration_seconds = v.duration_seconds;
    copy_name(full.codec_name, sizeof(full.codec_name), v.codec_name.c_str());
    copy_out(info, full, info->struct_size);
    return Status::Ok();
  });
}

nmc_status nmc_video_reader_read(nmc_video_reader* reader, nmc_image** frame, double* pts_seconds) {
  if (frame) *frame = nullptr;
  if (!reader) return NMC_ERR_INVALID_ARGUMENT;
  bool at_end = false;
  const nmc_status st = nmc::sdk::guarded(reader->ctx, [&]() -> Status {
    if (!frame) return nmc::InvalidArgument("frame is null");
    auto next = reader->reader->read();
    if (!next.ok()) {
      if (next.status().code() == StatusCode::kEof) {
        at_end = true;
        return Status::Ok();
      }
      return next.status();
    }
    if (pts_seconds) *pts_seconds = next->pts_seconds;
    *frame = new nmc_image{std::move(next->image)};
    return Status::Ok();
  });
  return (st == NMC_OK && at_end) ? NMC_EOF : st;
}

nmc_status nmc_video_reader_seek(nmc_video_reader* reader, double seconds) {
  if (!reader) return NMC_ERR_INVALID_ARGUMENT;
  return nmc::sdk::guarded(reader->ctx, [&]() -> Status { return reader->reader->seek(seconds); });
}

}  // extern "C"
