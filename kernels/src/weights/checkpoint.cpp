#include "nmc/kernels/checkpoint.h"

#include <filesystem>
#include <map>

#include "nmc/kernels/json_file.h"
#include "safetensors_header.h"

namespace nmc {

namespace fs = std::filesystem;

namespace {

constexpr const char* kIndexName = "model.safetensors.index.json";
constexpr const char* kSingleName = "model.safetensors";

// A shard name from an index must name a file directly inside the index's folder.
bool is_plain_file_name(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s)
    if (c == '/' || c == '\\' || c == '\0') return false;
  return true;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// weight_map of an index file: tensor name -> shard file name.
Result<std::map<std::string, std::string>> read_weight_map(const std::string& index_path) {
  NMC_ASSIGN_OR_RETURN(nlohmann::json index, read_json_file(index_path, kMaxCheckpointIndexBytes));
  if (!index.is_object()) return InvalidData(index_path + ": index is not a JSON object");
  auto it = index.find("weight_map");
  if (it == index.end() || !it->is_object())
    return InvalidData(index_path + ": 'weight_map' is missing or not an object");
  std::map<std::string, std::string> map;
  for (auto& [name, shard] : it->items()) {
    if (!shard.is_string())
      return InvalidData(index_path + ": weight_map entry " + weights::quote_name(name) + " is not a string");
    const std::string& file = shard.get_ref<const std::string&>();
    if (!is_plain_file_name(file))
      return InvalidData(index_path + ": shard " + weights::quote_name(file) + " of tensor " +
                         weights::quote_name(name) + " is not a plain file name in the index's folder");
    map.emplace(name, file);
  }
  return map;
}

}  // namespace

Result<Checkpoint> Checkpoint::open(const std::string& path) {
  std::error_code ec;
  const bool is_dir = fs::is_directory(path, ec);
  std::string index_path;
  std::string single_path;
  if (is_dir) {
    const fs::path dir(path);
    if (fs::exists(dir / kIndexName, ec)) {
      index_path = (dir / kIndexName).string();
    } else if (fs::exists(dir / kSingleName, ec)) {
      single_path = (dir / kSingleName).string();
    } else {
      return NotFound(path + " holds neither " + kIndexName + " nor " + kSingleName);
    }
  } else if (ends_with(path, ".index.json")) {
    index_path = path;
  } else {
    single_path = path;
  }

  Checkpoint ck;
  if (!single_path.empty()) {
    NMC_ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::open(single_path));
    for (const auto& t : file.tensors()) {
      ck.index_.emplace(t.name, 0);
      ck.total_bytes_ += t.nbytes();
    }
    ck.shards_.push_back(std::move(file));
    return ck;
  }

  NMC_ASSIGN_OR_RETURN(auto weight_map, read_weight_map(index_path));
  const fs::path dir = fs::path(index_path).parent_path();
  std::map<std::string, size_t> shard_ids;  // shard file name -> position in shards_ (name order)
  for (const auto& [name, file] : weight_map) shard_ids.emplace(file, 0);
  if (shard_ids.size() > kMaxCheckpointShards)
    return LimitExceeded(index_path + ": more than " + std::to_string(kMaxCheckpointShards) + " shards");
  for (auto& [file, id] : shard_ids) {
    id = ck.shards_.size();
    NMC_ASSIGN_OR_RETURN(SafetensorsFile shard, SafetensorsFile::open((dir / file).string()));
    ck.shards_.push_back(std::move(shard));
  }
  for (const auto& [name, file] : weight_map) {
    const size_t id = shard_ids.at(file);
    const SafetensorsTensorInfo* info = ck.shards_[id].find(name);
    if (!info)
      return InvalidData(index_path + ": tensor " + weights::quote_name(name) + " is not in its shard " +
                         weights::quote_name(file));
    ck.index_.emplace(name, id);
    ck.total_bytes_ += info->nbytes();
  }
  return ck;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, shard] : index_) out.push_back(name);
  return out;
}

const SafetensorsTensorInfo* Checkpoint::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : shards_[it->second].find(name);
}

Result<Tensor> Checkpoint::tensor(std::string_view name) const {
  auto it = index_.find(name);
  if (it == index_.end()) return NotFound("no tensor " + weights::quote_name(name) + " in the checkpoint");
  return shards_[it->second].tensor(name);
}

const std::map<std::string, std::string>& Checkpoint::metadata() const {
  static const std::map<std::string, std::string> kEmpty;
  return shards_.empty() ? kEmpty : shards_.front().metadata();
}

}  // namespace nmc
