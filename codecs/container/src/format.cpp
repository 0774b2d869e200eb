// Printable names for chunk types and modalities.
#include "nmc/codecs/container/format.h"

#include <cstdio>

namespace nmc::container {

std::string ChunkType::to_string() const {
  std::string s;
  for (uint8_t b : bytes) {
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')) {
      s.push_back(static_cast<char>(b));
    } else {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02X", b);
      s += hex;
    }
  }
  return s;
}

const char* modality_name(Modality m) {
  switch (m) {
    case Modality::kImage: return "image";
    case Modality::kAudio: return "audio";
    case Modality::kVideo: return "video";
  }
  return "unknown";
}

}  // namespace nmc::container
