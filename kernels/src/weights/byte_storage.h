// Host storage for whole files: a read-only memory mapping or an owned copy.
// Internal to kernels/src/weights.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"

namespace nmc::weights {

// Maps the regular file `path` with PROT_READ and MAP_PRIVATE. The Storage
// covers the whole file (data, bytes) and unmaps it when released; the memory
// is read-only and writing it faults. Files shorter than `min_bytes` are
// rejected with kInvalidData before mapping (a zero-length mapping is invalid).
Result<std::shared_ptr<Storage>> map_file_readonly(const std::string& path, uint64_t min_bytes);

// Copies `bytes` into a new 64-byte aligned buffer of exactly bytes.size()
// bytes owned by the returned Storage.
Result<std::shared_ptr<Storage>> copy_to_storage(std::span<const uint8_t> bytes);

}  // namespace nmc::weights
