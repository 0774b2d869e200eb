#include "media/frame_convert.h"

#include <string>
#include <vector>

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace nmc::media {

namespace {

bool is_gray(const AVPixFmtDescriptor* d) {
  return !(d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) && d->nb_components <= 2;
}

bool is_yuv(const AVPixFmtDescriptor* d) {
  return !(d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) && d->nb_components >= 3;
}

bool is_jpeg_range_format(AVPixelFormat f) {
  return f == AV_PIX_FMT_YUVJ420P || f == AV_PIX_FMT_YUVJ422P || f == AV_PIX_FMT_YUVJ444P ||
         f == AV_PIX_FMT_YUVJ440P || f == AV_PIX_FMT_YUVJ411P;
}

AVPixelFormat format_for_channels(int channels, bool wide) {
  switch (channels) {
    case 1: return wide ? AV_PIX_FMT_GRAY16 : AV_PIX_FMT_GRAY8;
    case 3: return wide ? AV_PIX_FMT_RGB48 : AV_PIX_FMT_RGB24;
    default: return wide ? AV_PIX_FMT_RGBA64 : AV_PIX_FMT_RGBA;
  }
}

// 16 -> 8 bits rounded to nearest (libpng's png_set_scale_16 formula), so
// v * 257 maps back to v exactly; swscale's own reduction is off by one.
inline uint8_t scale_16(uint16_t v) { return static_cast<uint8_t>((v * 255u + 32895u) >> 16); }

}  // namespace

int stored_channels(AVPixelFormat format) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(format);
  if (!d) return 3;
  const bool alpha = (d->flags & AV_PIX_FMT_FLAG_ALPHA) != 0;
  if (alpha) return 4;
  return is_gray(d) ? 1 : 3;
}

Result<Image> FrameConverter::convert(const AVFrame* frame, int out_width, int out_height, int channels,
                                      const HostAllocator* alloc) {
  const auto src_format = static_cast<AVPixelFormat>(frame->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(src_format);
  if (!desc) return InvalidData("decoded frame has an unknown pixel format");
  if (desc->flags & AV_PIX_FMT_FLAG_HWACCEL) return Unsupported("hardware frames are not supported");
  NMC_RETURN_IF_ERROR(check_image_size(frame->width, frame->height));
  NMC_RETURN_IF_ERROR(check_channels(channels, false));
  // Colour to gray goes through RGB so all paths share one luma formula.
  const int sws_channels = (channels == 1 && !is_gray(desc)) ? 3 : channels;
  NMC_ASSIGN_OR_RETURN(Image out, make_image(out_width, out_height, sws_channels, alloc));

  // Sources above 8 bits convert at 16 bits and are reduced here.
  const bool wide = desc->comp[0].depth > 8;
  const int flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
  SwsContext* next = sws_getCachedContext(sws_, frame->width, frame->height, src_format, out_width,
                                          out_height, format_for_channels(sws_channels, wide), flags,
                                          nullptr, nullptr, nullptr);
  if (!next) {
    sws_owner_.release();  // a failed sws_getCachedContext freed the previous context
    sws_ = nullptr;
    return Unsupported(std::string("cannot convert pixel format ") + desc->name + " " +
                       std::to_string(frame->width) + "x" + std::to_string(frame->height));
  }
  if (next != sws_) {
    sws_owner_.release();  // sws_getCachedContext freed the previous context
    sws_owner_.reset(next);
    sws_ = next;
  }
  if (is_yuv(desc)) {
    const int src_full = frame->color_range == AVCOL_RANGE_JPEG || is_jpeg_range_format(src_format);
    const int* src_coeffs = sws_getCoefficients(frame->colorspace);
    (void)sws_setColorspaceDetails(sws_, src_coeffs, src_full, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0,
                                   1 << 16, 1 << 16);
  }
  std::vector<uint16_t> wide_buf;
  if (wide) wide_buf.resize(out.stride() * static_cast<size_t>(out_height));
  uint8_t* dst[4] = {wide ? reinterpret_cast<uint8_t*>(wide_buf.data()) : out.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {static_cast<int>(out.stride() * (wide ? 2 : 1)), 0, 0, 0};
  const int rows = sws_scale(sws_, frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
  if (rows != out_height) return InvalidData("pixel conversion failed (" + std::to_string(rows) + " rows)");
  if (wide) {
    uint8_t* o = out.data();
    for (size_t i = 0; i < wide_buf.size(); ++i) o[i] = scale_16(wide_buf[i]);
  }
  if (sws_channels != channels) return convert_channels(out, channels, alloc);
  return out;
}

}  // namespace nmc::media
