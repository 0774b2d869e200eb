// Describing nmc bitstreams (info_bitstream.h).
#include "info_bitstream.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "nmc/codecs/container/format.h"
#include "nmc/codecs/container/stream.h"

namespace nmc::sdk {
namespace {

using json = nlohmann::json;
namespace ct = nmc::container;

std::string hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

// Whole file into memory, refusing files over `max_bytes` before allocating.
Result<std::vector<uint8_t>> read_bounded(const std::string& path, uint64_t max_bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return IoError("cannot open " + path);
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return IoError("cannot seek in " + path);
  const long size = std::ftell(f.get());
  if (size < 0) return IoError("cannot size " + path);
  if (static_cast<uint64_t>(size) > max_bytes)
    return LimitExceeded(path + ": " + std::to_string(size) + " bytes, over the stream limit of " +
                         std::to_string(max_bytes));
  std::rewind(f.get());
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (!bytes.empty() && std::fread(bytes.data(), 1, bytes.size(), f.get()) != bytes.size())
    return IoError("cannot read " + path);
  return bytes;
}

}  // namespace

bool looks_like_bitstream(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  uint8_t magic[ct::kMagic.size()] = {};
  if (!in.read(reinterpret_cast<char*>(magic), sizeof magic)) return false;
  return std::equal(ct::kMagic.begin(), ct::kMagic.end(), magic);
}

Result<json> describe_bitstream(const std::string& path) {
  const ct::Limits limits;
  NMC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_bounded(path, limits.max_stream_bytes));
  NMC_ASSIGN_OR_RETURN(const ct::Stream s, ct::parse(bytes, limits));
  const ct::Header& h = s.header;
  json j;
  j["kind"] = "bitstream";
  j["path"] = path;
  j["file_bytes"] = bytes.size();
  j["format_version"] = std::to_string(s.version.major) + "." + std::to_string(s.version.minor);
  j["modality"] = ct::modality_name(h.modality);
  j["model"] = h.model_name;
  const bool has_digest = std::any_of(h.weights_sha256.begin(), h.weights_sha256.end(), [](uint8_t b) { return b; });
  j["weights_sha256"] = has_digest ? json(hex(h.weights_sha256)) : json(nullptr);
  j["flags"] = h.flags;
  j["channels"] = h.channels;
  j["bit_depth"] = h.bit_depth;
  if (h.modality != ct::Modality::kAudio) {
    j["width"] = h.width;
    j["height"] = h.height;
  }
  if (h.modality == ct::Modality::kAudio) {
    j["sample_rate"] = h.sample_rate;
    j["sample_count"] = h.sample_count;
    j["duration_seconds"] = static_cast<double>(h.sample_count) / h.sample_rate;
  }
  if (h.modality == ct::Modality::kVideo) {
    j["frame_rate"] = {h.frame_rate.num, h.frame_rate.den};
    j["frame_count"] = h.frame_count;
    j["duration_seconds"] = static_cast<double>(h.frame_count) * h.frame_rate.den / h.frame_rate.num;
  }
  json chunks = json::array();
  for (const auto& c : s.chunks)
    chunks.push_back({{"type", c.type.to_string()}, {"bytes", c.payload.size()}, {"offset", c.offset}});
  j["chunks"] = std::move(chunks);
  return j;
}

std::string bitstream_text(const json& j) {
  std::ostringstream os;
  const std::string modality = j["modality"];
  os << "bitstream " << j["path"].get<std::string>() << "\n  format " << j["format_version"].get<std::string>()
     << ", " << modality << ", model " << j["model"].get<std::string>();
  if (!j["weights_sha256"].is_null()) os << " (weights sha256 " << j["weights_sha256"].get<std::string>() << ")";
  if (j.contains("width")) os << "\n  size: " << j["width"].get<uint32_t>() << "x" << j["height"].get<uint32_t>();
  if (j.contains("sample_rate"))
    os << "\n  audio: " << j["sample_rate"].get<uint32_t>() << " Hz, " << j["sample_count"].get<uint64_t>()
       << " samples";
  if (j.contains("frame_count"))
    os << "\n  frames: " << j["frame_count"].get<uint64_t>() << " at " << j["frame_rate"][0].get<uint32_t>() << "/"
       << j["frame_rate"][1].get<uint32_t>() << " fps";
  os << "\n  " << j["channels"].get<int>() << " channels, " << j["bit_depth"].get<int>() << " bit";
  if (j.contains("duration_seconds")) os << ", " << j["duration_seconds"].get<double>() << " s";
  os << "\n  " << j["file_bytes"].get<uint64_t>() << " bytes, " << j["chunks"].size() << " chunks:";
  for (const auto& c : j["chunks"]) os << " " << c["type"].get<std::string>() << "(" << c["bytes"].get<uint64_t>() << ")";
  return os.str();
}

}  // namespace nmc::sdk
