// Media probing: what a file is (image, audio, video) and its main parameters,
// from container headers and stream info, without decoding pixels or samples.
#pragma once

#include <cstdint>
#include <string>

#include "nmc/kernels/status.h"
#include "nmc/media.h"

namespace nmc::media {

struct MediaInfo {
  nmc_media_kind kind = NMC_MEDIA_UNKNOWN;
  int width = 0, height = 0;
  int channels = 0;
  int sample_rate = 0;
  double duration_seconds = 0;
  double frame_rate = 0;
  int64_t num_frames = 0;
  std::string codec_name;
  std::string container_name;
};

// PNG files are identified with libpng (so channels match nmc_image_read);
// everything else with libavformat. Single-image demuxers (image2, *_pipe)
// make an image, other files with a video stream (not cover art) a video,
// files with only audio an audio.
Result<MediaInfo> probe_media(const char* path);

}  // namespace nmc::media
