// Sharded checkpoint index validation (path traversal, missing tensors and
// shards, wrong JSON types) and read_json_file.
#include <catch2/catch.hpp>
#include <filesystem>

#include "nmc/kernels/checkpoint.h"
#include "nmc/kernels/json_file.h"
#include "weights_test_util.h"

using namespace nmc;

namespace {

// A folder with one valid shard "s1.safetensors" holding tensors "a" and "b",
// and an index file written from `index_json`.
struct ShardedFolder {
  test::ScratchDir dir;
  explicit ShardedFolder(const std::string& index_json) {
    Tensor a = Tensor::zeros({2}, DType::kF32).value();
    a.data<float>()[1] = 4.0f;
    Tensor b = Tensor::zeros({3}, DType::kI8).value();
    REQUIRE(write_safetensors(dir.file("s1.safetensors"), {{"a", a}, {"b", b}}).ok());
    test::write_text(dir.file("model.safetensors.index.json"), index_json);
  }
  Result<Checkpoint> open() const { return Checkpoint::open(dir.path().string()); }
};

void check_index_rejected(const std::string& index_json, StatusCode code, const char* part) {
  INFO(index_json);
  ShardedFolder folder(index_json);
  auto ck = folder.open();
  REQUIRE_FALSE(ck.ok());
  CHECK(ck.status().code() == code);
  CHECK_THAT(ck.status().message(), Catch::Contains(part));
}

}  // namespace

TEST_CASE("a valid index maps names to shards", "[unit]") {
  ShardedFolder folder(R"({"weight_map": {"a": "s1.safetensors"}})");
  auto ck = folder.open();
  REQUIRE(ck.ok());
  // "b" is in the shard but not in the weight_map: not part of the checkpoint.
  CHECK(ck->names() == std::vector<std::string>{"a"});
  CHECK(ck->total_bytes() == 8);
  CHECK(ck->tensor("a").value().data<float>()[1] == 4.0f);
  CHECK_FALSE(ck->contains("b"));
}

TEST_CASE("index entries cannot leave the index's folder", "[unit]") {
  for (const char* shard : {"../s1.safetensors", "/etc/passwd", "sub/s1.safetensors", "..", ".", "",
                            "..\\\\s1.safetensors"}) {
    check_index_rejected(std::string(R"({"weight_map": {"a": ")") + shard + R"("}})", StatusCode::kInvalidData,
                         "not a plain file name");
  }
}

TEST_CASE("index files with missing pieces or wrong types are rejected", "[unit]") {
  check_index_rejected(R"({"weight_map": {"zz": "s1.safetensors"}})", StatusCode::kInvalidData,
                       "tensor 'zz' is not in its shard 's1.safetensors'");
  check_index_rejected(R"({"weight_map": {"a": "s2.safetensors"}})", StatusCode::kNotFound, "s2.safetensors");
  check_index_rejected(R"({"weight_map": {"a": 3}})", StatusCode::kInvalidData, "is not a string");
  check_index_rejected(R"({"weight_map": ["a"]})", StatusCode::kInvalidData, "'weight_map' is missing");
  check_index_rejected(R"({"metadata": {}})", StatusCode::kInvalidData, "'weight_map' is missing");
  check_index_rejected(R"([1, 2])", StatusCode::kInvalidData, "not a JSON object");
  check_index_rejected(R"({"weight_map": {"a": "s1.safetensors")", StatusCode::kInvalidData, "not valid JSON");
}

TEST_CASE("a damaged shard fails the whole checkpoint", "[unit]") {
  ShardedFolder folder(R"({"weight_map": {"a": "s1.safetensors"}})");
  std::filesystem::resize_file(folder.dir.file("s1.safetensors"), 20);
  auto ck = folder.open();
  CHECK(ck.status().code() == StatusCode::kInvalidData);
  CHECK_THAT(ck.status().message(), Catch::Contains("s1.safetensors"));
}

TEST_CASE("read_json_file parses, limits and reports", "[unit]") {
  test::ScratchDir dir;
  test::write_text(dir.file("config.json"), R"({"hidden_size": 64, "act": "gelu", "dims": [1, 2]})");
  auto cfg = read_json_file(dir.file("config.json"));
  REQUIRE(cfg.ok());
  CHECK((*cfg)["hidden_size"].get<int>() == 64);
  CHECK((*cfg)["act"].get<std::string>() == "gelu");
  CHECK((*cfg)["dims"].size() == 2);

  auto limited = read_json_file(dir.file("config.json"), 10);
  CHECK(limited.status().code() == StatusCode::kLimitExceeded);

  test::write_text(dir.file("bad.json"), "{\"a\": }");
  auto bad = read_json_file(dir.file("bad.json"));
  CHECK(bad.status().code() == StatusCode::kInvalidData);
  CHECK_THAT(bad.status().message(), Catch::Contains("bad.json"));

  CHECK(read_json_file(dir.file("missing.json")).status().code() == StatusCode::kNotFound);
  CHECK(read_json_file(dir.path().string()).status().code() == StatusCode::kIo);
}
