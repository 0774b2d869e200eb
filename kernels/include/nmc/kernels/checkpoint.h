// Checkpoint: the weights of one model, in one safetensors file or sharded
// over several (Hugging Face layout).
//
// open(path) accepts:
//   - a .safetensors file;
//   - a folder holding model.safetensors.index.json (sharded) or model.safetensors;
//   - a *.safetensors.index.json file (sharded; shards live next to it).
// The index is {"weight_map": {tensor name: shard file name}, "metadata": {...}}.
// Shard names must be plain file names in the index's folder (no '/', '\\',
// "." or ".."), so an index cannot reach files elsewhere; every mapped tensor
// must exist in its shard. Tensors present in a shard but not in the
// weight_map are not part of the checkpoint.
//
// Thread rules: immutable after open; const methods are safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "nmc/kernels/safetensors.h"

namespace nmc {

// Limits for the index file.
inline constexpr uint64_t kMaxCheckpointIndexBytes = 64ull << 20;
inline constexpr size_t kMaxCheckpointShards = 4096;

class Checkpoint {
 public:
  Checkpoint() = default;
  static Result<Checkpoint> open(const std::string& path);

  // Sorted tensor names across all shards.
  std::vector<std::string> names() const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // nullptr if absent.
  const SafetensorsTensorInfo* find(std::string_view name) const;
  // See SafetensorsFile::tensor (read-only zero-copy view, or aligned copy).
  Result<Tensor> tensor(std::string_view name) const;

  size_t tensor_count() const { return index_.size(); }
  // Sum of the byte sizes of the checkpoint's tensors.
  uint64_t total_bytes() const { return total_bytes_; }
  const std::vector<SafetensorsFile>& shards() const { return shards_; }
  // Metadata of the single file, or of the first shard (by file name) when sharded.
  const std::map<std::string, std::string>& metadata() const;

 private:
  std::vector<SafetensorsFile> shards_;
  std::map<std::string, size_t, std::less<>> index_;  // tensor name -> shard
  uint64_t total_bytes_ = 0;
};

}  // namespace nmc
