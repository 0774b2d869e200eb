#include "media/image.h"

#include <string>

#include "nmc/media.h"

namespace nmc::media {

Status check_image_size(int64_t width, int64_t height) {
  if (width <= 0 || height <= 0)
    return InvalidData("invalid image size " + std::to_string(width) + "x" + std::to_string(height));
  if (width > NMC_IMAGE_MAX_DIMENSION || height > NMC_IMAGE_MAX_DIMENSION)
    return LimitExceeded("image size " + std::to_string(width) + "x" + std::to_string(height) +
                         " exceeds the maximum dimension " + std::to_string(NMC_IMAGE_MAX_DIMENSION));
  if (width * height > NMC_IMAGE_MAX_PIXELS)
    return LimitExceeded("image size " + std::to_string(width) + "x" + std::to_string(height) +
                         " exceeds the maximum of " + std::to_string(NMC_IMAGE_MAX_PIXELS) + " pixels");
  return Status::Ok();
}

Status check_channels(int channels, bool allow_zero) {
  if ((allow_zero && channels == 0) || channels == 1 || channels == 3 || channels == 4)
    return Status::Ok();
  return InvalidArgument("channels must be " + std::string(allow_zero ? "0, " : "") + "1, 3 or 4, got " +
                         std::to_string(channels));
}

Result<Image> make_image(int width, int height, int channels, const HostAllocator* alloc) {
  NMC_RETURN_IF_ERROR(check_image_size(width, height));
  if (channels < 1 || channels > 4) return InvalidArgument("invalid channel count " + std::to_string(channels));
  NMC_ASSIGN_OR_RETURN(Tensor t, Tensor::zeros(Shape{height, width, channels}, DType::kU8, alloc));
  Image img;
  img.pixels = std::move(t);
  img.width = width;
  img.height = height;
  img.channels = channels;
  return img;
}

namespace {

inline uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((77u * r + 150u * g + 29u * b + 128u) >> 8);
}

// Reads pixel x of a row with `c` channels as (gray-or-rgb, alpha).
struct Px {
  uint8_t r, g, b, a;
};
inline Px load(const uint8_t* p, int c) {
  switch (c) {
    case 1: return {p[0], p[0], p[0], 255};
    case 2: return {p[0], p[0], p[0], p[1]};
    case 3: return {p[0], p[1], p[2], 255};
    default: return {p[0], p[1], p[2], p[3]};
  }
}

}  // namespace

Result<Image> convert_channels(const Image& src, int desired, const HostAllocator* alloc) {
  const int sc = src.channels;
  if (sc < 1 || sc > 4) return Internal("convert_channels: bad source channels");
  if (desired == 0) desired = natural_channels(sc);
  if (desired == sc) return src;
  NMC_ASSIGN_OR_RETURN(Image dst, make_image(src.width, src.height, desired, alloc));
  const bool src_gray = sc <= 2;
  for (int y = 0; y < src.height; ++y) {
    const uint8_t* s = src.row(y);
    uint8_t* d = dst.row(y);
    for (int x = 0; x < src.width; ++x, s += sc, d += desired) {
      const Px p = load(s, sc);
      switch (desired) {
        case 1: d[0] = src_gray ? p.r : luma(p.r, p.g, p.b); break;
        case 3: d[0] = p.r; d[1] = p.g; d[2] = p.b; break;
        default: d[0] = p.r; d[1] = p.g; d[2] = p.b; d[3] = p.a; break;
      }
    }
  }
  return dst;
}

}  // namespace nmc::media
