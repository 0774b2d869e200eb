#include "media/png_io.h"

#include <png.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nmc/media.h"

namespace nmc::media {

namespace {

// Receives libpng's error text; lives in the caller's frame.
struct PngError {
  char message[256];
};

void on_png_error(png_structp png, png_const_charp msg) {
  auto* e = static_cast<PngError*>(png_get_error_ptr(png));
  if (e) std::snprintf(e->message, sizeof(e->message), "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct ReadStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~ReadStructs() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

struct WriteStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~WriteStructs() { png_destroy_write_struct(&png, info ? &info : nullptr); }
};

struct PngHeader {
  png_uint_32 width;
  png_uint_32 height;
  int channels;       // after transforms: 1..4
  size_t row_bytes;   // after transforms
};

// Phase 1: header and transforms. Only trivially destructible locals.
// Returns 0 on a libpng error, 2 when the size is out of limits (out->width
// and out->height set, nothing allocated), 1 when ready to read rows.
int read_header_phase(png_structp png, png_infop info, std::FILE* f, PngHeader* out) {
  if (setjmp(png_jmpbuf(png))) return 0;
  png_init_io(png, f);
  png_read_info(png, info);
  png_uint_32 w = 0, h = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
  png_get_IHDR(png, info, &w, &h, &bit_depth, &color_type, &interlace, nullptr, nullptr);
  out->width = w;
  out->height = h;
  // Checked before png_read_update_info, which allocates row buffers.
  if (w == 0 || h == 0 || w > NMC_IMAGE_MAX_DIMENSION || h > NMC_IMAGE_MAX_DIMENSION ||
      static_cast<uint64_t>(w) * h > static_cast<uint64_t>(NMC_IMAGE_MAX_PIXELS))
    return 2;
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_scale_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  out->width = w;
  out->height = h;
  out->channels = png_get_channels(png, info);
  out->row_bytes = png_get_rowbytes(png, info);
  return 1;
}

// Phase 2: pixel rows into caller-owned memory, then the trailing chunks.
int read_rows_phase(png_structp png, png_infop info, png_bytep* rows) {
  if (setjmp(png_jmpbuf(png))) return 0;
  png_read_image(png, rows);
  png_read_end(png, info);
  return 1;
}

int write_phase(png_structp png, png_infop info, std::FILE* f, const uint8_t* data, int width, int height,
                int color_type, size_t stride) {
  if (setjmp(png_jmpbuf(png))) return 0;
  png_init_io(png, f);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, color_type,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) png_write_row(png, data + static_cast<size_t>(y) * stride);
  png_write_end(png, info);
  return 1;
}

}  // namespace

bool is_png_signature(const uint8_t* head, size_t n) {
  return n >= 8 && png_sig_cmp(head, 0, 8) == 0;
}

bool file_has_png_signature(const char* path) {
  FilePtr f(std::fopen(path, "rb"));
  if (!f) return false;
  uint8_t head[8] = {0};
  const size_t n = std::fread(head, 1, sizeof(head), f.get());
  return is_png_signature(head, n);
}

namespace {

// An open PNG file with its header read and transforms set (phase 1 done).
struct PngReader {
  FilePtr file;
  PngError err{};
  ReadStructs s;
  PngHeader h{};
};

Status open_png(const char* path, PngReader& r) {
  r.file.reset(std::fopen(path, "rb"));
  if (!r.file) return IoError(std::string(path) + ": " + std::strerror(errno));
  r.s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r.err, on_png_error, on_png_warning);
  if (!r.s.png) return OutOfMemory("png_create_read_struct failed");
  r.s.info = png_create_info_struct(r.s.png);
  if (!r.s.info) return OutOfMemory("png_create_info_struct failed");
  // Sizes are checked by check_image_size (LimitExceeded), not libpng's limits.
  png_set_user_limits(r.s.png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  const int phase = read_header_phase(r.s.png, r.s.info, r.file.get(), &r.h);
  if (phase == 0) return InvalidData(std::string(path) + ": invalid PNG: " + r.err.message);
  NMC_RETURN_IF_ERROR(check_image_size(r.h.width, r.h.height));
  if (r.h.channels < 1 || r.h.channels > 4 || r.h.row_bytes != static_cast<size_t>(r.h.width) * r.h.channels)
    return Unsupported(std::string(path) + ": unsupported PNG sample layout");
  return Status::Ok();
}

}  // namespace

Result<PngInfo> read_png_info(const char* path) {
  PngReader r;
  NMC_RETURN_IF_ERROR(open_png(path, r));
  PngInfo info;
  info.width = static_cast<int>(r.h.width);
  info.height = static_cast<int>(r.h.height);
  info.channels = natural_channels(r.h.channels);
  return info;
}

Result<Image> read_png(const char* path, int desired_channels, const HostAllocator* alloc) {
  NMC_RETURN_IF_ERROR(check_channels(desired_channels, true));
  PngReader r;
  NMC_RETURN_IF_ERROR(open_png(path, r));
  const PngHeader& h = r.h;
  PngError& err = r.err;
  ReadStructs& s = r.s;

  NMC_ASSIGN_OR_RETURN(Image img, make_image(static_cast<int>(h.width), static_cast<int>(h.height),
                                             h.channels, alloc));
  std::vector<png_bytep> rows(h.height);
  for (png_uint_32 y = 0; y < h.height; ++y) rows[y] = img.row(static_cast<int>(y));
  if (!read_rows_phase(s.png, s.info, rows.data()))
    return InvalidData(std::string(path) + ": corrupt or truncated PNG: " + err.message);
  return convert_channels(img, desired_channels, alloc);
}

Status write_png(const char* path, const uint8_t* data, int width, int height, int channels, size_t stride) {
  if (!data) return InvalidArgument("pixel data is null");
  NMC_RETURN_IF_ERROR(check_channels(channels, false));
  NMC_RETURN_IF_ERROR(check_image_size(width, height));
  if (stride < static_cast<size_t>(width) * static_cast<size_t>(channels))
    return InvalidArgument("stride " + std::to_string(stride) + " is smaller than width * channels");
  const int color_type = channels == 1 ? PNG_COLOR_TYPE_GRAY
                         : channels == 3 ? PNG_COLOR_TYPE_RGB
                                         : PNG_COLOR_TYPE_RGB_ALPHA;
  FilePtr file(std::fopen(path, "wb"));
  if (!file) return IoError(std::string(path) + ": " + std::strerror(errno));
  PngError err{};
  WriteStructs s;
  s.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_png_error, on_png_warning);
  if (!s.png) return OutOfMemory("png_create_write_struct failed");
  s.info = png_create_info_struct(s.png);
  if (!s.info) return OutOfMemory("png_create_info_struct failed");
  if (!write_phase(s.png, s.info, file.get(), data, width, height, color_type, stride))
    return IoError(std::string(path) + ": PNG write failed: " + err.message);
  std::FILE* f = file.release();
  const bool flush_failed = std::fflush(f) != 0 || std::ferror(f) != 0;
  if (std::fclose(f) != 0 || flush_failed) return IoError(std::string(path) + ": write failed");
  return Status::Ok();
}

}  // namespace nmc::media
