// BpeTokenizer: parity with Hugging Face `tokenizers` on a Qwen2-layout fixture,
// merge order, special tokens, round trips and hostile input.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "byte_level.h"
#include "vlm_test_data.h"
#include "nmc/vision/bpe_tokenizer.h"

using namespace nmc;
using namespace nmc::vision;
using nmc::test::read_test_json;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm/tokenizer";

const BpeTokenizer& fixture() {
  static const BpeTokenizer t = [] {
    auto r = BpeTokenizer::load(kDir + "/tokenizer.json");
    REQUIRE(r.ok());
    return std::move(r).value();
  }();
  return t;
}


// A minimal byte-level BPE tokenizer.json: the 256 byte characters plus `extra` tokens and `merges`.
std::string tiny_tokenizer(const std::vector<std::string>& extra, const std::vector<std::string>& merges,
                           const std::string& pattern = R"(\p{L}+|\s+|[^\s\p{L}]+)") {
  nlohmann::json vocab = nlohmann::json::object();
  int id = 0;
  for (int b = 0; b < 256; ++b) vocab[byte_level_char(static_cast<uint8_t>(b))] = id++;
  for (const auto& e : extra) vocab[e] = id++;
  nlohmann::json j = {
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", pattern}}}, {"behavior", "Isolated"}, {"invert", false}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"added_tokens", {{{"id", id}, {"content", "<|x|>"}, {"special", true}}}}};
  return j.dump();
}

// The value of an ok Result (fails the test otherwise).
template <class T>
T val(Result<T> r) {
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<std::string> pieces_of(const BpeTokenizer& t, const std::vector<int32_t>& ids) {
  std::vector<std::string> out;
  for (int32_t id : ids) out.push_back(val(t.decode(std::vector<int32_t>{id})));
  return out;
}

}  // namespace

TEST_CASE("tokenizer matches Hugging Face tokenizers on every fixture case", "[vision][tokenizer]") {
  const BpeTokenizer& t = fixture();
  const nlohmann::json cases = read_test_json(kDir + "/cases.json");
  REQUIRE(cases["cases"].size() >= 30);
  CHECK(t.vocab_size() == cases["meta"]["vocab_size"].get<int32_t>());
  for (const auto& c : cases["cases"]) {
    const std::string text = c["text"].get<std::string>();
    INFO("text: " << text);
    const auto want = c["ids"].get<std::vector<int32_t>>();
    auto ids = t.encode(text);
    REQUIRE(ids.ok());
    CHECK(*ids == want);
    auto dec = t.decode(want);
    REQUIRE(dec.ok());
    CHECK(*dec == c["decoded"].get<std::string>());
    auto dec_skip = t.decode(want, true);
    REQUIRE(dec_skip.ok());
    CHECK(*dec_skip == c["decoded_skip_special"].get<std::string>());
  }
  for (const auto& [name, id] : cases["meta"]["specials"].items()) CHECK(t.token_id(name) == id.get<int32_t>());
  CHECK(!t.token_id("no such token").has_value());
}

TEST_CASE("tokenizer round-trips NFC text exactly", "[vision][tokenizer]") {
  const BpeTokenizer& t = fixture();
  // Code points that are their own NFC form, from several scripts, plus whitespace and digits.
  const std::vector<std::string> alphabet = {"a", "Z", " ", "  ", "\n", "\t", "7", "'s", "'LL", ".", "!", "é",
                                             "ß", "Ж", "ж", "中", "文", "ひ", "한", "🙂", "👩‍👧", "\r\n", "\u00a0",
                                             "<|im_start|>", "<|im_end|>", "<image>", "<", "|", "im_end"};
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::string s;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    INFO("text: " << s);
    for (bool parse_special : {true, false}) {
      auto ids = t.encode(s, parse_special);
      REQUIRE(ids.ok());
      auto back = t.decode(*ids);
      REQUIRE(back.ok());
      CHECK(*back == s);
    }
  }
}

