// GPT-2's byte-level alphabet: every byte maps to one printable code point
// ('!'..'~', U+00A1..U+00AC and U+00AE..U+00FF map to themselves, the other 68
// bytes to U+0100..U+0143 in byte order), so any byte string becomes a string
// of "characters" a BPE vocabulary can hold.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nmc::vision {

// UTF-8 of the code point byte `b` maps to.
const std::string& byte_level_char(uint8_t b);
// The byte a code point stands for, or -1 when it is not in the alphabet.
int byte_level_byte(uint32_t code_point);

// Appends the byte-level characters of `bytes` to `out`.
void byte_level_encode(std::string_view bytes, std::string& out);
// Appends the bytes `token` stands for to `out`: every character mapped back, or
// the token's own UTF-8 when any character is outside the alphabet (as Hugging
// Face's ByteLevel decoder does).
void byte_level_decode(std::string_view token, std::string& out);

}  // namespace nmc::vision
