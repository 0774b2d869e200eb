// C ABI: nmc_image_codec_*, nmc_image_encode/decode, nmc_image_stream_inspect,
// nmc_buffer_* (see nmc/image_codec.h).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "media/handles.h"
#include "model_registry.h"
#include "nmc/codecs/image/image_codec.h"
#include "nmc/image_codec.h"

struct nmc_image_codec {
  nmc::image::ImageCodec codec;
};

struct nmc_buffer {
  std::vector<uint8_t> bytes;
};

using nmc::Status;
namespace img = nmc::image;

namespace {

template <size_t N>
void copy_string(char (&dst)[N], const std::string& src) {
  const size_t n = std::min(src.size(), N - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

Status open_codec(const std::string& model, nmc_image_codec** out) {
  if (!out) return nmc::InvalidArgument("out is null");
  *out = nullptr;
  NMC_ASSIGN_OR_RETURN(std::string folder, nmc::sdk::find_model_folder(model));
  NMC_ASSIGN_OR_RETURN(img::ImageCodec codec, img::ImageCodec::open(folder));
  *out = new nmc_image_codec{std::move(codec)};
  return Status::Ok();
}

bool info_size_ok(size_t struct_size, size_t reserved_offset, size_t full) {
  return nmc::media::struct_size_ok(struct_size, reserved_offset, full);
}

}  // namespace

extern "C" {

int32_t nmc_image_codec_quality_count(void) { return nmc::sdk::kShippedImageQualities; }

nmc_status nmc_image_codec_open(nmc_context* ctx, const char* model, nmc_image_codec** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!model) return nmc::InvalidArgument("model is null");
    return open_codec(model, out);
  });
}

nmc_status nmc_image_codec_open_quality(nmc_context* ctx, int32_t quality, nmc_image_codec** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (quality < 1 || quality > nmc::sdk::kShippedImageQualities)
      return nmc::InvalidArgument("quality must be 1.." + std::to_string(nmc::sdk::kShippedImageQualities) +
                                  ", got " + std::to_string(quality));
    return open_codec(nmc::sdk::shipped_image_model_name(quality), out);
  });
}

void nmc_image_codec_free(nmc_image_codec* codec) { delete codec; }

nmc_status nmc_image_codec_get_info(const nmc_image_codec* codec, nmc_image_codec_info* info) {
  if (!codec || !info ||
      !info_size_ok(info->struct_size, offsetof(nmc_image_codec_info, reserved), sizeof(nmc_image_codec_info)))
    return NMC_ERR_INVALID_ARGUMENT;
  const img::ImageModelInfo& i = codec->codec.info();
  nmc_image_codec_info o;
  std::memset(&o, 0, sizeof o);
  copy_string(o.name, i.name);
  copy_string(o.architecture, img::hyperprior_kind_name(i.kind));
  o.quality = i.quality;
  o.n = static_cast<int32_t>(i.n);
  o.m = static_cast<int32_t>(i.m);
  o.deterministic = i.deterministic ? 1 : 0;
  std::memcpy(o.weights_sha256, i.weights_sha256.data(), 32);
  nmc::media::copy_out(info, o, info->struct_size);
  return NMC_OK;
}

void nmc_image_encode_default_settings(nmc_image_encode_settings* settings) {
  if (!settings) return;
  std::memset(settings, 0, sizeof *settings);
  settings->struct_size = sizeof *settings;
  settings->lanes = 8;
}

const uint8_t* nmc_buffer_data(const nmc_buffer* buffer) { return buffer ? buffer->bytes.data() : nullptr; }
size_t nmc_buffer_size(const nmc_buffer* buffer) { return buffer ? buffer->bytes.size() : 0; }
void nmc_buffer_free(nmc_buffer* buffer) { delete buffer; }

nmc_status nmc_image_encode(nmc_context* ctx, const nmc_image_codec* codec, const nmc_image* image,
                            const nmc_image_encode_settings* settings, nmc_buffer** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    if (!ctx) return nmc::InvalidArgument("context is null");
    if (!codec) return nmc::InvalidArgument("codec is null");
    if (!image) return nmc::InvalidArgument("image is null");
    nmc_image_encode_settings s;
    nmc_image_encode_default_settings(&s);
    if (settings) {
      if (!nmc::media::struct_size_ok(settings->struct_size, offsetof(nmc_image_encode_settings, reserved),
                                      sizeof s))
        return nmc::InvalidArgument("settings.struct_size is not a known layout");
      nmc::media::copy_settings(&s, settings);
    }
    const nmc::media::Image& im = image->image;
    img::ImageView view{im.data(), im.width, im.height, im.channels, static_cast<int64_t>(im.stride())};
    if (s.exact_transforms != 0 && s.exact_transforms != 1)
      return nmc::InvalidArgument("settings: exact_transforms must be 0 or 1");
    img::ImageEncodeOptions opt;
    opt.lanes = s.lanes;
    opt.exact_transforms = s.exact_transforms == 1;
    NMC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, codec->codec.encode(ctx->exec(), view, opt));
    *out = new nmc_buffer{std::move(bytes)};
    return Status::Ok();
  });
}

