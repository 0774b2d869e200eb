// Event-driven (SAX) reader of a safetensors header: collects the raw entries
// and the metadata without building a JSON tree, rejecting wrong JSON types,
// duplicate keys and over-long shapes as soon as they appear.
// Internal to kernels/src/weights; used only by safetensors_header.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"

namespace nmc::weights {

// One header entry before semantic checks (dtype name, dims and offsets as written).
struct RawEntry {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> dims;  // at most kMaxRank
  uint64_t offsets[2] = {0, 0};
  int offset_count = 0;
  unsigned fields = 0;  // bit set of kFieldDtype | kFieldShape | kFieldOffsets seen
};

class HeaderSax {
 public:
  static constexpr unsigned kFieldDtype = 1, kFieldShape = 2, kFieldOffsets = 4;

  // Results, valid when sax_parse returned true.
  std::vector<RawEntry> entries;
  std::map<std::string, std::string> metadata;
  // Set when a handler returned false.
  StatusCode error_code = StatusCode::kOk;
  std::string error;

  // nlohmann SAX interface.
  bool null() { return scalar(); }
  bool boolean(bool) { return scalar(); }
  bool number_integer(nlohmann::json::number_integer_t v);
  bool number_unsigned(nlohmann::json::number_unsigned_t v);
  bool number_float(nlohmann::json::number_float_t, const std::string&);
  bool string(std::string& s);
  bool binary(nlohmann::json::binary_t&) { return fail("header contains binary data"); }
  bool start_object(std::size_t);
  bool key(std::string& k);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array();
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex);

 private:
  enum class Frame : uint8_t { kRoot, kEntry, kMetadata, kShape, kOffsets, kSkip };
  static constexpr size_t kMaxDepth = 64;

  bool fail(std::string message, StatusCode code = StatusCode::kInvalidData);
  // A value of the wrong JSON type where the current frame expects something else.
  bool type_error();
  bool scalar();  // null, bool or a value that fits nowhere but a skipped field
  bool push(Frame f);
  // Entry field the current value belongs to (kEntry frame only): bit or 0 if unknown.
  unsigned current_field() const;
  std::string entry_prefix() const;

  std::vector<Frame> stack_;
  std::string key_;  // last key seen in the innermost non-skipped object
  std::unordered_set<std::string> names_;
};

}  // namespace nmc::weights