TEST_CASE("special tokens are cut out only when asked", "[vision][tokenizer]") {
  const BpeTokenizer& t = fixture();
  const int32_t im_end = *t.token_id("<|im_end|>");
  auto parsed = t.encode("hi<|im_end|>");
  REQUIRE(parsed.ok());
  REQUIRE(!parsed->empty());
  CHECK(parsed->back() == im_end);
  auto as_text = t.encode("hi<|im_end|>", false);
  REQUIRE(as_text.ok());
  CHECK(std::find(as_text->begin(), as_text->end(), im_end) == as_text->end());
  CHECK(as_text->size() > parsed->size());
  CHECK(val(t.decode(*as_text)) == "hi<|im_end|>");
  CHECK(val(t.decode(*parsed, true)) == "hi");
}

TEST_CASE("BPE merges apply by rank, leftmost first among equals", "[vision][tokenizer]") {
  SECTION("lower rank wins over position") {
    auto t = BpeTokenizer::from_json_text(tiny_tokenizer({"bc", "ab"}, {"b c", "a b"}), "tiny");
    REQUIRE(t.ok());
    CHECK(pieces_of(*t, val(t->encode("abc"))) == std::vector<std::string>{"a", "bc"});
    auto t2 = BpeTokenizer::from_json_text(tiny_tokenizer({"bc", "ab"}, {"a b", "b c"}), "tiny");
    REQUIRE(t2.ok());
    CHECK(pieces_of(*t2, val(t2->encode("abc"))) == std::vector<std::string>{"ab", "c"});
  }
  SECTION("equal pairs merge from the left, then merged symbols merge again") {
    auto t = BpeTokenizer::from_json_text(tiny_tokenizer({"aa", "aaaa"}, {"a a", "aa aa"}), "tiny");
    REQUIRE(t.ok());
    CHECK(pieces_of(*t, val(t->encode("aaa"))) == std::vector<std::string>{"aa", "a"});
    CHECK(pieces_of(*t, val(t->encode("aaaaa"))) == std::vector<std::string>{"aaaa", "a"});
    CHECK(pieces_of(*t, val(t->encode("aaaaaa"))) == std::vector<std::string>{"aaaa", "aa"});
  }
  SECTION("merges never cross pre-tokenizer pieces; [a, b] pairs are read like \"a b\"") {
    nlohmann::json j = nlohmann::json::parse(tiny_tokenizer({"a\xc4\xa0", "ab"}, {}));
    j["model"]["merges"] = nlohmann::json::array({nlohmann::json::array({"a", "\xc4\xa0"}), "a b"});
    auto t = BpeTokenizer::from_json_text(j.dump(), "tiny");
    REQUIRE(t.ok());
    CHECK(pieces_of(*t, val(t->encode("a b"))) == std::vector<std::string>{"a", " ", "b"});
    CHECK(pieces_of(*t, val(t->encode("ab"))) == std::vector<std::string>{"ab"});
  }
  SECTION("a long single piece is merged in near-linear time") {
    auto t = BpeTokenizer::from_json_text(tiny_tokenizer({"aa", "aaaa"}, {"a a", "aa aa"}), "tiny");
    REQUIRE(t.ok());
    const std::string s(200001, 'a');
    auto ids = t->encode(s);
    REQUIRE(ids.ok());
    CHECK(ids->size() == 50001);  // 50,000 x "aaaa" + "a"
    CHECK(val(t->decode(*ids)) == s);
  }
}

