// C ABI: nmc_image_resize, on OpenCV's cv::resize.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "media/handles.h"

using nmc::Status;
using namespace nmc::media;

extern "C" nmc_status nmc_image_resize(nmc_context* ctx, const nmc_image* src, int32_t width, int32_t height,
                                       nmc_resize_filter filter, nmc_image** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    if (!src || !src->image.data()) return nmc::InvalidArgument("source image is null");
    int interpolation;
    switch (filter) {
      case NMC_RESIZE_BILINEAR: interpolation = cv::INTER_LINEAR; break;
      case NMC_RESIZE_BICUBIC: interpolation = cv::INTER_CUBIC; break;
      case NMC_RESIZE_AREA: interpolation = cv::INTER_AREA; break;
      case NMC_RESIZE_LANCZOS: interpolation = cv::INTER_LANCZOS4; break;
      default: return nmc::InvalidArgument("unknown resize filter " + std::to_string(static_cast<int>(filter)));
    }
    if (width <= 0 || height <= 0) return nmc::InvalidArgument("width and height must be positive");
    NMC_RETURN_IF_ERROR(check_image_size(width, height));
    const Image& s = src->image;
    NMC_ASSIGN_OR_RETURN(Image dst, make_image(width, height, s.channels, allocator_of(ctx)));
    const int type = CV_MAKETYPE(CV_8U, s.channels);
    const cv::Mat in(s.height, s.width, type, s.data(), s.stride());
    cv::Mat result(height, width, type, dst.data(), dst.stride());
    cv::resize(in, result, result.size(), 0, 0, interpolation);
    if (result.data != dst.data()) return nmc::Internal("cv::resize reallocated its output");
    *out = new nmc_image{std::move(dst)};
    return Status::Ok();
  });
}
