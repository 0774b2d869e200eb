// nmc_file_describe: one description for every kind of file nmc reads -
// safetensors checkpoints (file or model folder), nmc bitstreams and media (via
// nmc_media_probe).
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "context_impl.h"
#include "info_bitstream.h"
#include "nmc/info.h"
#include "nmc/kernels/checkpoint.h"
#include "nmc/kernels/json_file.h"
#include "nmc/media.h"

namespace nmc::sdk {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool looks_like_checkpoint(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return true;
  return ends_with(path, ".safetensors") || ends_with(path, ".safetensors.index.json");
}

std::string human_bytes(uint64_t b) {
  std::ostringstream os;
  os.precision(3);
  if (b >= (1ull << 30)) os << static_cast<double>(b) / (1ull << 30) << " GiB";
  else if (b >= (1ull << 20)) os << static_cast<double>(b) / (1ull << 20) << " MiB";
  else if (b >= (1ull << 10)) os << static_cast<double>(b) / (1ull << 10) << " KiB";
  else os << b << " B";
  return os.str();
}

// Builds the JSON description of a checkpoint; config.json next to it is summarised.
Result<json> describe_checkpoint(const std::string& path) {
  NMC_ASSIGN_OR_RETURN(Checkpoint ckpt, Checkpoint::open(path));
  json j;
  j["kind"] = "checkpoint";
  j["path"] = path;
  j["shards"] = ckpt.shards().size();
  j["tensor_count"] = ckpt.tensor_count();
  j["total_bytes"] = ckpt.total_bytes();
  std::map<std::string, int64_t> params_by_dtype;
  json tensors = json::array();
  int64_t params = 0;
  for (const auto& name : ckpt.names()) {
    const SafetensorsTensorInfo* t = ckpt.find(name);
    const int64_t n = t->shape.numel();
    params += n;
    params_by_dtype[dtype_safetensors_name(t->dtype)] += n;
    json shape = json::array();
    for (int i = 0; i < t->shape.rank; ++i) shape.push_back(t->shape[i]);
    tensors.push_back({{"name", name}, {"dtype", dtype_safetensors_name(t->dtype)}, {"shape", shape}});
  }
  j["parameters"] = params;
  j["parameters_by_dtype"] = params_by_dtype;
  j["metadata"] = ckpt.metadata();
  j["tensors"] = std::move(tensors);
  std::error_code ec;
  const fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
  const fs::path cfg = dir / "config.json";
  if (fs::is_regular_file(cfg, ec)) {
    auto c = read_json_file(cfg.string());
    if (c.ok() && c->is_object()) {
      json summary;
      for (const char* key : {"model_type", "architectures", "torch_dtype", "hidden_size", "num_hidden_layers"})
        if (c->contains(key)) summary[key] = (*c)[key];
      j["config"] = summary;
    }
  }
  return j;
}

std::string checkpoint_text(const json& j) {
  std::ostringstream os;
  os << "checkpoint " << j["path"].get<std::string>() << "\n";
  os << "  shards: " << j["shards"].get<size_t>() << ", tensors: " << j["tensor_count"].get<size_t>()
     << ", parameters: " << j["parameters"].get<int64_t>() << ", size: "
     << human_bytes(j["total_bytes"].get<uint64_t>()) << "\n";
  os << "  dtypes:";
  for (auto& [k, v] : j["parameters_by_dtype"].items()) os << " " << k << "=" << v.get<int64_t>();
  os << "\n";
  if (j.contains("config")) os << "  config: " << j["config"].dump() << "\n";
  if (!j["metadata"].empty()) os << "  metadata: " << j["metadata"].dump() << "\n";
  const auto& ts = j["tensors"];
  const size_t show = ts.size() <= 40 ? ts.size() : 30;
  for (size_t i = 0; i < show; ++i) {
    os << "  " << ts[i]["name"].get<std::string>() << "  " << ts[i]["dtype"].get<std::string>() << " "
       << ts[i]["shape"].dump() << "\n";
  }
  if (show < ts.size()) os << "  ... " << ts.size() - show << " more (--json lists all)\n";
  std::string s = os.str();
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

const char* media_kind_name(nmc_media_kind k) {
  switch (k) {
    case NMC_MEDIA_IMAGE: return "image";
    case NMC_MEDIA_AUDIO: return "audio";
    case NMC_MEDIA_VIDEO: return "video";
    default: return "unknown";
  }
}

json describe_media(const std::string& path, const nmc_media_info& m) {
  json j;
  j["kind"] = media_kind_name(m.kind);
  j["path"] = path;
  j["codec"] = m.codec_name;
  j["container"] = m.container_name;
  if (m.kind == NMC_MEDIA_IMAGE || m.kind == NMC_MEDIA_VIDEO) {
    j["width"] = m.width;
    j["height"] = m.height;
  }
  if (m.kind == NMC_MEDIA_IMAGE) j["channels"] = m.channels;
  if (m.kind == NMC_MEDIA_VIDEO) {
    j["frame_rate"] = m.frame_rate;
    j["num_frames"] = m.num_frames;
  }
  if (m.sample_rate > 0) {
    j["sample_rate"] = m.sample_rate;
    j["channels"] = m.channels;
  }
  if (m.duration_seconds > 0) j["duration_seconds"] = m.duration_seconds;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec) j["file_bytes"] = size;
  return j;
}

std::string media_text(const json& j) {
  std::ostringstream os;
  const std::string kind = j["kind"];
  os << kind << " " << j["path"].get<std::string>() << "\n  codec: " << j["codec"].get<std::string>()
     << " (" << j["container"].get<std::string>() << ")";
  if (j.contains("width"))
    os << "\n  size: " << j["width"].get<int>() << "x" << j["height"].get<int>();
  if (kind == "image") os << ", " << j["channels"].get<int>() << " channels";
  if (j.contains("frame_rate"))
    os << "\n  frames: " << j["num_frames"].get<int64_t>() << " at " << j["frame_rate"].get<double>() << " fps";
  if (j.contains("sample_rate"))
    os << "\n  audio: " << j["sample_rate"].get<int>() << " Hz, " << j["channels"].get<int>() << " channels";
  if (j.contains("duration_seconds")) os << "\n  duration: " << j["duration_seconds"].get<double>() << " s";
  if (j.contains("file_bytes")) os << "\n  file: " << human_bytes(j["file_bytes"].get<uint64_t>());
  return os.str();
}

}  // namespace
}  // namespace nmc::sdk

