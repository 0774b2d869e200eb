// Checks a caller-supplied path before any decoder sees it: it must name an
// existing, non-empty regular file (no directories, FIFOs or devices, which
// could block or never end).
#pragma once

#include <cstdint>
#include <string>

#include "nmc/kernels/status.h"

namespace nmc::media {

// Returns the file size in bytes, or NotFound / InvalidArgument / InvalidData
// (empty file) with the path in the message. `path` may be null (InvalidArgument).
Result<uint64_t> check_input_file(const char* path);

// Ok when `path` is non-null and non-empty; used for output paths.
Status check_output_path(const char* path);

}  // namespace nmc::media
