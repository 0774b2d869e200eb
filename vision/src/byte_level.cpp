#include "byte_level.h"

#include <array>

#include "utf8.h"

namespace nmc::vision {

namespace {

struct Table {
  std::array<std::string, 256> utf8;
  std::array<int16_t, 0x144> byte_of;  // code points below U+0144 -> byte, or -1
  Table() {
    byte_of.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const uint32_t cp = printable ? static_cast<uint32_t>(b) : next++;
      byte_of[cp] = static_cast<int16_t>(b);
      std::string& u = utf8[static_cast<size_t>(b)];
      if (cp < 0x80) {
        u.push_back(static_cast<char>(cp));
      } else {
        u.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        u.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

const std::string& byte_level_char(uint8_t b) { return table().utf8[b]; }

int byte_level_byte(uint32_t code_point) {
  return code_point < table().byte_of.size() ? table().byte_of[code_point] : -1;
}

void byte_level_encode(std::string_view bytes, std::string& out) {
  for (char c : bytes) out += byte_level_char(static_cast<uint8_t>(c));
}

void byte_level_decode(std::string_view token, std::string& out) {
  const size_t start = out.size();
  for (size_t i = 0; i < token.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_sequence(token, i, &cp);
    const int b = n ? byte_level_byte(cp) : -1;
    if (b < 0) {  // not a byte-level token: its own bytes
      out.resize(start);
      out.append(token);
      return;
    }
    out.push_back(static_cast<char>(b));
    i += n;
  }
}

}  // namespace nmc::vision