extern "C" nmc_status nmc_file_describe(nmc_context* ctx, const char* path, nmc_describe_format format, char* buf,
                                        size_t buf_size, size_t* needed, nmc_file_kind* kind) {
  using namespace nmc::sdk;
  if (needed) *needed = 0;
  if (kind) *kind = NMC_FILE_UNKNOWN;
  if (!path || (format != NMC_DESCRIBE_TEXT && format != NMC_DESCRIBE_JSON))
    return fail(ctx, nmc::StatusCode::kInvalidArgument, "nmc_file_describe: path is NULL or format unknown");
  return guarded(ctx, [&]() -> nmc::Status {
    const std::string p = path;
    json j;
    nmc_file_kind k = NMC_FILE_UNKNOWN;
    if (looks_like_checkpoint(p)) {
      NMC_ASSIGN_OR_RETURN(j, describe_checkpoint(p));
      k = NMC_FILE_CHECKPOINT;
    } else if (looks_like_bitstream(p)) {
      NMC_ASSIGN_OR_RETURN(j, describe_bitstream(p));
      k = NMC_FILE_BITSTREAM;
    } else {
      nmc_media_info m;
      std::memset(&m, 0, sizeof m);
      m.struct_size = sizeof m;
      const nmc_status st = nmc_media_probe(ctx, path, &m);
      if (st != NMC_OK) return nmc::Status(static_cast<nmc::StatusCode>(st), nmc_context_last_error(ctx));
      j = describe_media(p, m);
      k = m.kind == NMC_MEDIA_IMAGE ? NMC_FILE_IMAGE
          : m.kind == NMC_MEDIA_AUDIO ? NMC_FILE_AUDIO
          : m.kind == NMC_MEDIA_VIDEO ? NMC_FILE_VIDEO
                                      : NMC_FILE_UNKNOWN;
    }
    std::string text;
    // Paths need not be UTF-8; invalid bytes become U+FFFD rather than failing.
    if (format == NMC_DESCRIBE_JSON) text = j.dump(-1, ' ', false, json::error_handler_t::replace);
    else text = k == NMC_FILE_CHECKPOINT ? checkpoint_text(j) : k == NMC_FILE_BITSTREAM ? bitstream_text(j) : media_text(j);
    if (kind) *kind = k;
    if (needed) *needed = text.size() + 1;
    if (!buf || buf_size < text.size() + 1)
      return nmc::Status(nmc::StatusCode::kBufferTooSmall, "description needs " + std::to_string(text.size() + 1) +
                                                              " bytes");
    std::memcpy(buf, text.c_str(), text.size() + 1);
    return nmc::Status::Ok();
  });
}
