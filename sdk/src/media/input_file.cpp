#include "media/input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace nmc::media {

Result<uint64_t> check_input_file(const char* path) {
  if (!path || !*path) return InvalidArgument("path is null or empty");
  struct stat st {};
  if (::stat(path, &st) != 0) {
    const int err = errno;
    const std::string msg = std::string(path) + ": " + std::strerror(err);
    if (err == ENOENT || err == ENOTDIR) return NotFound(msg);
    return IoError(msg);
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgument(std::string(path) + ": not a regular file");
  if (st.st_size == 0) return InvalidData(std::string(path) + ": file is empty");
  return static_cast<uint64_t>(st.st_size);
}

Status check_output_path(const char* path) {
  if (!path || !*path) return InvalidArgument("output path is null or empty");
  return Status::Ok();
}

}  // namespace nmc::media
