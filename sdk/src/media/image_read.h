// Still-image reading: PNG through libpng, everything else through FFmpeg.
#pragma once

#include "media/image.h"

namespace nmc::media {

// Reads `path` (see nmc_image_read for the channel rules). Files starting
// with the PNG signature go to libpng; others to FFmpeg (first video frame,
// strict decoding: damage is an error, not concealed).
Result<Image> read_image(const char* path, int desired_channels, const HostAllocator* alloc);

// The FFmpeg path alone (used by read_image and by tests).
Result<Image> read_image_ffmpeg(const char* path, int desired_channels, const HostAllocator* alloc);

}  // namespace nmc::media
