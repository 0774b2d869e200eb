// RegexSplitter: Hugging Face's Split pre-tokenizer with behaviour "Isolated":
// every match of the pattern is one piece and so is every non-empty stretch of
// text between matches. PCRE2 with UTF and Unicode properties (\p{L}, \s, ...),
// JIT-compiled when the platform allows.
//
// Thread rules: immutable after compile(); split() may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nmc/kernels/status.h"

namespace nmc::vision {

struct RegexCode;  // wraps pcre2_code

class RegexSplitter {
 public:
  RegexSplitter() = default;
  // kInvalidData for a pattern PCRE2 rejects (its message and offset included).
  static Result<RegexSplitter> compile(const std::string& pattern);

  // Appends the pieces of `text` (valid UTF-8, checked by the caller) to `pieces`
  // as views into `text`. kLimitExceeded when PCRE2 hits its match limits
  // (pathological backtracking), kInternal for other PCRE2 errors.
  Status split(std::string_view text, std::vector<std::string_view>& pieces) const;

 private:
  std::shared_ptr<const RegexCode> code_;
};

}  // namespace nmc::vision
