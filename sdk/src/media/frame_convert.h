// FrameConverter: decoded AVFrame -> 8-bit interleaved Image via libswscale,
// honouring the frame's colour matrix and range. One converter per stream;
// not thread-safe (it caches its SwsContext between frames).
#pragma once

#include "media/ffmpeg_util.h"
#include "media/image.h"

namespace nmc::media {

// Channels an image decoded from `format` has when read as stored:
// gray -> 1, gray+alpha / colour+alpha / palette with alpha -> 4, colour -> 3.
int stored_channels(AVPixelFormat format);

class FrameConverter {
 public:
  // Converts `frame` to out_width x out_height with `channels` (1 = gray,
  // 3 = RGB, 4 = RGBA). Scaling uses bicubic filtering with accurate rounding.
  // Colour -> gray uses convert_channels' luma formula, not the Y plane, so
  // every decoder path agrees.
  Result<Image> convert(const AVFrame* frame, int out_width, int out_height, int channels,
                        const HostAllocator* alloc);

 private:
  SwsContext* sws_ = nullptr;  // owned by sws_owner_
  SwsPtr sws_owner_;
};

}  // namespace nmc::media
