// Model lookup for the C ABI (model_registry.h).
#include "model_registry.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace nmc::sdk {
namespace {

bool plain_name(const std::string& s) {
  if (s.empty() || s.size() > 64 || s == "." || s == "..") return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.'))
      return false;
  return true;
}

std::vector<std::string> search_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("NMC_MODEL_PATH")) {
    std::string s(env);
    size_t start = 0;
    while (start <= s.size()) {
      const size_t end = s.find(':', start);
      const std::string part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!part.empty()) dirs.push_back(part);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
#ifdef NMC_INSTALLED_MODELS_DIR
  dirs.push_back(NMC_INSTALLED_MODELS_DIR);
#endif
#ifdef NMC_SOURCE_MODELS_DIR
  dirs.push_back(NMC_SOURCE_MODELS_DIR);
#endif
  return dirs;
}

}  // namespace

std::string shipped_image_model_name(int quality) { return "nmc-image-q" + std::to_string(quality); }

Result<std::string> find_model_folder(const std::string& name_or_path) {
  std::error_code ec;
  if (std::filesystem::is_directory(name_or_path, ec)) return name_or_path;
  if (!plain_name(name_or_path)) return NotFound("model folder '" + name_or_path + "' does not exist");
  std::string searched;
  for (const std::string& dir : search_dirs()) {
    const std::string candidate = dir + "/" + name_or_path;
    if (std::filesystem::is_regular_file(candidate + "/config.json", ec)) return candidate;
    searched += (searched.empty() ? "" : ", ") + dir;
  }
  return NotFound("model '" + name_or_path + "' not found (searched: " +
                  (searched.empty() ? std::string("no folders") : searched) + "; set NMC_MODEL_PATH)");
}

}  // namespace nmc::sdk
