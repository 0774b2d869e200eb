// UTF-8 checks used by the tokenizer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nmc::vision {

// Length of the well-formed UTF-8 sequence at s[i] (1..4), or 0 when it is
// ill-formed (bad lead byte, bad or missing continuation, overlong form,
// surrogate, above U+10FFFF). *cp receives the code point when non-null.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t* cp = nullptr);

bool is_valid_utf8(std::string_view s);

// `s` with every maximal ill-formed subpart replaced by U+FFFD (Unicode's
// recommended practice, as Rust's String::from_utf8_lossy does).
std::string utf8_lossy(std::string_view s);

}  // namespace nmc::vision
