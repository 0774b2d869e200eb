// Malformed and hostile safetensors input: every case must give a non-ok
// Status with the expected code and a message naming the problem.
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

#include "nmc/kernels/safetensors.h"
#include "weights_test_util.h"

using namespace nmc;

namespace {

const std::string kMixed = std::string(NMC_TEST_DATA) + "/safetensors/mixed.safetensors";

struct BadCase {
  const char* what;
  std::vector<uint8_t> bytes;
  StatusCode code;
  const char* message_part;
};

std::vector<uint8_t> one(const std::string& entry_json, size_t data_bytes) {
  return test::raw_safetensors("{\"x\":" + entry_json + "}", std::vector<uint8_t>(data_bytes, 0));
}

void check_rejected(const BadCase& c) {
  INFO(c.what);
  auto f = SafetensorsFile::open_from_memory(c.bytes);
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().code() == c.code);
  CHECK_THAT(f.status().message(), Catch::Contains(c.message_part));
}

}  // namespace

TEST_CASE("every truncation of a valid file is rejected", "[unit]") {
  std::ifstream in(kMixed, std::ios::binary);
  const std::vector<uint8_t> full((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(full.size() == 1487);
  REQUIRE(SafetensorsFile::open_from_memory(full).ok());
  for (size_t n = 0; n < full.size(); ++n) {
    auto f = SafetensorsFile::open_from_memory(std::span<const uint8_t>(full.data(), n));
    INFO("length " << n);
    REQUIRE_FALSE(f.ok());
    REQUIRE(f.status().code() == StatusCode::kInvalidData);
    REQUIRE_FALSE(f.status().message().empty());
  }
  // The same through real files (empty files cannot be mapped: checked before mmap).
  test::ScratchDir dir;
  for (size_t n : {size_t{0}, size_t{7}, size_t{8}, size_t{200}, full.size() - 1}) {
    const std::string path = dir.file("cut" + std::to_string(n));
    test::write_bytes(path, std::vector<uint8_t>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
    auto f = SafetensorsFile::open(path);
    INFO("file length " << n);
    CHECK(f.status().code() == StatusCode::kInvalidData);
    CHECK_THAT(f.status().message(), Catch::Contains(path));
  }
}

TEST_CASE("bad header lengths are rejected before any allocation", "[unit]") {
  const std::string h = R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  check_rejected({"2^63", test::raw_safetensors(h, {1}, uint64_t{1} << 63), StatusCode::kInvalidData, "limit"});
  check_rejected({"above 100 MB", test::raw_safetensors(h, {1}, 100'000'001), StatusCode::kInvalidData, "limit"});
  check_rejected({"one past the file", test::raw_safetensors(h, {1}, h.size() + 2), StatusCode::kInvalidData,
                  "exceeds the"});
  check_rejected({"zero-length header", test::raw_safetensors("", {}), StatusCode::kInvalidData, "JSON"});
}

TEST_CASE("headers that are not a JSON object are rejected", "[unit]") {
  const BadCase cases[] = {
      {"text", test::raw_safetensors("not json"), StatusCode::kInvalidData, "not valid JSON"},
      {"unterminated", test::raw_safetensors("{\"x\":{"), StatusCode::kInvalidData, "not valid JSON"},
      {"trailing garbage", test::raw_safetensors("{} x"), StatusCode::kInvalidData, "not valid JSON"},
      {"array", test::raw_safetensors("[]"), StatusCode::kInvalidData, "not a JSON object"},
      {"string", test::raw_safetensors("\"s\""), StatusCode::kInvalidData, "not a JSON object"},
      {"number", test::raw_safetensors("12"), StatusCode::kInvalidData, "not a JSON object"},
      {"invalid UTF-8", test::raw_safetensors("{\"\xff\":1}"), StatusCode::kInvalidData, "not valid JSON"},
      {"NUL padding", test::raw_safetensors(std::string("{}\0\0", 4)), StatusCode::kInvalidData, "NUL byte"},
      {"NUL inside", test::raw_safetensors(std::string("{\"a\0\":1}", 8)), StatusCode::kInvalidData, "NUL byte"},
  };
  for (const auto& c : cases) check_rejected(c);
  // Space padding after the object is fine, as written by the reference writer.
  CHECK(SafetensorsFile::open_from_memory(test::raw_safetensors("{}      ")).ok());
}

TEST_CASE("entries with wrong JSON types or missing fields are rejected", "[unit]") {
  const BadCase cases[] = {
      {"entry not object", one("[1]", 0), StatusCode::kInvalidData, "tensor 'x' must be an object"},
      {"entry is a number", one("5", 0), StatusCode::kInvalidData, "tensor 'x' must be an object"},
      {"dtype number", one(R"({"dtype":3,"shape":[1],"data_offsets":[0,1]})", 1), StatusCode::kInvalidData,
       "'dtype' must be a string"},
      {"shape string", one(R"({"dtype":"U8","shape":"1","data_offsets":[0,1]})", 1), StatusCode::kInvalidData,
       "'shape' must be an array"},
      {"shape float", one(R"({"dtype":"U8","shape":[1.0],"data_offsets":[0,1]})", 1), StatusCode::kInvalidData,
       "'shape' must be an array"},
      {"shape negative", one(R"({"dtype":"U8","shape":[-1],"data_offsets":[0,1]})", 1), StatusCode::kInvalidData,
       "non-negative"},
      {"shape nested", one(R"({"dtype":"U8","shape":[[1]],"data_offsets":[0,1]})", 1), StatusCode::kInvalidData,
       "'shape' must be an array"},
      {"offsets object", one(R"({"dtype":"U8","shape":[1],"data_offsets":{"a":0}})", 1),
       StatusCode::kInvalidData, "'data_offsets' must be an array"},
      {"offsets three", one(R"({"dtype":"U8","shape":[1],"data_offsets":[0,1,1]})", 1), StatusCode::kInvalidData,
       "exactly two"},
      {"offsets one", one(R"({"dtype":"U8","shape":[1],"data_offsets":[1]})", 1), StatusCode::kInvalidData,
       "exactly two"},
      {"offset negative", one(R"({"dtype":"U8","shape":[1],"data_offsets":[-1,0]})", 1),
       StatusCode::kInvalidData, "two non-negative integers"},
      {"offset beyond u64", one(R"({"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551616]})", 1),
       StatusCode::kInvalidData, "two non-negative integers"},
      {"no dtype", one(R"({"shape":[1],"data_offsets":[0,1]})", 1), StatusCode::kInvalidData, "has no 'dtype'"},
      {"no shape", one(R"({"dtype":"U8","data_offsets":[0,1]})", 1), StatusCode::kInvalidData, "has no 'shape'"},
      {"no offsets", one(R"({"dtype":"U8","shape":[1]})", 1), StatusCode::kInvalidData, "has no 'data_offsets'"},
      {"metadata not object", test::raw_safetensors(R"({"__metadata__":"x"})"), StatusCode::kInvalidData,
       "__metadata__ must be an object"},
      {"metadata value number", test::raw_safetensors(R"({"__metadata__":{"k":1}})"), StatusCode::kInvalidData,
       "value for 'k' must be a string"},
      {"deep nesting in an unknown field",
       one(R"({"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":)" + std::string(100, '[') +
               std::string(100, ']') + "}",
           1),
       StatusCode::kInvalidData, "nested"},
  };
  for (const auto& c : cases) check_rejected(c);
  // Unknown fields are ignored (the reference reader does the same).
  CHECK(SafetensorsFile::open_from_memory(one(R"({"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":[{}]})", 1))
            .ok());
}

TEST_CASE("duplicate keys are rejected", "[unit]") {
  const std::string e = R"({"dtype":"U8","shape":[1],"data_offsets":[0,1]})";
  const BadCase cases[] = {
      {"tensor twice", test::raw_safetensors("{\"x\":" + e + ",\"x\":" + e + "}", {0}), StatusCode::kInvalidData,
       "duplicate key 'x'"},
      {"metadata twice", test::raw_safetensors(R"({"__metadata__":{},"__metadata__":{}})"),
       StatusCode::kInvalidData, "duplicate key '__metadata__'"},
      {"field twice", one(R"({"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]})", 1),
       StatusCode::kInvalidData, "duplicate field 'dtype'"},
      {"metadata key twice", test::raw_safetensors(R"({"__metadata__":{"a":"1","a":"2"}})"),
       StatusCode::kInvalidData, "duplicate __metadata__ key 'a'"},
  };
  for (const auto& c : cases) check_rejected(c);
}

