// ImageCodec: model folders, and the encode / decode pipelines
// (pixels -> g_a -> h_a -> z -> h_s -> y -> rANS -> container, and back).
#include "nmc/codecs/image/image_codec.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "image_stream.h"
#include "nmc/codecs/container/writer.h"
#include "nmc/codecs/entropy/rans.h"
#include "nmc/codecs/image/hyperprior_model.h"
#include "nmc/codecs/image/int_hyper_synthesis.h"
#include "nmc/codecs/image/padding.h"
#include "nmc/kernels/buffer_pool.h"
#include "nmc/kernels/json_file.h"
#include "nmc/kernels/safetensors.h"

namespace nmc::image {

struct ImageCodecState {
  ImageModelInfo info;
  SafetensorsFile file;
  HyperpriorModel model;
  std::optional<IntHyperSynthesis> int_h_s;  // absent: float probability path only
  // Large temporaries of the transforms, reused across calls (see kRetainedBufferBytes).
  std::shared_ptr<HostBufferPool> buffers;
};

namespace {

// Memory the codec keeps between calls for its transforms' temporaries: enough
// for a 768x512 image at N=128 without page faults on the next call; larger
// images reuse part of it. Freed with the codec.
constexpr size_t kRetainedBufferBytes = size_t{256} << 20;

// SHA-256 of `bytes` (OpenSSL's EVP digest).
Result<std::array<uint8_t, 32>> sha256(std::span<const uint8_t> bytes) {
  std::array<uint8_t, 32> out{};
  unsigned len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != 32)
    return Internal("SHA-256 failed");
  return out;
}

Result<ImageModelInfo> read_config(const std::string& folder) {
  const std::string path = folder + "/config.json";
  NMC_ASSIGN_OR_RETURN(nlohmann::json j, read_json_file(path));
  auto bad = [&](const std::string& what) { return InvalidData(path + ": " + what); };
  if (!j.is_object()) return bad("not a JSON object");
  if (!j.contains("model_type") || !j["model_type"].is_string()) return bad("missing string 'model_type'");
  if (j["model_type"] != "image-hyperprior")
    return Unsupported(path + ": model_type '" + j["model_type"].get<std::string>() + "' is not an image codec");
  ImageModelInfo info;
  if (!j.contains("architecture") || !j["architecture"].is_string()) return bad("missing string 'architecture'");
  auto kind = parse_hyperprior_kind(j["architecture"].get<std::string>());
  if (!kind.ok()) return bad(kind.status().message());
  info.kind = *kind;
  for (const char* key : {"N", "M"}) {
    if (!j.contains(key) || !j[key].is_number_integer()) return bad(std::string("missing integer '") + key + "'");
    const int64_t v = j[key].get<int64_t>();
    if (v < 1 || v > kMaxHyperpriorChannels) return bad(std::string(key) + " outside [1, 4096]");
    (key[0] == 'N' ? info.n : info.m) = v;
  }
  if (!j.contains("name") || !j["name"].is_string()) return bad("missing string 'name'");
  info.name = j["name"].get<std::string>();
  if (info.name.empty() || info.name.size() > container::kMaxModelNameBytes)
    return bad("'name' must have 1 to 64 bytes");
  if (j.contains("quality")) {
    if (!j["quality"].is_number_integer() || j["quality"].get<int64_t>() < 0 || j["quality"].get<int64_t>() > 1000)
      return bad("'quality' must be an integer in [0, 1000]");
    info.quality = j["quality"].get<int>();
  }
  return info;
}

Status check_view(const ImageView& v, const ImageCodecLimits& limits) {
  if (!v.data) return InvalidArgument("image encode: null pixel data");
  if (v.channels != 1 && v.channels != 3)
    return InvalidArgument("image encode: channels must be 1 or 3, got " + std::to_string(v.channels));
  if (v.width < 1 || v.height < 1)
    return InvalidArgument("image encode: size " + std::to_string(v.width) + "x" + std::to_string(v.height) +
                           " is empty");
  if (v.width > limits.max_dimension || v.height > limits.max_dimension ||
      v.width * v.height > limits.max_pixels)
    return LimitExceeded("image encode: " + std::to_string(v.width) + "x" + std::to_string(v.height) +
                         " is over the limits (" + std::to_string(limits.max_dimension) + " a side, " +
                         std::to_string(limits.max_pixels) + " pixels)");
  if (v.stride < v.width * v.channels)
    return InvalidArgument("image encode: stride " + std::to_string(v.stride) + " is below width * channels");
  return Status::Ok();
}

// Interleaved 8-bit pixels -> f32 [1, 3, H, W] in [0, 1] (gray replicated).
Result<Tensor> to_planar(const ImageView& v) {
  NMC_ASSIGN_OR_RETURN(Tensor x, Tensor::zeros(Shape{1, 3, v.height, v.width}, DType::kF32));
  float* dst = x.data<float>();
  const int64_t plane = v.height * v.width;
  for (int64_t r = 0; r < v.height; ++r) {
    const uint8_t* row = v.data + r * v.stride;
    for (int64_t c = 0; c < v.width; ++c)
      for (int ch = 0; ch < 3; ++ch)
        dst[ch * plane + r * v.width + c] = row[c * v.channels + (v.channels == 3 ? ch : 0)] / 255.0f;
  }
  return x;
}

// floor(255 v + 0.5) for v in [0, 1]; NaN (possible for adversarial latents) maps to 0.
uint8_t to_byte(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 1.0f) return 255;
  return static_cast<uint8_t>(v * 255.0f + 0.5f);
}

