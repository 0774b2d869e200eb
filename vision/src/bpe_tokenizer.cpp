// BpeTokenizer: tokenizer.json loading, encode (added tokens, NFC, pre-tokenizer,
// byte-level mapping, BPE merges) and decode.
#include "nmc/vision/bpe_tokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <optional>
#include <queue>
#include <unordered_map>

#include "byte_level.h"
#include "nmc/kernels/json_file.h"
#include "regex_splitter.h"
#include "utf8.h"

namespace nmc::vision {

namespace {

// GPT-2's pattern (ByteLevel with use_regex true).
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr int64_t kMaxId = int64_t{1} << 24;
constexpr uint64_t kMaxTokenizerFileBytes = uint64_t{64} << 20;

// Merge-table key: the two parts joined by a byte that never occurs in UTF-8.
std::string pair_key(std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(a.size() + b.size() + 1);
  k.append(a);
  k.push_back('\xff');
  k.append(b);
  return k;
}

}  // namespace

struct BpeTokenizerState {
  std::unordered_map<std::string, int32_t> vocab;
  std::unordered_map<std::string, int32_t> merge_rank;  // pair_key(a, b) -> rank
  std::vector<std::string> token_of;                    // id -> tokenizer.json spelling ("" = no token)
  std::vector<AddedToken> added;                        // longest content first
  std::vector<uint8_t> special_id;                      // id -> 1 when a special added token
  std::array<bool, 256> added_first_byte{};             // bytes an added token can start with
  bool nfc = false;
  bool ignore_merges = false;
  RegexSplitter splitter;

