// Token geometry of LLaVA-OneVision images and videos: which canvas an image is
// tiled on, how it is resized and padded onto it, how the stitched feature map
// is cropped back ("unpadded") and shrunk to the token budget, and how many
// tokens result, computed exactly as Hugging Face's LlavaOnevision processor and
// model do (integer truncations, Python's float floor division and
// round(x, 7) included).
#pragma once

#include <cstdint>

#include "nmc/kernels/status.h"
#include "nmc/vision/llava_onevision_config.h"

namespace nmc::vision {

struct AnyresLayout {
  // Canvas (one of image_grid_pinpoints) and its tiles of vision.image_size.
  int64_t canvas_height = 0, canvas_width = 0;
  int64_t tiles_down = 0, tiles_across = 0;
  // The image resized keeping its aspect ratio to fit the canvas, then centred:
  // pad_top rows above, the rest below; pad_left columns left, the rest right.
  int64_t resized_height = 0, resized_width = 0;
  int64_t pad_top = 0, pad_left = 0;
  // Feature map of the tiles stitched together (tiles * vision.grid() a side),
  // then cropped to the image content: rows [crop_top, crop_top + unpadded_height),
  // columns [crop_left, crop_left + unpadded_width).
  int64_t stitched_height = 0, stitched_width = 0;
  int64_t crop_top = 0, crop_left = 0;
  int64_t unpadded_height = 0, unpadded_width = 0;
  // After the anyres_max budget (bilinear shrink when the map is over 1.1x the
  // budget per side; otherwise equal to the unpadded size).
  int64_t final_height = 0, final_width = 0;
  // grid^2 base-tile tokens + final_height * (final_width + 1 newline).
  int64_t tokens = 0;
};

// Layout for an image of height x width pixels (>= 1 each). kUnsupported for a
// config whose vision_feature_select_strategy is not "full" (Hugging Face cannot
// pack anyres features otherwise); kInvalidArgument for a size < 1 or > 2^20.
Result<AnyresLayout> anyres_layout(const LlavaOnevisionConfig& config, int64_t height, int64_t width);

// Tokens per video frame: the grid x grid map bilinearly resized to ceil(grid / 2) a side.
int64_t video_frame_tokens(const LlavaOnevisionConfig& config);
// Tokens of a video of `frames` frames: frames * video_frame_tokens + one trailing newline.
int64_t video_tokens(const LlavaOnevisionConfig& config, int64_t frames);

}  // namespace nmc::vision
