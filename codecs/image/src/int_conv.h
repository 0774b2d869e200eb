// Integer convolutions for the deterministic hyper-synthesis: int16 activations
// x int8 weights (widened to int16) -> int32 accumulators, exact.
//
// Layouts: activations are channels-last int16 images with a zero border
// (I16Image); accumulators are channels-last int32 [H_out][W_out][c_out_padded].
// Geometry (CompressAI): Conv2d(k, stride 1, padding k / 2) keeps H x W;
// ConvTranspose2d(k, stride 2, padding k / 2, output_padding 1) doubles it.
// A transposed convolution is run as stride^2 = 4 ordinary correlations, one
// per output parity ("phase"), each with the taps that reach that parity.
//
// Exactness: every sum is computed in int32 in some order; the caller proves
// (IntConv::accumulator_bound) that |bias| + sum |w| * |x| < 2^31 for one
// output element, so no partial sum overflows and the result is the same for
// any order, ISA path and thread count.
//
// Thread rules: IntConv is immutable after create(); run() may be called
// concurrently with distinct outputs. Work is split over output rows.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmc/kernels/status.h"
#include "nmc/kernels/thread_pool.h"

namespace nmc::image {

// A channels-last int16 image with `border` zero pixels on every side and the
// channel count rounded up to even (pair-wise products); padding channels are 0.
struct I16Image {
  int64_t h = 0, w = 0, channels = 0, border = 0;
  int64_t c_stride = 0;  // channels rounded up to a multiple of 2
  std::vector<int16_t> data;

  void reset(int64_t height, int64_t width, int64_t c, int64_t b);
  int16_t* pixel(int64_t y, int64_t x) { return data.data() + ((y + border) * (w + 2 * border) + x + border) * c_stride; }
  const int16_t* pixel(int64_t y, int64_t x) const {
    return data.data() + ((y + border) * (w + 2 * border) + x + border) * c_stride;
  }
};

// Which inner loop run() uses; kAuto picks the best the CPU offers. Every path
// gives identical results (tests compare them). Requesting a path the CPU
// lacks (int_conv_path_supported() false) falls back to kPortable.
enum class IntConvPath { kAuto, kPortable, kAvx2, kAvx512, kAvx512Vnni };
bool int_conv_path_supported(IntConvPath path);

struct IntConvShape {
  int64_t c_in = 0, c_out = 0;
  int kernel = 0;           // odd, 1..7
  bool transposed = false;  // stride 2 ConvTranspose2d; otherwise stride 1 Conv2d
};

class IntConv {
 public:
  IntConv() = default;

  // weight: int8 in the float layout (Conv2d [c_out, c_in, k, k]; ConvTranspose2d
  // [c_in, c_out, k, k]); bias: int32 [c_out] in the accumulator scale.
  // InvalidArgument for sizes that do not match the shape.
  static Result<IntConv> create(const IntConvShape& shape, std::span<const int8_t> weight,
                                std::span<const int32_t> bias);

  const IntConvShape& shape() const { return shape_; }
  int64_t out_channel_stride() const { return c_out_pad_; }  // accumulator channel stride (multiple of 16)
  int border() const { return border_; }                    // zero border the input needs
  int64_t out_height(int64_t h) const { return shape_.transposed ? 2 * h : h; }
  int64_t out_width(int64_t w) const { return shape_.transposed ? 2 * w : w; }

  // Largest |bias[o]| + max_phase sum |w[o, taps of the phase]| * act_bound over
  // output channels o: the bound on any partial or full accumulator.
  int64_t accumulator_bound(int64_t act_bound) const;

  // x: c_in channels, border >= border(), every |value| <= the act_bound the
  // caller proved accumulator_bound(act_bound) < 2^31 with. out is resized to
  // out_height * out_width * out_channel_stride() int32; channels >= c_out hold 0.
  // InvalidArgument when x does not fit the layer.
  Status run(const I16Image& x, std::vector<int32_t>& out, ThreadPool* pool,
             IntConvPath path = IntConvPath::kAuto) const;

 private:
  struct Tap {
    int dy = 0, dx = 0;  // input offset of the tap relative to the phase output position
  };
  struct Phase {
    int ry = 0, rx = 0;      // output parity (0 for the plain convolution)
    std::vector<Tap> taps;
    int64_t weight_offset = 0;  // into packed_: [o_block][tap][c_in_pair][16][2]
  };

  IntConvShape shape_;
  int64_t c_in_pad_ = 0, c_out_pad_ = 0;
  int border_ = 0;
  std::vector<Phase> phases_;
  std::vector<int16_t> packed_;
  std::vector<int32_t> bias_;       // [c_out_pad_], zero-padded
  std::vector<int64_t> abs_sums_;   // [c_out]: max over phases of sum |w|
};

}  // namespace nmc::image