  Status encode_span(std::string_view text, std::vector<int32_t>& ids) const;
  void bpe(std::string_view word, std::vector<int32_t>& ids) const;
};

namespace {

Status unsupported(const std::string& what, const std::string& field, const std::string& why) {
  return Unsupported(what + ": " + field + ": " + why);
}

std::string type_of(const nlohmann::json& j) {
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
}

bool flag(const nlohmann::json& j, const char* key, bool fallback) {
  return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

// Reads the pre_tokenizer: sets the splitter pattern; false flags unsupported layouts.
Status read_pre_tokenizer(const nlohmann::json& pre, const std::string& what, std::string& pattern) {
  auto byte_level_ok = [&](const nlohmann::json& bl, bool regex_expected) -> Status {
    if (flag(bl, "add_prefix_space", false))
      return unsupported(what, "pre_tokenizer.ByteLevel.add_prefix_space", "only false is supported");
    if (flag(bl, "use_regex", true) != regex_expected)
      return unsupported(what, "pre_tokenizer.ByteLevel.use_regex",
                         regex_expected ? "must be true when ByteLevel is alone"
                                        : "must be false after a Split (the pattern would apply twice)");
    return Status::Ok();
  };
  const std::string t = type_of(pre);
  if (t == "ByteLevel") {
    NMC_RETURN_IF_ERROR(byte_level_ok(pre, true));
    pattern = kGpt2Pattern;
    return Status::Ok();
  }
  if (t != "Sequence" || !pre.contains("pretokenizers") || !pre["pretokenizers"].is_array() ||
      pre["pretokenizers"].size() != 2)
    return unsupported(what, "pre_tokenizer", "expected Sequence[Split, ByteLevel] or ByteLevel, got '" + t + "'");
  const auto& split = pre["pretokenizers"][0];
  const auto& bl = pre["pretokenizers"][1];
  if (type_of(split) != "Split" || type_of(bl) != "ByteLevel")
    return unsupported(what, "pre_tokenizer", "expected Sequence[Split, ByteLevel]");
  if (!split.contains("pattern") || !split["pattern"].is_object() || !split["pattern"].contains("Regex") ||
      !split["pattern"]["Regex"].is_string())
    return unsupported(what, "pre_tokenizer.Split.pattern", "only {\"Regex\": ...} is supported");
  if (!split.contains("behavior") || split["behavior"] != "Isolated" || flag(split, "invert", false))
    return unsupported(what, "pre_tokenizer.Split", "only behavior Isolated without invert is supported");
  NMC_RETURN_IF_ERROR(byte_level_ok(bl, false));
  pattern = split["pattern"]["Regex"].get<std::string>();
  return Status::Ok();
}

}  // namespace

namespace {

// Everything a tokenizer.json says, checked (see the header for what is supported).
Result<std::shared_ptr<BpeTokenizerState>> parse_state(const nlohmann::json& j, const std::string& what) {
  auto bad = [&](const std::string& why) { return InvalidData(what + ": " + why); };
  if (!j.is_object()) return bad("not a JSON object");
  auto st = std::make_shared<BpeTokenizerState>();

  // ---- model ----
  if (!j.contains("model") || !j["model"].is_object()) return bad("missing object 'model'");
  const auto& m = j["model"];
  if (type_of(m) != "BPE") return unsupported(what, "model.type", "only BPE is supported, got '" + type_of(m) + "'");
  if (m.contains("dropout") && !m["dropout"].is_null() && !(m["dropout"].is_number() && m["dropout"] == 0))
    return unsupported(what, "model.dropout", "BPE dropout is not supported");
  if (m.contains("unk_token") && !m["unk_token"].is_null())
    return unsupported(what, "model.unk_token", "byte-level BPE needs no unknown token");
  if (flag(m, "byte_fallback", false)) return unsupported(what, "model.byte_fallback", "not supported");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (m.contains(key) && !m[key].is_null() && !(m[key].is_string() && m[key].get<std::string>().empty()))
      return unsupported(what, std::string("model.") + key, "not supported");
  st->ignore_merges = flag(m, "ignore_merges", false);
  if (!m.contains("vocab") || !m["vocab"].is_object()) return bad("missing object 'model.vocab'");
  int64_t max_id = -1;
  for (const auto& [token, id] : m["vocab"].items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxId)
      return bad("vocab entry '" + token + "' has an id outside [0, 2^24)");
    if (!is_valid_utf8(token)) return bad("vocab entry with invalid UTF-8");
    st->vocab.emplace(token, id.get<int32_t>());
    max_id = std::max(max_id, id.get<int64_t>());
  }
  for (int b = 0; b < 256; ++b)
    if (!st->vocab.count(byte_level_char(static_cast<uint8_t>(b))))
      return bad("vocab lacks the byte-level character of byte " + std::to_string(b));
  if (!m.contains("merges") || !m["merges"].is_array()) return bad("missing array 'model.merges'");
  int32_t rank = 0;
  for (const auto& mg : m["merges"]) {
    std::string a, b;
    if (mg.is_string()) {
      const std::string s = mg.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 >= s.size() || s.find(' ', sp + 1) != std::string::npos)
        return bad("merge " + std::to_string(rank) + " is not \"a b\"");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (mg.is_array() && mg.size() == 2 && mg[0].is_string() && mg[1].is_string()) {
      a = mg[0].get<std::string>();
      b = mg[1].get<std::string>();
    } else {
      return bad("merge " + std::to_string(rank) + " is neither \"a b\" nor [a, b]");
    }
    if (!st->vocab.count(a) || !st->vocab.count(b) || !st->vocab.count(a + b))
      return bad("merge " + std::to_string(rank) + " ('" + a + "' + '" + b + "') has a part or result outside the vocab");
    st->merge_rank.emplace(pair_key(a, b), rank);  // the first (lowest) rank wins for duplicates
    ++rank;
  }

  // ---- normalizer, pre-tokenizer, decoder ----
  if (j.contains("normalizer") && !j["normalizer"].is_null()) {
    if (type_of(j["normalizer"]) != "NFC")
      return unsupported(what, "normalizer", "only null or NFC is supported, got '" + type_of(j["normalizer"]) + "'");
    st->nfc = true;
  }
  if (!j.contains("pre_tokenizer") || j["pre_tokenizer"].is_null())
    return unsupported(what, "pre_tokenizer", "a byte-level pre-tokenizer is required");
  std::string pattern;
  NMC_RETURN_IF_ERROR(read_pre_tokenizer(j["pre_tokenizer"], what, pattern));
  auto splitter = RegexSplitter::compile(pattern);
  if (!splitter.ok()) return bad(splitter.status().message());
  st->splitter = std::move(splitter).value();
  if (j.contains("decoder") && !j["decoder"].is_null() && type_of(j["decoder"]) != "ByteLevel")
    return unsupported(what, "decoder", "only ByteLevel is supported, got '" + type_of(j["decoder"]) + "'");

