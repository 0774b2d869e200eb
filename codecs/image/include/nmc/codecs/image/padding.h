// Padding of arbitrary image sizes for the hyperprior models, which need H and
// W to be multiples of 64 (g_a downsamples by 16, h_a by a further 4).
//
// The rule is CompressAI's (compressai.ops.compute_padding, used by its
// examples/codec.py): pad with zeros to the next multiple on each axis, split
// as left = (W' - W) / 2 (rounded down), right = the rest, and the same for
// top / bottom; after decoding crop the same margins away. Encoder and decoder
// derive the margins from the original size alone, so a stream records only
// H and W.
//
// Thread rules: pure functions.
#pragma once

#include <cstdint>

#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"

namespace nmc::image {

inline constexpr int64_t kHyperpriorMultiple = 64;

struct Padding {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  friend bool operator==(const Padding&, const Padding&) = default;
};

// Margins that bring an h x w image to multiples of `multiple`. InvalidArgument
// for h or w < 1, multiple < 1, or a padded size that overflows int64.
Result<Padding> padding_for(int64_t h, int64_t w, int64_t multiple = kHyperpriorMultiple);

// x: contiguous f32 [N, C, H, W] on the host -> new [N, C, H + top + bottom,
// W + left + right] with zeros in the margins. InvalidArgument for another
// dtype or rank, a non-contiguous tensor or negative margins.
Result<Tensor> pad_image(const Tensor& x, const Padding& p);

// Inverse of pad_image: the [N, C, H - top - bottom, W - left - right] interior
// as a new contiguous tensor. InvalidArgument when the margins leave nothing.
Result<Tensor> crop_image(const Tensor& x, const Padding& p);

}  // namespace nmc::image
