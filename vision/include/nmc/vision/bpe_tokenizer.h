// BpeTokenizer: byte-level BPE tokenization from a Hugging Face tokenizer.json
// (the GPT-2 / Qwen2 family, as used by LLaVA-OneVision).
//
// Supported tokenizer.json layouts (anything else is rejected at load with
// kUnsupported, naming the field):
//   model         BPE with a vocab object and merges ("a b" strings or [a, b]
//                 pairs, rank = position), no dropout, no unk token,
//                 byte_fallback false, ignore_merges true or false;
//   normalizer    null or NFC;
//   pre_tokenizer Sequence[Split(Regex, Isolated), ByteLevel(use_regex false)]
//                 (Qwen2) or ByteLevel alone (GPT-2's pattern when use_regex);
//                 add_prefix_space false;
//   decoder       null or ByteLevel;
//   added_tokens  matched verbatim (longest first) before normalization.
// Encoding: added tokens are cut out first (when parse_special); every text
// span between them is NFC-normalized (utf8proc), split by the pattern (PCRE2,
// Unicode properties), mapped byte by byte to GPT-2's printable alphabet and
// merged pair by pair in merge-rank order (lowest rank first, leftmost first
// among equals) in O(n log n) per span.
//
// Thread rules: immutable after load; encode/decode may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nmc/kernels/status.h"

namespace nmc::vision {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;  // dropped by decode(..., skip_special = true)
};

struct BpeTokenizerState;  // defined in the implementation

class BpeTokenizer {
 public:
  static constexpr size_t kMaxTextBytes = size_t{1} << 30;

  BpeTokenizer() = default;

  // Loads a tokenizer.json file (at most 64 MiB). Errors: kNotFound, kIo,
  // kInvalidData (malformed JSON or inconsistent vocab / merges, e.g. a merge
  // whose parts or result are not in the vocab), kUnsupported (see above).
  static Result<BpeTokenizer> load(const std::string& path);
  // The same from the file's text; `what` names it in messages.
  static Result<BpeTokenizer> from_json_text(std::string_view json, const std::string& what);

  bool loaded() const { return state_ != nullptr; }

  // Token ids of `text` (UTF-8). No template or BOS is added. With
  // parse_special false, added tokens in the text are tokenized as plain text.
  // kInvalidArgument for invalid UTF-8 or more than kMaxTextBytes.
  Result<std::vector<int32_t>> encode(std::string_view text, bool parse_special = true) const;

  // The bytes `ids` stand for, concatenated (may end inside a UTF-8 sequence:
  // a streaming caller holds such a tail back until the next token).
  // kInvalidArgument for an id outside [0, vocab_size()).
  Result<std::string> decode_bytes(std::span<const int32_t> ids, bool skip_special = false) const;
  // decode_bytes() made valid UTF-8: each invalid sequence becomes U+FFFD (as
  // Hugging Face's decode does).
  Result<std::string> decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // Id of a vocab entry or added token given in its tokenizer.json spelling.
  std::optional<int32_t> token_id(std::string_view token) const;
  // One more than the largest id (vocab and added tokens).
  int32_t vocab_size() const;
  std::span<const AddedToken> added_tokens() const;

 private:
  explicit BpeTokenizer(std::shared_ptr<const BpeTokenizerState> s) : state_(std::move(s)) {}
  std::shared_ptr<const BpeTokenizerState> state_;
};

// ChatML, Qwen2's chat format: for each message
// "<|im_start|>{role}\n{content}<|im_end|>\n", then "<|im_start|>assistant\n"
// when add_generation_prompt. With a non-empty default_system and a first
// message that is not "system", "<|im_start|>system\n{default_system}<|im_end|>\n"
// comes first (Qwen2-Instruct's template uses "You are a helpful assistant.";
// LLaVA-OneVision's uses none). Image and video placeholders ("<image>",
// "<video>") are part of the content, where the caller puts them.
struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};
std::string chatml_prompt(std::span<const ChatMessage> messages, bool add_generation_prompt = true,
                          std::string_view default_system = {});

}  // namespace nmc::vision