  // ---- added tokens ----
  if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
    if (!j["added_tokens"].is_array()) return bad("'added_tokens' is not an array");
    for (const auto& t : j["added_tokens"]) {
      if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() || !t.contains("content") ||
          !t["content"].is_string())
        return bad("an added token lacks an integer 'id' or a string 'content'");
      const int64_t id = t["id"].get<int64_t>();
      const std::string content = t["content"].get<std::string>();
      if (id < 0 || id >= kMaxId) return bad("added token '" + content + "' has an id outside [0, 2^24)");
      if (content.empty() || !is_valid_utf8(content)) return bad("an added token is empty or not UTF-8");
      for (const char* key : {"lstrip", "rstrip", "single_word"})
        if (flag(t, key, false))
          return unsupported(what, std::string("added_tokens.") + key, "only false is supported ('" + content + "')");
      auto in_vocab = st->vocab.find(content);
      if (in_vocab != st->vocab.end() && in_vocab->second != id)
        return bad("added token '" + content + "' has another id than its vocab entry");
      st->added.push_back(AddedToken{static_cast<int32_t>(id), content, flag(t, "special", false)});
      max_id = std::max(max_id, id);
    }
  }
  std::stable_sort(st->added.begin(), st->added.end(),
                   [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
  for (const AddedToken& a : st->added) st->added_first_byte[static_cast<uint8_t>(a.content[0])] = true;

  st->token_of.assign(static_cast<size_t>(max_id + 1), std::string());
  st->special_id.assign(static_cast<size_t>(max_id + 1), 0);
  for (const auto& [token, id] : st->vocab) {
    std::string& slot = st->token_of[static_cast<size_t>(id)];
    if (!slot.empty()) return bad("id " + std::to_string(id) + " is used by two vocab entries");
    slot = token;
  }
  for (const AddedToken& a : st->added) {
    std::string& slot = st->token_of[static_cast<size_t>(a.id)];
    if (!slot.empty() && slot != a.content)
      return bad("added token '" + a.content + "' reuses the id of '" + slot + "'");
    slot = a.content;
    st->special_id[static_cast<size_t>(a.id)] = a.special ? 1 : 0;
  }
  return st;
}

}  // namespace

Result<BpeTokenizer> BpeTokenizer::load(const std::string& path) {
  NMC_ASSIGN_OR_RETURN(nlohmann::json j, read_json_file(path, kMaxTokenizerFileBytes));
  NMC_ASSIGN_OR_RETURN(std::shared_ptr<BpeTokenizerState> st, parse_state(j, path));
  return BpeTokenizer(std::move(st));
}

Result<BpeTokenizer> BpeTokenizer::from_json_text(std::string_view text, const std::string& what) {
  NMC_ASSIGN_OR_RETURN(nlohmann::json j, parse_json_text(text, what));
  NMC_ASSIGN_OR_RETURN(std::shared_ptr<BpeTokenizerState> st, parse_state(j, what));
  return BpeTokenizer(std::move(st));
}

// ---- encode -------------------------------------------------------------------

void BpeTokenizerState::bpe(std::string_view word, std::vector<int32_t>& ids) const {
  if (ignore_merges) {
    auto it = vocab.find(std::string(word));
    if (it != vocab.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  // One node per character; merged nodes grow to the right, absorbed ones die.
  struct Node {
    size_t start, len;
    int prev, next;
  };
  std::vector<Node> nodes;
  for (size_t i = 0; i < word.size();) {
    const size_t n = std::max<size_t>(1, utf8_sequence(word, i));
    nodes.push_back(Node{i, n, static_cast<int>(nodes.size()) - 1, static_cast<int>(nodes.size()) + 1});
    i += n;
  }
  if (nodes.empty()) return;
  nodes.back().next = -1;
  struct Candidate {
    int32_t rank;
    int left, right;
    size_t left_len, right_len;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;  // lowest rank, then leftmost
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto consider = [&](int l) {
    if (l < 0 || nodes[l].next < 0) return;
    const Node &a = nodes[l], &b = nodes[a.next];
    auto it = merge_rank.find(pair_key(word.substr(a.start, a.len), word.substr(b.start, b.len)));
    if (it != merge_rank.end()) heap.push(Candidate{it->second, l, a.next, a.len, b.len});
  };
  for (int i = 0; i + 1 < static_cast<int>(nodes.size()); ++i) consider(i);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    Node& a = nodes[c.left];
    // Stale when either side changed since the candidate was pushed.
    if (a.len != c.left_len || a.next != c.right || nodes[c.right].len != c.right_len) continue;
    Node& b = nodes[c.right];
    a.len += b.len;
    a.next = b.next;
    if (b.next >= 0) nodes[b.next].prev = c.left;
    b.len = 0;  // dead: never matches a stored length again
    consider(a.prev);
    consider(c.left);
  }
  for (int i = 0; i >= 0; i = nodes[i].next)
    ids.push_back(vocab.at(std::string(word.substr(nodes[i].start, nodes[i].len))));  // checked at load
}

Status BpeTokenizerState::encode_span(std::string_view text, std::vector<int32_t>& ids) const {
  if (text.empty()) return Status::Ok();
  std::string normalized;
  if (nfc) {
    utf8proc_uint8_t* out = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                            static_cast<utf8proc_ssize_t>(text.size()), &out,
                                            static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (n < 0) return InvalidArgument(std::string("tokenizer: NFC normalization failed: ") + utf8proc_errmsg(n));
    normalized.assign(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
    std::free(out);
    text = normalized;
  }
  std::vector<std::string_view> pieces;
  NMC_RETURN_IF_ERROR(splitter.split(text, pieces));
  std::string mapped;
  for (std::string_view p : pieces) {
    mapped.clear();
    byte_level_encode(p, mapped);
    bpe(mapped, ids);
  }
  return Status::Ok();
}

Result<std::vector<int32_t>> BpeTokenizer::encode(std::string_view text, bool parse_special) const {
  if (!state_) return InvalidArgument("tokenizer: not loaded");
  if (text.size() > kMaxTextBytes) return InvalidArgument("tokenizer: text longer than 1 GiB");
  if (!is_valid_utf8(text)) return InvalidArgument("tokenizer: text is not valid UTF-8");
  const BpeTokenizerState& s = *state_;
  std::vector<int32_t> ids;
  size_t span = 0;  // start of the text not yet tokenized
  for (size_t i = 0; i < text.size();) {
    const AddedToken* hit = nullptr;
    if (s.added_first_byte[static_cast<uint8_t>(text[i])])
      for (const AddedToken& a : s.added)  // longest first
        if ((parse_special || !a.special) && text.compare(i, a.content.size(), a.content) == 0) {
          hit = &a;
          break;
        }
    if (!hit) {
      ++i;
      continue;
    }
    NMC_RETURN_IF_ERROR(s.encode_span(text.substr(span, i - span), ids));
    ids.push_back(hit->id);
    i += hit->content.size();
    span = i;
  }
  NMC_RETURN_IF_ERROR(s.encode_span(text.substr(span), ids));
  return ids;
}

// ---- decode -------------------------------------------------------------------

Result<std::string> BpeTokenizer::decode_bytes(std::span<const int32_t> ids, bool skip_special) const {
  if (!state_) return InvalidArgument("tokenizer: not loaded");
  const BpeTokenizerState& s = *state_;
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= s.token_of.size() || s.token_of[static_cast<size_t>(id)].empty())
      return InvalidArgument("tokenizer: id " + std::to_string(id) + " is not a token");
    if (skip_special && s.special_id[static_cast<size_t>(id)]) continue;
    byte_level_decode(s.token_of[static_cast<size_t>(id)], out);
  }
  return out;
}

Result<std::string> BpeTokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  NMC_ASSIGN_OR_RETURN(std::string bytes, decode_bytes(ids, skip_special));
  return utf8_lossy(bytes);
}

std::optional<int32_t> BpeTokenizer::token_id(std::string_view token) const {
  if (!state_) return std::nullopt;
  for (const AddedToken& a : state_->added)
    if (a.content == token) return a.id;
  auto it = state_->vocab.find(std::string(token));
  if (it == state_->vocab.end()) return std::nullopt;
  return it->second;
}

int32_t BpeTokenizer::vocab_size() const { return state_ ? static_cast<int32_t>(state_->token_of.size()) : 0; }

std::span<const AddedToken> BpeTokenizer::added_tokens() const {
  if (!state_) return {};
  return state_->added;
}

// ---- chat format ----------------------------------------------------------------

std::string chatml_prompt(std::span<const ChatMessage> messages, bool add_generation_prompt,
                          std::string_view default_system) {
  std::string out;
  auto turn = [&](std::string_view role, std::string_view content) {
    out += "<|im_start|>";
    out += role;
    out += '\n';
    out += content;
    out += "<|im_end|>\n";
  };
  if (!default_system.empty() && (messages.empty() || messages.front().role != "system"))
    turn("system", default_system);
  for (const ChatMessage& m : messages) turn(m.role, m.content);
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace nmc::vision