TEST_CASE("dtypes: unknown is invalid, known but unsupported is unsupported", "[unit]") {
  check_rejected({"unknown", one(R"({"dtype":"Q7","shape":[1],"data_offsets":[0,1]})", 1),
                  StatusCode::kInvalidData, "unknown dtype 'Q7'"});
  check_rejected({"lower case", one(R"({"dtype":"f32","shape":[1],"data_offsets":[0,4]})", 4),
                  StatusCode::kInvalidData, "unknown dtype 'f32'"});
  check_rejected({"F8", one(R"({"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]})", 1),
                  StatusCode::kUnsupported, "F8_E4M3"});
  check_rejected({"U32", one(R"({"dtype":"U32","shape":[1],"data_offsets":[0,4]})", 4), StatusCode::kUnsupported,
                  "U32"});
  check_rejected({"rank 9", one(R"({"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]})", 1),
                  StatusCode::kUnsupported, "rank above 8"});
}

TEST_CASE("sizes and offsets must match the data area exactly", "[unit]") {
  const BadCase cases[] = {
      {"shape/size mismatch", one(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})", 8),
       StatusCode::kInvalidData, "needs 12 bytes but data_offsets span 8"},
      {"dims 2^62 x 4", one(R"({"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,0]})", 0),
       StatusCode::kInvalidData, "overflows"},
      {"dim above int64", one(R"({"dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,0]})", 0),
       StatusCode::kInvalidData, "overflows"},
      {"bytes overflow", one(R"({"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]})", 0),
       StatusCode::kInvalidData, "byte size"},
      {"zero dim hides a huge one",
       one(R"({"dtype":"F32","shape":[0,4611686018427387904,8],"data_offsets":[0,0]})", 0),
       StatusCode::kInvalidData, "overflows"},
      {"reversed", one(R"({"dtype":"U8","shape":[4],"data_offsets":[4,0]})", 4), StatusCode::kInvalidData,
       "reversed"},
      {"end beyond data", one(R"({"dtype":"U8","shape":[4],"data_offsets":[0,4]})", 3), StatusCode::kInvalidData,
       "beyond the data area"},
      {"huge offsets", one(R"({"dtype":"U8","shape":[1],"data_offsets":[18446744073709551614,18446744073709551615]})", 1),
       StatusCode::kInvalidData, "beyond the data area"},
      {"gap at start", one(R"({"dtype":"U8","shape":[2],"data_offsets":[2,4]})", 4), StatusCode::kInvalidData,
       "belong to no tensor"},
      {"trailing bytes", one(R"({"dtype":"U8","shape":[2],"data_offsets":[0,2]})", 4), StatusCode::kInvalidData,
       "2 trailing bytes"},
      {"overlap",
       test::raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                             std::vector<uint8_t>(8, 0)),
       StatusCode::kInvalidData, "overlaps"},
      {"same range twice",
       test::raw_safetensors(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})",
                             std::vector<uint8_t>(4, 0)),
       StatusCode::kInvalidData, "overlaps"},
      {"empty tensor inside another",
       test::raw_safetensors(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}})",
                             std::vector<uint8_t>(4, 0)),
       StatusCode::kInvalidData, "overlaps"},
  };
  for (const auto& c : cases) check_rejected(c);
  // Zero-sized tensors at the boundaries are fine.
  CHECK(SafetensorsFile::open_from_memory(
            test::raw_safetensors(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                  R"("b":{"dtype":"U8","shape":[0,3],"data_offsets":[4,4]}})",
                                  std::vector<uint8_t>(4, 0)))
            .ok());
}