// x_hat f32 [1, 3, H, W] in [0, 1] -> interleaved 8-bit with `channels` (gray: rounded mean of R, G, B).
DecodedImage to_interleaved(const Tensor& x, int channels) {
  DecodedImage out;
  out.height = x.dim(2);
  out.width = x.dim(3);
  out.channels = channels;
  const int64_t plane = out.height * out.width;
  out.pixels.resize(static_cast<size_t>(plane * channels));
  const float* src = x.data<float>();
  for (int64_t i = 0; i < plane; ++i) {
    if (channels == 3) {
      for (int ch = 0; ch < 3; ++ch) out.pixels[i * 3 + ch] = to_byte(src[ch * plane + i]);
    } else {
      const int sum = to_byte(src[i]) + to_byte(src[plane + i]) + to_byte(src[2 * plane + i]);
      out.pixels[i] = static_cast<uint8_t>((sum + 1) / 3);
    }
  }
  return out;
}

// The entropy parameters of y: Gaussian table indexes and (mean-scale models) means.
struct YParams {
  Tensor indexes;
  Tensor means;  // undefined for bmshj2018-hyperprior
};

Result<YParams> y_params(const ImageCodecState& s, const Exec& exec, const Tensor& z_symbols, int path) {
  YParams p;
  if (path == kIntegerProbabilities) {
    if (!s.int_h_s) return Internal("integer probability path requested without an integer h_s");
    NMC_ASSIGN_OR_RETURN(IntHyperParams ip, s.int_h_s->run(z_symbols, exec.pool));
    p.indexes = std::move(ip.indexes);
    p.means = std::move(ip.means);
    return p;
  }
  NMC_ASSIGN_OR_RETURN(Tensor z_hat, s.model.dequantize_z(z_symbols));
  NMC_ASSIGN_OR_RETURN(HyperpriorParams hp, s.model.hyper_synthesis(exec, z_hat));
  NMC_ASSIGN_OR_RETURN(p.indexes, s.model.gaussian_indexes(hp.scales));
  p.means = std::move(hp.means);
  return p;
}

const Tensor* means_of(const YParams& p) { return p.means.defined() ? &p.means : nullptr; }

// g_a, h_a and g_s decide no probability (the encoder quantizes y and z and sends
// them; the decoder only produces pixels), so they may use bf16 convolutions and
// GDN unless exact float32 is asked for.
// The codec's buffer pool serves their temporaries unless the caller brought one.
Exec transform_exec(const ImageCodecState& s, const Exec& exec, bool exact) {
  Exec e = exec;
  if (!e.buffers) e.buffers = s.buffers.get();
  e.allow_bf16 = !exact;
  return e;
}

}  // namespace

Result<ImageCodec> ImageCodec::open(const std::string& folder) {
  auto state = std::make_shared<ImageCodecState>();
  state->buffers = std::make_shared<HostBufferPool>(kRetainedBufferBytes);
  NMC_ASSIGN_OR_RETURN(state->info, read_config(folder));
  const std::string weights = folder + "/model.safetensors";
  NMC_ASSIGN_OR_RETURN(state->file, SafetensorsFile::open(weights));
  HyperpriorConfig config{state->info.kind, state->info.n, state->info.m};
  NMC_ASSIGN_OR_RETURN(state->model, HyperpriorModel::load(state->file, config));
  auto int_h_s = IntHyperSynthesis::load(state->file, config);
  if (int_h_s.ok()) {
    state->int_h_s.emplace(std::move(int_h_s).value());
  } else if (int_h_s.status().code() != StatusCode::kNotFound) {
    return Status(int_h_s.status().code(), weights + ": " + int_h_s.status().message());
  }
  state->info.deterministic = state->int_h_s.has_value();
  // The file is already mapped: hash those bytes instead of reading it again.
  NMC_ASSIGN_OR_RETURN(state->info.weights_sha256, sha256(state->file.file_bytes()));
  return ImageCodec(std::move(state));
}

const ImageModelInfo& ImageCodec::info() const {
  static const ImageModelInfo empty;
  return state_ ? state_->info : empty;
}

