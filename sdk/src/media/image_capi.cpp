// C ABI: nmc_image_* (see nmc/media.h).
#include <string>

#include "media/handles.h"
#include "media/image_read.h"
#include "media/input_file.h"
#include "media/png_io.h"

using nmc::Status;
using namespace nmc::media;

extern "C" {

nmc_status nmc_image_create(nmc_context* ctx, int32_t width, int32_t height, int32_t channels, nmc_image** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    NMC_RETURN_IF_ERROR(check_channels(channels, false));
    if (width <= 0 || height <= 0) return nmc::InvalidArgument("width and height must be positive");
    NMC_ASSIGN_OR_RETURN(Image img, make_image(width, height, channels, allocator_of(ctx)));
    *out = new nmc_image{std::move(img)};
    return Status::Ok();
  });
}

void nmc_image_free(nmc_image* image) { delete image; }

nmc_status nmc_image_read(nmc_context* ctx, const char* path, int32_t desired_channels, nmc_image** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    NMC_ASSIGN_OR_RETURN(Image img, read_image(path, desired_channels, allocator_of(ctx)));
    *out = new nmc_image{std::move(img)};
    return Status::Ok();
  });
}

nmc_status nmc_image_write_png(nmc_context* ctx, const nmc_image* image, const char* path) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!image) return nmc::InvalidArgument("image is null");
    NMC_RETURN_IF_ERROR(check_output_path(path));
    const Image& img = image->image;
    return write_png(path, img.data(), img.width, img.height, img.channels, img.stride());
  });
}

nmc_status nmc_image_write_png_buffer(nmc_context* ctx, const uint8_t* data, int32_t width, int32_t height,
                                      int32_t channels, size_t stride, const char* path) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    NMC_RETURN_IF_ERROR(check_output_path(path));
    if (width <= 0 || height <= 0) return nmc::InvalidArgument("width and height must be positive");
    return write_png(path, data, width, height, channels, stride);
  });
}

int32_t nmc_image_width(const nmc_image* image) { return image ? image->image.width : 0; }
int32_t nmc_image_height(const nmc_image* image) { return image ? image->image.height : 0; }
int32_t nmc_image_channels(const nmc_image* image) { return image ? image->image.channels : 0; }
size_t nmc_image_stride(const nmc_image* image) { return image ? image->image.stride() : 0; }
const uint8_t* nmc_image_data(const nmc_image* image) { return image ? image->image.data() : nullptr; }
uint8_t* nmc_image_data_mutable(nmc_image* image) { return image ? image->image.data() : nullptr; }

}  // extern "C"
