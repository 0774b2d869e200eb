// Parsing and validation of a safetensors JSON header (see safetensors.h for
// the rules). Internal to kernels/src/weights.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "nmc/kernels/safetensors.h"

namespace nmc::weights {

struct ParsedHeader {
  std::vector<SafetensorsTensorInfo> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
};

// Parses `json` (the header bytes, not NUL-terminated) and checks every entry
// against a data area of `data_bytes` bytes. Memory use is bounded by the
// header size: shapes longer than kMaxRank are rejected while parsing and no
// JSON document tree is built.
Result<ParsedHeader> parse_safetensors_header(std::string_view json, uint64_t data_bytes);

// `name` quoted for an error message: at most 64 characters, control and
// non-ASCII bytes escaped as \xHH.
std::string quote_name(std::string_view name);

}  // namespace nmc::weights