Result<std::vector<uint8_t>> ImageCodec::encode(const Exec& exec, const ImageView& image,
                                                const ImageEncodeOptions& options) const {
  if (!state_) return InvalidArgument("image encode: no model loaded");
  NMC_RETURN_IF_ERROR(check_view(image, options.limits));
  if (!entropy::is_supported_lane_count(options.lanes))
    return InvalidArgument("image encode: lanes must be 1, 4 or 8, got " + std::to_string(options.lanes));
  const ImageCodecState& s = *state_;
  const int path = s.int_h_s ? kIntegerProbabilities : kFloatProbabilities;

  NMC_ASSIGN_OR_RETURN(Tensor x, to_planar(image));
  NMC_ASSIGN_OR_RETURN(Padding pad, padding_for(image.height, image.width));
  NMC_ASSIGN_OR_RETURN(Tensor x_padded, pad_image(x, pad));
  x = Tensor();
  const Exec transforms = transform_exec(s, exec, options.exact_transforms);
  NMC_ASSIGN_OR_RETURN(Tensor y, s.model.analysis(transforms, x_padded));
  x_padded = Tensor();
  NMC_ASSIGN_OR_RETURN(Tensor z, s.model.hyper_analysis(transforms, y));
  NMC_ASSIGN_OR_RETURN(QuantizedLatent zq, s.model.quantize_z(z));
  NMC_ASSIGN_OR_RETURN(std::vector<uint8_t> z_bytes, s.model.compress_z(zq.symbols, options.lanes));
  NMC_ASSIGN_OR_RETURN(YParams p, y_params(s, exec, zq.symbols, path));
  NMC_ASSIGN_OR_RETURN(QuantizedLatent yq, s.model.quantize_y(y, means_of(p)));
  NMC_ASSIGN_OR_RETURN(std::vector<uint8_t> y_bytes, s.model.compress_y(yq.symbols, p.indexes, options.lanes));

  HyperpriorChunk chunk{s.info.kind, path, options.lanes, s.info.n, s.info.m, z_bytes, y_bytes};
  NMC_ASSIGN_OR_RETURN(std::vector<uint8_t> payload, serialize_hyperprior_chunk(chunk));
  container::Header h;
  h.modality = container::Modality::kImage;
  h.model_name = s.info.name;
  h.weights_sha256 = s.info.weights_sha256;
  h.width = static_cast<uint32_t>(image.width);
  h.height = static_cast<uint32_t>(image.height);
  h.channels = static_cast<uint16_t>(image.channels);
  h.bit_depth = 8;
  container::Writer w(container_limits(options.limits));
  NMC_RETURN_IF_ERROR(w.set_header(h));
  NMC_RETURN_IF_ERROR(w.append_chunk(kHyperpriorChunk, payload));
  return w.finish();
}

Result<DecodedImage> ImageCodec::decode(const Exec& exec, std::span<const uint8_t> stream,
                                        const ImageDecodeOptions& options) const {
  if (!state_) return InvalidArgument("image decode: no model loaded");
  const ImageCodecState& s = *state_;
  NMC_ASSIGN_OR_RETURN(ParsedImageStream ps, parse_image_stream(stream, options.limits));
  const container::Header& h = ps.header;
  const HyperpriorChunk& c = ps.chunk;
  if (h.model_name != s.info.name || h.weights_sha256 != s.info.weights_sha256)
    return Status(StatusCode::kInvalidArgument, "image decode: the stream was made with model '" + h.model_name +
                                                    "' (other weights), not '" + s.info.name + "'");
  if (c.kind != s.info.kind || c.n != s.info.n || c.m != s.info.m)
    return InvalidData("image decode: the stream's architecture or N/M differ from model '" + s.info.name + "'");
  if (c.probability_path == kIntegerProbabilities && !s.int_h_s)
    return Unsupported("image decode: the stream uses the integer probability path, which model '" + s.info.name +
                       "' lacks");

  NMC_ASSIGN_OR_RETURN(Padding pad, padding_for(h.height, h.width));
  const int64_t hp = h.height + pad.top + pad.bottom, wp = h.width + pad.left + pad.right;
  NMC_ASSIGN_OR_RETURN(Tensor z_symbols, s.model.decompress_z(c.z, hp / 64, wp / 64, c.lanes));
  NMC_ASSIGN_OR_RETURN(YParams p, y_params(s, exec, z_symbols, c.probability_path));
  NMC_ASSIGN_OR_RETURN(Tensor y_symbols, s.model.decompress_y(c.y, p.indexes, c.lanes));
  NMC_ASSIGN_OR_RETURN(Tensor y_hat, s.model.dequantize_y(y_symbols, means_of(p)));
  NMC_ASSIGN_OR_RETURN(Tensor x_hat, s.model.synthesis(transform_exec(s, exec, options.exact_transforms), y_hat));
  NMC_ASSIGN_OR_RETURN(Tensor cropped, crop_image(x_hat, pad));
  return to_interleaved(cropped, h.channels);
}

}  // namespace nmc::image