void nmc_image_decode_default_settings(nmc_image_decode_settings* settings) {
  if (!settings) return;
  std::memset(settings, 0, sizeof *settings);
  settings->struct_size = sizeof *settings;
  const img::ImageCodecLimits defaults;
  settings->max_pixels = defaults.max_pixels;
  settings->max_dimension = static_cast<int32_t>(defaults.max_dimension);
}

nmc_status nmc_image_decode(nmc_context* ctx, const nmc_image_codec* codec, const uint8_t* data, size_t size,
                            const nmc_image_decode_settings* settings, nmc_image** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    if (!ctx) return nmc::InvalidArgument("context is null");
    if (!data && size) return nmc::InvalidArgument("data is null");
    nmc_image_decode_settings s;
    nmc_image_decode_default_settings(&s);
    if (settings) {
      if (!nmc::media::struct_size_ok(settings->struct_size, offsetof(nmc_image_decode_settings, reserved),
                                      sizeof s))
        return nmc::InvalidArgument("settings.struct_size is not a known layout");
      nmc::media::copy_settings(&s, settings);
    }
    if (s.max_pixels < 1 || s.max_dimension < 1)
      return nmc::InvalidArgument("settings: max_pixels and max_dimension must be positive");
    if (s.exact_transforms != 0 && s.exact_transforms != 1)
      return nmc::InvalidArgument("settings: exact_transforms must be 0 or 1");
    img::ImageDecodeOptions opt;
    opt.exact_transforms = s.exact_transforms == 1;
    opt.limits.max_pixels = s.max_pixels;
    opt.limits.max_dimension = s.max_dimension;
    const std::span<const uint8_t> bytes(data, size);
    img::ImageCodec opened;
    const img::ImageCodec* use = codec ? &codec->codec : nullptr;
    if (!use) {
      NMC_ASSIGN_OR_RETURN(img::ImageStreamInfo info, img::inspect_image_stream(bytes, opt.limits));
      NMC_ASSIGN_OR_RETURN(std::string folder, nmc::sdk::find_model_folder(info.model_name));
      NMC_ASSIGN_OR_RETURN(opened, img::ImageCodec::open(folder));
      use = &opened;
    }
    NMC_ASSIGN_OR_RETURN(img::DecodedImage d, use->decode(ctx->exec(), bytes, opt));
    NMC_ASSIGN_OR_RETURN(nmc::media::Image im,
                         nmc::media::make_image(static_cast<int>(d.width), static_cast<int>(d.height), d.channels,
                                                nmc::media::allocator_of(ctx)));
    std::memcpy(im.data(), d.pixels.data(), d.pixels.size());
    *out = new nmc_image{std::move(im)};
    return Status::Ok();
  });
}

nmc_status nmc_image_stream_inspect(nmc_context* ctx, const uint8_t* data, size_t size,
                                    nmc_image_stream_info* info) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!info || !nmc::media::struct_size_ok(info->struct_size, offsetof(nmc_image_stream_info, reserved),
                                             sizeof(nmc_image_stream_info)))
      return nmc::InvalidArgument("info is null or its struct_size is not a known layout");
    if (!data && size) return nmc::InvalidArgument("data is null");
    NMC_ASSIGN_OR_RETURN(img::ImageStreamInfo i, img::inspect_image_stream({data, size}));
    nmc_image_stream_info o;
    std::memset(&o, 0, sizeof o);
    copy_string(o.model_name, i.model_name);
    std::memcpy(o.weights_sha256, i.weights_sha256.data(), 32);
    o.width = static_cast<int32_t>(i.width);
    o.height = static_cast<int32_t>(i.height);
    o.channels = i.channels;
    copy_string(o.architecture, img::hyperprior_kind_name(i.kind));
    o.deterministic = i.probability_path == 1 ? 1 : 0;
    o.lanes = i.lanes;
    o.n = static_cast<int32_t>(i.n);
    o.m = static_cast<int32_t>(i.m);
    o.z_bytes = i.z_bytes;
    o.y_bytes = i.y_bytes;
    o.stream_bytes = i.stream_bytes;
    o.bits_per_pixel = static_cast<double>(i.stream_bytes) * 8.0 / (static_cast<double>(i.width) * i.height);
    nmc::media::copy_out(info, o, info->struct_size);
    return Status::Ok();
  });
}

}  // extern "C"
