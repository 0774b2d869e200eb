#include <algorithm>
#include <cstring>

#include "byte_storage.h"
#include "nmc/kernels/safetensors.h"
#include "safetensors_header.h"

namespace nmc {

namespace {
constexpr uint64_t kLengthPrefixBytes = 8;

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

Result<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  NMC_ASSIGN_OR_RETURN(auto storage, weights::map_file_readonly(path, kLengthPrefixBytes));
  auto file = from_storage(std::move(storage), path);
  if (!file.ok()) return Status(file.status().code(), path + ": " + file.status().message());
  return file;
}

Result<SafetensorsFile> SafetensorsFile::open_from_memory(std::span<const uint8_t> bytes) {
  // Check the length prefix before copying so that garbage costs no allocation.
  if (bytes.size() < kLengthPrefixBytes)
    return InvalidData("safetensors data has " + std::to_string(bytes.size()) +
                       " bytes, fewer than the 8-byte header length");
  NMC_ASSIGN_OR_RETURN(auto storage, weights::copy_to_storage(bytes));
  return from_storage(std::move(storage), "<memory>");
}

Result<SafetensorsFile> SafetensorsFile::from_storage(std::shared_ptr<Storage> storage, std::string source) {
  const auto* base = static_cast<const uint8_t*>(storage->data);
  const uint64_t size = storage->bytes;
  if (size < kLengthPrefixBytes)
    return InvalidData("file has " + std::to_string(size) + " bytes, fewer than the 8-byte header length");
  const uint64_t header_len = read_u64_le(base);
  if (header_len > kMaxSafetensorsHeaderBytes)
    return InvalidData("header length " + std::to_string(header_len) + " exceeds the limit of " +
                       std::to_string(kMaxSafetensorsHeaderBytes) + " bytes");
  if (header_len > size - kLengthPrefixBytes)
    return InvalidData("header length " + std::to_string(header_len) + " exceeds the " +
                       std::to_string(size - kLengthPrefixBytes) + " bytes after the length field");
  const std::string_view json(reinterpret_cast<const char*>(base + kLengthPrefixBytes),
                              static_cast<size_t>(header_len));
  const uint64_t data_start = kLengthPrefixBytes + header_len;
  NMC_ASSIGN_OR_RETURN(auto header, weights::parse_safetensors_header(json, size - data_start));

  SafetensorsFile f;
  f.storage_ = std::move(storage);
  f.data_start_ = data_start;
  f.data_bytes_ = size - data_start;
  f.tensors_ = std::move(header.tensors);
  f.metadata_ = std::move(header.metadata);
  f.source_ = std::move(source);
  return f;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& t : tensors_) out.push_back(t.name);
  return out;
}

const SafetensorsTensorInfo* SafetensorsFile::find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const SafetensorsTensorInfo& t, std::string_view n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

const uint8_t* SafetensorsFile::tensor_data(const SafetensorsTensorInfo& info) const {
  return static_cast<const uint8_t*>(storage_->data) + data_start_ + info.data_begin;
}

bool SafetensorsFile::is_aligned(const SafetensorsTensorInfo& info) const {
  return reinterpret_cast<uintptr_t>(tensor_data(info)) % dtype_size(info.dtype) == 0;
}

bool SafetensorsFile::is_zero_copy(std::string_view name) const {
  const SafetensorsTensorInfo* info = find(name);
  return info != nullptr && is_aligned(*info);
}

Result<Tensor> SafetensorsFile::tensor(std::string_view name) const {
  const SafetensorsTensorInfo* info = find(name);
  if (!info) {
    return NotFound("no tensor " + weights::quote_name(name) + " in " + source_);
  }
  if (is_aligned(*info)) {
    // A view on the whole-file Storage; read-only by contract (safetensors.h).
    return Tensor::on_storage(storage_, static_cast<size_t>(data_start_ + info->data_begin), info->shape,
                              info->dtype);
  }
  NMC_ASSIGN_OR_RETURN(Tensor copy, Tensor::zeros(info->shape, info->dtype));
  std::memcpy(copy.raw(), tensor_data(*info), static_cast<size_t>(info->nbytes()));
  return copy;
}

std::span<const uint8_t> SafetensorsFile::file_bytes() const {
  if (!storage_) return {};
  return {static_cast<const uint8_t*>(storage_->data), storage_->bytes};
}

}  // namespace nmc
