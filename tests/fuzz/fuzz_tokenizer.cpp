// Fuzz target: the VLM tokenizer on arbitrary bytes.
// The first byte selects the mode:
//   even: the rest is text for the fixture tokenizer (Qwen2 layout). encode must
//         accept exactly the valid UTF-8 inputs (kInvalidArgument otherwise);
//         decode(encode(text)) must give back the NFC form, so it is checked
//         to be valid UTF-8 and, for ASCII text (NFC-invariant), equal to it;
//         the rest read as little-endian int32 ids must decode or be rejected
//         with kInvalidArgument, and decode() must always be valid UTF-8;
//   odd:  the rest is a tokenizer.json: loading never crashes, and a rejection
//         is kInvalidData or kUnsupported with a message; an accepted file must
//         encode and decode a fixed sentence.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "nmc/vision/bpe_tokenizer.h"
#include "utf8.h"

namespace {

using namespace nmc;
using namespace nmc::vision;

void check(bool ok) {
  if (!ok) std::abort();
}

const BpeTokenizer& fixture() {
  static const BpeTokenizer t = [] {
    auto r = BpeTokenizer::load(std::string(NMC_TEST_DATA) + "/vlm/tokenizer/tokenizer.json");
    check(r.ok());
    return std::move(r).value();
  }();
  return t;
}

void fuzz_text(std::string_view text) {
  const BpeTokenizer& t = fixture();
  const bool valid = is_valid_utf8(text);
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  for (bool parse_special : {true, false}) {
    auto ids = t.encode(text, parse_special);
    check(ids.ok() == valid);
    if (!ids.ok()) {
      check(ids.status().code() == StatusCode::kInvalidArgument && !ids.status().message().empty());
      continue;
    }
    auto back = t.decode_bytes(*ids);
    check(back.ok() && is_valid_utf8(*back));
    if (ascii) check(*back == text);
  }
  std::vector<int32_t> ids(text.size() / 4);
  if (!ids.empty()) std::memcpy(ids.data(), text.data(), ids.size() * 4);
  for (bool skip : {false, true}) {
    auto s = t.decode(ids, skip);
    if (s.ok()) {
      check(is_valid_utf8(*s));
    } else {
      check(s.status().code() == StatusCode::kInvalidArgument);
    }
  }
}

void fuzz_json(std::string_view json) {
  auto t = BpeTokenizer::from_json_text(json, "fuzz");
  if (!t.ok()) {
    const StatusCode c = t.status().code();
    check((c == StatusCode::kInvalidData || c == StatusCode::kUnsupported) && !t.status().message().empty());
    return;
  }
  auto ids = t->encode("Hello world, 123!");
  check(ids.ok());
  check(t->decode(*ids).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    fuzz_text(rest);
  } else {
    fuzz_json(rest);
  }
  return 0;
}
