// Driver of check_tokenizer.py: tokenizes a JSON array of strings with nmc's
// BpeTokenizer and writes {"ids": [[...], ...], "decoded": [...], "decoded_skip_special": [...]}.
// Usage: nmc_tokenize_driver TOKENIZER_JSON IN_JSON OUT_JSON
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "nmc/vision/bpe_tokenizer.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s TOKENIZER_JSON IN_JSON OUT_JSON\n", argv[0]);
    return 2;
  }
  auto tok = nmc::vision::BpeTokenizer::load(argv[1]);
  if (!tok.ok()) {
    std::fprintf(stderr, "load: %s\n", tok.status().to_string().c_str());
    return 1;
  }
  std::ifstream in(argv[2]);
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json texts = nlohmann::json::parse(ss.str());
  nlohmann::json out = {{"ids", nlohmann::json::array()},
                        {"decoded", nlohmann::json::array()},
                        {"decoded_skip_special", nlohmann::json::array()}};
  for (const auto& t : texts) {
    auto ids = tok->encode(t.get<std::string>());
    if (!ids.ok()) {
      std::fprintf(stderr, "encode: %s\n", ids.status().to_string().c_str());
      return 1;
    }
    auto dec = tok->decode(*ids), dec_skip = tok->decode(*ids, true);
    if (!dec.ok() || !dec_skip.ok()) {
      std::fprintf(stderr, "decode failed\n");
      return 1;
    }
    out["ids"].push_back(*ids);
    out["decoded"].push_back(*dec);
    out["decoded_skip_special"].push_back(*dec_skip);
  }
  std::ofstream(argv[3]) << out.dump();
  return 0;
}
