#include "utf8.h"

namespace nmc::vision {

namespace {

// Number of bytes, counting from s[i], that form a valid prefix of some
// well-formed sequence (at least 1): the "maximal subpart" to replace.
size_t maximal_subpart(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  size_t n = 1;
  for (; n < need && i + n < s.size(); ++n) {
    const auto b = static_cast<uint8_t>(s[i + n]);
    const uint8_t l = n == 1 ? lo : 0x80, h = n == 1 ? hi : 0xBF;
    if (b < l || b > h) break;
  }
  return n;
}

}  // namespace

size_t utf8_sequence(std::string_view s, size_t i, uint32_t* cp) {
  if (i >= s.size()) return 0;
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    if (cp) *cp = b0;
    return 1;
  }
  const size_t need = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
  if (maximal_subpart(s, i) != need || b0 < 0xC2 || b0 > 0xF4) return 0;
  if (cp) {
    uint32_t v = b0 & (0x7F >> need);
    for (size_t k = 1; k < need; ++k) v = v << 6 | (static_cast<uint8_t>(s[i + k]) & 0x3F);
    *cp = v;
  }
  return need;
}

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string utf8_lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += maximal_subpart(s, i);
    }
  }
  return out;
}

}  // namespace nmc::vision
