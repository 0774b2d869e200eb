#include "safetensors_header_sax.h"

#include "safetensors_header.h"

namespace nmc::weights {

namespace {
constexpr const char* kMetadataKey = "__metadata__";
}

bool HeaderSax::fail(std::string message, StatusCode code) {
  if (error.empty()) {
    error = std::move(message);
    error_code = code;
  }
  return false;
}

bool HeaderSax::parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
  return fail("header is not valid JSON (byte " + std::to_string(position) + "): " + ex.what());
}

unsigned HeaderSax::current_field() const {
  if (key_ == "dtype") return kFieldDtype;
  if (key_ == "shape") return kFieldShape;
  if (key_ == "data_offsets") return kFieldOffsets;
  return 0;
}

std::string HeaderSax::entry_prefix() const {
  return entries.empty() ? std::string("tensor") : "tensor " + quote_name(entries.back().name);
}

bool HeaderSax::push(Frame f) {
  if (stack_.size() >= kMaxDepth) return fail("header is nested more than 64 levels deep");
  stack_.push_back(f);
  return true;
}

bool HeaderSax::type_error() {
  if (stack_.empty()) return fail("header is not a JSON object");
  switch (stack_.back()) {
    case Frame::kRoot:
      if (key_ == kMetadataKey) return fail("__metadata__ must be an object of strings");
      return fail("tensor " + quote_name(key_) + " must be an object");
    case Frame::kEntry:
      switch (current_field()) {
        case kFieldDtype: return fail(entry_prefix() + ": 'dtype' must be a string");
        case kFieldShape:
          return fail(entry_prefix() + ": 'shape' must be an array of non-negative integers");
        case kFieldOffsets:
          return fail(entry_prefix() + ": 'data_offsets' must be an array of two non-negative integers");
        default: return true;  // unknown fields are ignored, as the reference reader does
      }
    case Frame::kMetadata:
      return fail("__metadata__ value for " + quote_name(key_) + " must be a string");
    case Frame::kShape:
      return fail(entry_prefix() + ": 'shape' must be an array of non-negative integers");
    case Frame::kOffsets:
      return fail(entry_prefix() + ": 'data_offsets' must be an array of two non-negative integers");
    case Frame::kSkip: return true;
  }
  return fail("internal header parser state");
}

bool HeaderSax::scalar() { return type_error(); }

bool HeaderSax::number_integer(nlohmann::json::number_integer_t v) {
  if (v >= 0) return number_unsigned(static_cast<uint64_t>(v));
  return type_error();
}

bool HeaderSax::number_float(nlohmann::json::number_float_t, const std::string&) {
  // Also reached for integers beyond 2^64 - 1.
  return type_error();
}

bool HeaderSax::number_unsigned(nlohmann::json::number_unsigned_t v) {
  if (stack_.empty()) return type_error();
  if (stack_.back() == Frame::kShape) {
    RawEntry& e = entries.back();
    if (e.dims.size() >= static_cast<size_t>(kMaxRank))
      return fail(entry_prefix() + ": rank above " + std::to_string(kMaxRank) + " is not supported",
                  StatusCode::kUnsupported);
    e.dims.push_back(v);
    return true;
  }
  if (stack_.back() == Frame::kOffsets) {
    RawEntry& e = entries.back();
    if (e.offset_count >= 2) return fail(entry_prefix() + ": 'data_offsets' must have exactly two entries");
    e.offsets[e.offset_count++] = v;
    return true;
  }
  return type_error();
}

bool HeaderSax::string(std::string& s) {
  if (stack_.empty()) return type_error();
  if (stack_.back() == Frame::kEntry && current_field() == kFieldDtype) {
    entries.back().dtype = std::move(s);
    return true;
  }
  if (stack_.back() == Frame::kMetadata) {
    metadata.emplace(key_, std::move(s));
    return true;
  }
  return type_error();
}

bool HeaderSax::start_object(std::size_t) {
  if (stack_.empty()) return push(Frame::kRoot);
  switch (stack_.back()) {
    case Frame::kRoot:
      if (key_ == kMetadataKey) return push(Frame::kMetadata);
      entries.emplace_back();
      entries.back().name = key_;
      return push(Frame::kEntry);
    case Frame::kEntry:
      if (current_field() == 0) return push(Frame::kSkip);
      return type_error();
    case Frame::kSkip: return push(Frame::kSkip);
    default: return type_error();
  }
}

bool HeaderSax::start_array(std::size_t) {
  if (stack_.empty()) return type_error();
  switch (stack_.back()) {
    case Frame::kEntry:
      if (current_field() == kFieldShape) return push(Frame::kShape);
      if (current_field() == kFieldOffsets) return push(Frame::kOffsets);
      if (current_field() == 0) return push(Frame::kSkip);
      return type_error();
    case Frame::kSkip: return push(Frame::kSkip);
    default: return type_error();
  }
}

bool HeaderSax::key(std::string& k) {
  switch (stack_.back()) {
    case Frame::kRoot:
      if (!names_.insert(k).second) return fail("duplicate key " + quote_name(k) + " in header");
      key_ = std::move(k);
      return true;
    case Frame::kEntry: {
      key_ = std::move(k);
      const unsigned field = current_field();
      RawEntry& e = entries.back();
      if (field != 0 && (e.fields & field) != 0)
        return fail(entry_prefix() + ": duplicate field '" + key_ + "'");
      e.fields |= field;
      return true;
    }
    case Frame::kMetadata:
      if (metadata.count(k) != 0) return fail("duplicate __metadata__ key " + quote_name(k));
      key_ = std::move(k);
      return true;
    default:  // kSkip (array frames have no keys)
      return true;
  }
}

bool HeaderSax::end_object() {
  const Frame f = stack_.back();
  stack_.pop_back();
  if (f != Frame::kEntry) return true;
  const RawEntry& e = entries.back();
  if (!(e.fields & kFieldDtype)) return fail(entry_prefix() + " has no 'dtype'");
  if (!(e.fields & kFieldShape)) return fail(entry_prefix() + " has no 'shape'");
  if (!(e.fields & kFieldOffsets)) return fail(entry_prefix() + " has no 'data_offsets'");
  return true;
}

bool HeaderSax::end_array() {
  const Frame f = stack_.back();
  stack_.pop_back();
  if (f == Frame::kOffsets && entries.back().offset_count != 2)
    return fail(entry_prefix() + ": 'data_offsets' must have exactly two entries");
  if (f == Frame::kShape || f == Frame::kOffsets) key_.clear();
  return true;
}

}  // namespace nmc::weights
