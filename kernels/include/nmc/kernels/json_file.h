// Reading small JSON files (config.json, index files) into nlohmann::json.
//
// This header exposes nlohmann-json: a target that includes it must link
// nlohmann_json::nlohmann_json itself (header-only). safetensors.h and
// checkpoint.h do not include it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "nmc/kernels/status.h"

namespace nmc {

inline constexpr uint64_t kMaxJsonFileBytes = 16ull << 20;

// Reads and parses `path`. Errors: kNotFound (missing), kIo (unreadable, not a
// regular file), kLimitExceeded (larger than max_bytes), kInvalidData (not JSON;
// the message names the file and the parser's position).
Result<nlohmann::json> read_json_file(const std::string& path, uint64_t max_bytes = kMaxJsonFileBytes);

// Parses `text`; `what` names the source in error messages.
Result<nlohmann::json> parse_json_text(std::string_view text, const std::string& what);

}  // namespace nmc