TEST_CASE("tokenizer rejects hostile text and ids with clear errors", "[vision][tokenizer]") {
  const BpeTokenizer& t = fixture();
  for (const std::string bad : {std::string("\xff"), std::string("ok\xc3"), std::string("\xed\xa0\x80"),
                                std::string("\xc0\xaf"), std::string("\xf4\x90\x80\x80")}) {
    auto r = t.encode(bad);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
  for (int32_t id : {-1, t.vocab_size(), 1 << 30}) {
    auto r = t.decode(std::vector<int32_t>{id});
    REQUIRE(!r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
  // A token sequence that ends inside a multi-byte character: raw bytes vs U+FFFD.
  auto ids = t.encode("中");
  REQUIRE(ids.ok());
  REQUIRE(ids->size() >= 1);
  auto bytes = t.decode_bytes(*ids);
  REQUIRE(bytes.ok());
  CHECK(*bytes == "中");
  if (ids->size() > 1) {
    auto head = t.decode(std::vector<int32_t>(ids->begin(), ids->end() - 1));
    REQUIRE(head.ok());
    CHECK(*head == "\xEF\xBF\xBD");
  }
  CHECK(!BpeTokenizer().encode("x").ok());
}

TEST_CASE("tokenizer.json files outside the supported layout are refused", "[vision][tokenizer]") {
  const std::string good = tiny_tokenizer({"ab"}, {"a b"});
  REQUIRE(BpeTokenizer::from_json_text(good, "tiny").ok());
  auto code_of = [](const std::string& text) { return BpeTokenizer::from_json_text(text, "t").status().code(); };
  auto edited = [&](auto&& edit) {
    nlohmann::json j = nlohmann::json::parse(good);
    edit(j);
    return j.dump();
  };
  CHECK(code_of("not json") == StatusCode::kInvalidData);
  CHECK(code_of("[]") == StatusCode::kInvalidData);
  CHECK(code_of(edited([](auto& j) { j["model"]["type"] = "WordPiece"; })) == StatusCode::kUnsupported);
  CHECK(code_of(edited([](auto& j) { j["model"]["merges"] = {"a c"}; })) == StatusCode::kInvalidData);  // "ac" unknown
  CHECK(code_of(edited([](auto& j) { j["model"]["merges"] = {"abc"}; })) == StatusCode::kInvalidData);
  CHECK(code_of(edited([](auto& j) { j["model"]["vocab"].erase("a"); })) == StatusCode::kInvalidData);
  CHECK(code_of(edited([](auto& j) { j["model"]["vocab"]["ab"] = -3; })) == StatusCode::kInvalidData);
  CHECK(code_of(edited([](auto& j) { j["model"]["vocab"]["zz"] = 0; })) == StatusCode::kInvalidData);  // id reused
  CHECK(code_of(edited([](auto& j) { j["model"]["dropout"] = 0.1; })) == StatusCode::kUnsupported);
  CHECK(code_of(edited([](auto& j) { j["normalizer"] = {{"type", "Lowercase"}}; })) == StatusCode::kUnsupported);
  CHECK(code_of(edited([](auto& j) { j["pre_tokenizer"] = {{"type", "Whitespace"}}; })) == StatusCode::kUnsupported);
  CHECK(code_of(edited([](auto& j) { j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed"; })) ==
        StatusCode::kInvalidData);
  CHECK(code_of(edited([](auto& j) { j["pre_tokenizer"]["pretokenizers"][1]["use_regex"] = true; })) ==
        StatusCode::kUnsupported);
  CHECK(code_of(edited([](auto& j) { j["added_tokens"][0]["lstrip"] = true; })) == StatusCode::kUnsupported);
  CHECK(code_of(edited([](auto& j) { j["added_tokens"][0]["id"] = 1 << 28; })) == StatusCode::kInvalidData);
  CHECK(code_of(edited([](auto& j) { j["added_tokens"][0]["id"] = 0; })) == StatusCode::kInvalidData);
  CHECK(BpeTokenizer::load(kDir + "/missing.json").status().code() == StatusCode::kNotFound);
}

TEST_CASE("ChatML prompts follow Qwen2's template", "[vision][tokenizer]") {
  const std::vector<ChatMessage> msgs = {{"user", "<image>\nWhat is in the picture?"}};
  CHECK(chatml_prompt(msgs) == "<|im_start|>user\n<image>\nWhat is in the picture?<|im_end|>\n<|im_start|>assistant\n");
  CHECK(chatml_prompt(msgs, false, "You are a helpful assistant.") ==
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n<image>\nWhat is in the picture?<|im_end|>\n");
  const std::vector<ChatMessage> with_system = {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello."}};
  CHECK(chatml_prompt(with_system, true, "ignored when a system message exists") ==
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>assistant\n");
  // The fixture tokenizer splits the template's markers into their special ids.
  auto ids = fixture().encode(chatml_prompt(msgs));
  REQUIRE(ids.ok());
  CHECK(ids->front() == *fixture().token_id("<|im_start|>"));
  CHECK(std::count(ids->begin(), ids->end(), *fixture().token_id("<image>")) == 1);
}
