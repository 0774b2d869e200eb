// nmc_file_describe for nmc bitstreams (docs/bitstream.md): detection by magic
// and a description of the validated header and chunk list.
#pragma once

#include <string>

#include "nmc/kernels/json_file.h"
#include "nmc/kernels/status.h"

namespace nmc::sdk {

// True when the file at `path` starts with the nmc container magic.
bool looks_like_bitstream(const std::string& path);

// Reads and fully validates the stream (container limits by default) and
// describes it: kind "bitstream", format version, modality, model, media
// fields of the modality, chunks (type, payload bytes, offset).
Result<nlohmann::json> describe_bitstream(const std::string& path);

// Several lines of text from describe_bitstream's JSON.
std::string bitstream_text(const nlohmann::json& j);

}  // namespace nmc::sdk
