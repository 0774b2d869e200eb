#include "nmc/kernels/json_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

namespace nmc {

Result<nlohmann::json> parse_json_text(std::string_view text, const std::string& what) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidData(what + " is not valid JSON: " + e.what());
  } catch (const std::bad_alloc&) {
    return OutOfMemory("out of memory while parsing " + what);
  } catch (const std::exception& e) {
    return InvalidData(what + " is not valid JSON: " + e.what());
  }
}

Result<nlohmann::json> read_json_file(const std::string& path, uint64_t max_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    const int err = errno;
    std::string msg = "cannot open " + path + ": " + std::strerror(err);
    return err == ENOENT ? NotFound(std::move(msg)) : IoError(std::move(msg));
  }
  struct stat st {};
  if (::fstat(::fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(f);
    return IoError(path + " is not a regular file");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    std::fclose(f);
    return LimitExceeded(path + " has " + std::to_string(size) + " bytes, more than the limit of " +
                         std::to_string(max_bytes));
  }
  std::string text(static_cast<size_t>(size), '\0');
  const size_t got = std::fread(text.data(), 1, text.size(), f);
  std::fclose(f);
  if (got != text.size()) return IoError("cannot read " + path);
  return parse_json_text(text, path);
}

}  // namespace nmc
