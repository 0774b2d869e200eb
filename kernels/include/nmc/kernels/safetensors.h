// safetensors: reader (memory-mapped, zero-copy) and writer.
//
// File layout (https://github.com/huggingface/safetensors):
//   u64 little-endian N | N bytes of UTF-8 JSON header | data area
// The header maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets in bytes, relative to the data area) plus an optional "__metadata__"
// object of string -> string.
//
// Validation (every failure is a Status, never a crash or an allocation sized by
// the input): N <= kMaxSafetensorsHeaderBytes and N <= file size - 8; the header is
// one JSON object without duplicate keys; each entry has dtype (string), shape
// (array of at most kMaxRank non-negative integers) and data_offsets (two
// non-negative integers); element count * dtype size equals end - begin with no
// overflow; the tensors tile the data area exactly (sorted by offset, each begins
// where the previous ends, the last ends at the end of the file), which rules out
// reversed, out-of-range and overlapping ranges and trailing garbage. This is the
// rule the reference implementation enforces, so every file it reads is read here.
// Malformed input gives kInvalidData; a well-formed file using a dtype nmc does not
// support (U16/U32/U64, F8_*, ...) or a rank above kMaxRank gives kUnsupported.
//
// Thread rules: a SafetensorsFile is immutable after open; const methods may be
// called from any number of threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"

namespace nmc {

// Header length limit (same as the reference implementation).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// One tensor as described by the header.
struct SafetensorsTensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  uint64_t data_begin = 0;  // bytes from the start of the data area
  uint64_t data_end = 0;    // one past the last byte; data_end - data_begin == nbytes()
  uint64_t nbytes() const { return data_end - data_begin; }
};

class SafetensorsFile {
 public:
  SafetensorsFile() = default;

  // Maps `path` read-only (PROT_READ, MAP_PRIVATE) and validates the header.
  // The mapping lives as long as this object or any tensor returned by tensor().
  static Result<SafetensorsFile> open(const std::string& path);
  // Validates and copies `bytes` into a 64-byte aligned buffer this object owns;
  // the caller's buffer may be freed right after the call.
  static Result<SafetensorsFile> open_from_memory(std::span<const uint8_t> bytes);

  // Tensors sorted by name.
  const std::vector<SafetensorsTensorInfo>& tensors() const { return tensors_; }
  std::vector<std::string> names() const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // nullptr if the file has no tensor of that name.
  const SafetensorsTensorInfo* find(std::string_view name) const;

  // Host tensor for `name` (kNotFound if absent). Zero-copy when the data is
  // aligned to its element size: the tensor is a view on the mapping, which is
  // READ-ONLY memory - writing through it is a programmer error (it faults for
  // files). Data at an offset not aligned to the element size (legal in the
  // format, never produced by the reference writer) is copied into a new,
  // writable, aligned tensor instead. The returned tensor keeps the mapping alive.
  Result<Tensor> tensor(std::string_view name) const;
  // True when tensor(name) returns a view on the mapping rather than a copy.
  bool is_zero_copy(std::string_view name) const;

  // "__metadata__" of the header (empty if absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Sum of every tensor's byte size (equals the data area size).
  uint64_t data_bytes() const { return data_bytes_; }
  // The whole file as mapped (header included); read-only.
  std::span<const uint8_t> file_bytes() const;
  // The path given to open(), or "<memory>".
  const std::string& source() const { return source_; }

 private:
  // Validates the file held in `storage` (read-only bytes; keep_alive owns them).
  static Result<SafetensorsFile> from_storage(std::shared_ptr<Storage> storage, std::string source);
  const uint8_t* tensor_data(const SafetensorsTensorInfo& info) const;
  bool is_aligned(const SafetensorsTensorInfo& info) const;  // data aligned to the element size

  std::shared_ptr<Storage> storage_;  // the whole file; shared by every zero-copy view
  uint64_t data_start_ = 0;           // 8 + header length
  uint64_t data_bytes_ = 0;
  std::vector<SafetensorsTensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
  std::string source_;
};

// Tensors to write, in any order; names must be unique and not "__metadata__".
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes a safetensors file laid out as the reference writer does (compact JSON
// header, "__metadata__" first, tensors ordered by dtype - larger elements
// first - then name, header padded with spaces to a multiple of 8), so every
// tensor is aligned to its element size. Tensors must
// be host tensors (any strides; non-contiguous ones are gathered). The file is
// written to `path` + ".tmp" and renamed, so a failure leaves no partial file.
Status write_safetensors(const std::string& path, const NamedTensors& tensors,
                         const std::map<std::string, std::string>& metadata = {});
// Same layout, into memory (for tests, fuzz seeds, small artefacts).
Result<std::vector<uint8_t>> serialize_safetensors(const NamedTensors& tensors,
                                                   const std::map<std::string, std::string>& metadata = {});

}  // namespace nmc
