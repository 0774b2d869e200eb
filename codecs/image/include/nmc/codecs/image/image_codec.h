// ImageCodec: whole-image compression with a hyperprior model, framed in the
// nmc container (docs/image_codec.md is the byte-exact stream layout).
//
// A model folder holds model.safetensors (CompressAI state-dict names, see
// hyperprior_model.h; conversion by tools/convert/compressai_to_safetensors.py)
// and config.json ({"model_type": "image-hyperprior", "architecture", "N",
// "M", "name", optional "quality"}). When the safetensors file also holds the
// integer hyper-synthesis (nmc.int_h_s.*, int_hyper_synthesis.h) streams use
// the deterministic integer probability path: they decode to the same pixels
// on every machine, backend and thread count. Models without it (plain
// CompressAI conversions) code with the float32 h_s, whose probabilities are
// only reproducible on the same build and machine; such streams say so in their
// chunk (probability path 0) and, with one rANS lane, carry exactly
// CompressAI's y/z strings.
//
// Images are 8-bit, interleaved, 1 (gray) or 3 (RGB) channels, any size from
// 1x1 to the limits below. Gray images are coded as RGB with R = G = B and
// decoded back to one channel (the rounded mean of R, G, B).
//
// Thread rules: an ImageCodec is immutable after open(); encode/decode may run
// concurrently, each call with its own Exec (pool).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nmc/codecs/image/hyperprior_config.h"
#include "nmc/kernels/ops.h"
#include "nmc/kernels/status.h"

namespace nmc::image {

// 8-bit interleaved pixels; `stride` bytes between rows (>= width * channels).
struct ImageView {
  const uint8_t* data = nullptr;
  int64_t width = 0;
  int64_t height = 0;
  int channels = 0;  // 1 or 3
  int64_t stride = 0;
};

struct DecodedImage {
  std::vector<uint8_t> pixels;  // tightly packed rows: width * channels bytes each
  int64_t width = 0;
  int64_t height = 0;
  int channels = 0;
};

// Resource bounds for encode and decode. The transforms of a W x H image keep
// about 700 * W * H bytes alive (N = 128): the default bound (16 Mpixel) needs
// ~11 GB at most; tighten it for services.
struct ImageCodecLimits {
  int64_t max_dimension = 16384;
  int64_t max_pixels = int64_t{1} << 24;
};

// exact_transforms: run the analysis (g_a, h_a) / synthesis g_s in float32
// throughout. By default their convolutions and GDN may use bf16 inputs where
// the CPU has native bf16 (Exec::allow_bf16): ~2x faster, about 0.01 dB PSNR
// and 0.05 % of rate on the sample photo. Probabilities are unaffected either
// way; with float32, g_a and h_a match CompressAI's (needed to reproduce its
// strings with one lane).
struct ImageEncodeOptions {
  int lanes = 8;  // rANS lanes: 1, 4 or 8 (1 = CompressAI's string format)
  bool exact_transforms = false;
  ImageCodecLimits limits;
};

struct ImageDecodeOptions {
  bool exact_transforms = false;
  ImageCodecLimits limits;
};

// What a model is, as recorded in config.json and derived from its weights.
struct ImageModelInfo {
  std::string name;                       // config "name" (the stream's model name)
  int quality = 0;                        // config "quality"; 0 when absent
  HyperpriorKind kind = HyperpriorKind::kMeanScaleHyperprior;
  int64_t n = 0;
  int64_t m = 0;
  std::array<uint8_t, 32> weights_sha256{};  // SHA-256 of model.safetensors
  bool deterministic = false;             // has the integer hyper-synthesis
};

// Fields of an image stream readable without a model (inspect()).
struct ImageStreamInfo {
  std::string model_name;
  std::array<uint8_t, 32> weights_sha256{};
  int64_t width = 0;
  int64_t height = 0;
  int channels = 0;
  HyperpriorKind kind = HyperpriorKind::kMeanScaleHyperprior;
  int probability_path = 0;  // 0 float32 h_s, 1 integer h_s
  int lanes = 0;
  int64_t n = 0;
  int64_t m = 0;
  int64_t z_bytes = 0;
  int64_t y_bytes = 0;
  int64_t stream_bytes = 0;
};

// Parses and validates an image stream's container and codec chunk (no model
// needed, nothing decoded). Errors as decode's for the same damage.
Result<ImageStreamInfo> inspect_image_stream(std::span<const uint8_t> stream,
                                             const ImageCodecLimits& limits = {});

struct ImageCodecState;  // defined in the implementation

class ImageCodec {
 public:
  ImageCodec() = default;

  // Opens a model folder. Errors: kNotFound (missing folder or file),
  // kInvalidData (bad config or weights, with the file named), kUnsupported
  // (another model_type).
  // Memory: the transforms' large temporaries come from a buffer pool the codec
  // keeps between calls (up to 256 MiB, enough for 768x512 at N = 128 without
  // fresh page faults), freed with the last copy of the codec; an Exec that
  // brings its own `buffers` is used instead.
  static Result<ImageCodec> open(const std::string& folder);

  bool loaded() const { return state_ != nullptr; }
  const ImageModelInfo& info() const;

  // Compresses `image` into a complete nmc stream. kInvalidArgument for a bad
  // view (null data, channels not 1/3, stride too small, size < 1) or lanes;
  // kLimitExceeded beyond `limits`.
  Result<std::vector<uint8_t>> encode(const Exec& exec, const ImageView& image,
                                      const ImageEncodeOptions& options = {}) const;

  // Decodes a stream made with this model. kInvalidData for damaged or
  // inconsistent streams, kFailedPrecondition when the stream names another
  // model (name or weights hash), kUnsupported for an unknown layout version,
  // kLimitExceeded beyond `limits`.
  Result<DecodedImage> decode(const Exec& exec, std::span<const uint8_t> stream,
                              const ImageDecodeOptions& options = {}) const;

 private:
  explicit ImageCodec(std::shared_ptr<const ImageCodecState> s) : state_(std::move(s)) {}
  std::shared_ptr<const ImageCodecState> state_;
};

}  // namespace nmc::image