TEST_CASE("an accepted empty tensor with huge other dims loads", "[unit]") {
  // Found by fuzzing: the header accepted the shape (its non-zero dims fit
  // int64 in bytes) but loading the misaligned copy refused it as too large.
  // Both header lengths put the data area at an odd and at an aligned offset.
  for (const std::string pad : {"", "       "}) {
    INFO("header padding " << pad.size());
    auto f = SafetensorsFile::open_from_memory(test::raw_safetensors(
        R"({"x":{"dtype":"F64","shape":[461168603685,771808,0],"data_offsets":[0,0]}})" + pad, {}));
    REQUIRE(f.ok());
    auto t = f->tensor("x");
    REQUIRE(t.ok());
    CHECK(t->shape() == Shape{461168603685, 771808, 0});
    CHECK(t->nbytes() == 0);
  }
  // One more factor of the non-zero dims overflows int64 and is refused.
  CHECK_FALSE(SafetensorsFile::open_from_memory(
                  test::raw_safetensors(
                      R"({"x":{"dtype":"F64","shape":[461168603685,771808,0,100],"data_offsets":[0,0]}})", {}))
                  .ok());
  CHECK(Tensor::zeros({461168603685, 771808, 0}, DType::kF64).ok());
  CHECK_FALSE(Tensor::zeros({461168603685, 771808, 0, 100}, DType::kF64).ok());
}

TEST_CASE("error messages quote hostile names safely", "[unit]") {
  const auto bytes = test::raw_safetensors("{\"a\\u0001\\\"b" + std::string(200, 'z') +
                                           R"(":{"dtype":"Q","shape":[1],"data_offsets":[0,1]}})",
                                           {0});
  auto f = SafetensorsFile::open_from_memory(bytes);
  REQUIRE_FALSE(f.ok());
  CHECK_THAT(f.status().message(), Catch::Contains("'a\\x01\"bzzz"));
  CHECK_THAT(f.status().message(), Catch::Contains("...'"));
  CHECK(f.status().message().size() < 200);
}
