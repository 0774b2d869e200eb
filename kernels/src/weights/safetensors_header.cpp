#include "safetensors_header.h"

#include <algorithm>
#include <limits>
#include <new>

#include "safetensors_header_sax.h"

namespace nmc::weights {

std::string quote_name(std::string_view name) {
  static constexpr size_t kMaxShown = 64;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (size_t i = 0; i < name.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (name.size() > kMaxShown) out += "...";
  out += "'";
  return out;
}

namespace {

// Dtypes of the format that nmc does not load (element sizes are irrelevant:
// such files are rejected as a whole).
bool is_known_unsupported_dtype(std::string_view d) {
  static constexpr std::string_view kNames[] = {"U16",      "U32",      "U64",      "F8_E4M3",  "F8_E5M2",
                                                "F8_E8M0",  "F6_E2M3",  "F6_E3M2",  "F4",       "C64"};
  return std::find(std::begin(kNames), std::end(kNames), d) != std::end(kNames);
}

Result<SafetensorsTensorInfo> check_entry(RawEntry& raw, uint64_t data_bytes) {
  const std::string who = "tensor " + quote_name(raw.name);
  SafetensorsTensorInfo info;
  const auto dtype = dtype_from_safetensors(raw.dtype);
  if (!dtype) {
    if (is_known_unsupported_dtype(raw.dtype))
      return Unsupported(who + " has dtype " + raw.dtype + ", which nmc does not support");
    return InvalidData(who + " has unknown dtype " + quote_name(raw.dtype));
  }
  info.dtype = *dtype;

  // The product of the non-zero dims must fit in int64 even when a zero dim
  // makes the tensor empty: strides are computed from it.
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t nonzero_product = 1;
  bool has_zero = false;
  for (uint64_t d : raw.dims) {
    if (d == 0) {
      has_zero = true;
      continue;
    }
    if (d > kMax || __builtin_mul_overflow(nonzero_product, d, &nonzero_product) || nonzero_product > kMax)
      return InvalidData(who + ": element count of the shape overflows 64 bits");
  }
  info.shape.rank = static_cast<int>(raw.dims.size());
  for (size_t i = 0; i < raw.dims.size(); ++i) info.shape.d[i] = static_cast<int64_t>(raw.dims[i]);
  uint64_t max_bytes = 0;
  if (__builtin_mul_overflow(nonzero_product, static_cast<uint64_t>(dtype_size(info.dtype)), &max_bytes) ||
      max_bytes > kMax)
    return InvalidData(who + ": byte size of the shape overflows 64 bits");
  const uint64_t bytes = has_zero ? 0 : max_bytes;

  const uint64_t begin = raw.offsets[0], end = raw.offsets[1];
  if (end < begin)
    return InvalidData(who + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                       "] are reversed");
  if (end > data_bytes)
    return InvalidData(who + ": data_offsets end " + std::to_string(end) + " is beyond the data area (" +
                       std::to_string(data_bytes) + " bytes)");
  if (end - begin != bytes)
    return InvalidData(who + ": shape " + info.shape.to_string() + " of " + raw.dtype + " needs " +
                       std::to_string(bytes) + " bytes but data_offsets span " + std::to_string(end - begin));
  info.data_begin = begin;
  info.data_end = end;
  info.name = std::move(raw.name);
  return info;
}

// The tensors must tile [0, data_bytes): sorted by offset, each starts where
// the previous one ends.
Status check_tiling(const std::vector<SafetensorsTensorInfo>& tensors, uint64_t data_bytes) {
  std::vector<const SafetensorsTensorInfo*> order;
  order.reserve(tensors.size());
  for (const auto& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return a->data_begin != b->data_begin ? a->data_begin < b->data_begin : a->data_end < b->data_end;
  });
  uint64_t expected = 0;
  const SafetensorsTensorInfo* prev = nullptr;
  for (const auto* t : order) {
    if (t->data_begin < expected)
      return InvalidData("tensor " + quote_name(t->name) + " overlaps tensor " + quote_name(prev->name));
    if (t->data_begin > expected)
      return InvalidData("data bytes [" + std::to_string(expected) + ", " + std::to_string(t->data_begin) +
                         ") belong to no tensor");
    expected = t->data_end;
    prev = t;
  }
  if (expected != data_bytes)
    return InvalidData("data area has " + std::to_string(data_bytes - expected) +
                       " trailing bytes that belong to no tensor");
  return Status::Ok();
}

}  // namespace

Result<ParsedHeader> parse_safetensors_header(std::string_view json, uint64_t data_bytes) {
  // A raw NUL is never valid JSON, but the JSON lexer treats it as the end of
  // input; reject it here so that nothing can hide behind one.
  if (json.find('\0') != std::string_view::npos) return InvalidData("header contains a NUL byte");
  HeaderSax sax;
  bool parsed = false;
  try {
    parsed = nlohmann::json::sax_parse(json.begin(), json.end(), &sax, nlohmann::json::input_format_t::json,
                                       /*strict=*/true);
  } catch (const std::bad_alloc&) {
    return OutOfMemory("out of memory while parsing a safetensors header");
  } catch (const std::exception& e) {
    return InvalidData(std::string("header is not valid JSON: ") + e.what());
  }
  if (!parsed || !sax.error.empty()) {
    if (sax.error.empty()) return InvalidData("header is not valid JSON");
    return Status(sax.error_code, sax.error);
  }

  ParsedHeader out;
  out.tensors.reserve(sax.entries.size());
  for (RawEntry& raw : sax.entries) {
    NMC_ASSIGN_OR_RETURN(SafetensorsTensorInfo info, check_entry(raw, data_bytes));
    out.tensors.push_back(std::move(info));
  }
  NMC_RETURN_IF_ERROR(check_tiling(out.tensors, data_bytes));
  std::sort(out.tensors.begin(), out.tensors.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  out.metadata = std::move(sax.metadata);
  return out;
}

}  // namespace nmc::weights
