// Packing LLaVA-OneVision vision features into language-model tokens, as
// LlavaOnevisionModel.pack_image_features / get_video_features do.
//
// Image: the base tile's grid*grid tokens as they are, then the canvas tiles'
// maps stitched into one (tiles_down*grid) x (tiles_across*grid) map, cropped to
// the image content (layout.crop_*), bilinearly resized to the layout's final size
// when the budget asks for it (align_corners false, no antialias), with the
// image_newline vector appended to every row, read row-major.
// Video: each frame's grid x grid map bilinearly resized to ceil(grid/2) a side,
// frames in order, then one image_newline.
//
// Tensors are f32 on the host; `exec` runs the resize (any backend with host tensors).
#pragma once

#include "nmc/kernels/ops.h"
#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"
#include "nmc/vision/llava_onevision_layout.h"

namespace nmc::vision {

// tile_features [1 + tiles, grid*grid, D] (projector outputs, base tile first),
// image_newline [D] -> [layout.tokens, D].
Result<Tensor> pack_image_features(const Exec& exec, const AnyresLayout& layout, int64_t grid,
                                   const Tensor& tile_features, const Tensor& image_newline);

// frame_features [frames, grid*grid, D], image_newline [D] ->
// [frames * ceil(grid/2)^2 + 1, D].
Result<Tensor> pack_video_features(const Exec& exec, int64_t grid, const Tensor& frame_features,
                                   const Tensor& image_newline);

}  // namespace nmc::vision
