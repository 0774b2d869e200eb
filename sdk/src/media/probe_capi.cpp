// C ABI: nmc_media_probe (see nmc/media.h).
#include "media/ffmpeg_util.h"
#include "media/handles.h"
#include "media/probe.h"

using nmc::Status;
using namespace nmc::media;

extern "C" {

nmc_status nmc_media_probe(nmc_context* ctx, const char* path, nmc_media_info* out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    if (!struct_size_ok(out->struct_size, offsetof(nmc_media_info, reserved), sizeof(nmc_media_info)))
      return nmc::InvalidArgument("nmc_media_info.struct_size is invalid");
    nmc_media_info full;
    std::memset(&full, 0, sizeof(full));
    full.kind = NMC_MEDIA_UNKNOWN;
    copy_out(out, full, out->struct_size);  // cleared even when probing fails
    NMC_ASSIGN_OR_RETURN(MediaInfo m, probe_media(path));
    full.kind = m.kind;
    full.width = m.width;
    full.height = m.height;
    full.channels = m.channels;
    full.sample_rate = m.sample_rate;
    full.duration_seconds = m.duration_seconds;
    full.frame_rate = m.frame_rate;
    full.num_frames = m.num_frames;
    copy_name(full.codec_name, sizeof(full.codec_name), m.codec_name.c_str());
    copy_name(full.container_name, sizeof(full.container_name), m.container_name.c_str());
    copy_out(out, full, out->struct_size);
    return Status::Ok();
  });
}

}  // extern "C"
