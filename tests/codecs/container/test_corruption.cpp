// Damage detection: every truncation and every single-byte change of a valid
// stream is rejected with a status (never a crash, never a silent accept).
#include <catch2/catch.hpp>

#include "container_test_util.h"

using namespace nmc;
using namespace nmc::container;
using namespace nmc::container::test;

namespace {

bool is_expected_error(StatusCode code) {
  return code == StatusCode::kInvalidData || code == StatusCode::kUnsupported || code == StatusCode::kLimitExceeded;
}

}  // namespace

TEST_CASE("container: every truncation of a valid stream is rejected as truncated", "[container][corruption]") {
  for (const char* name : {"image.nmc", "audio.nmc", "video.nmc"}) {
    const Bytes full = read_fixture(name);
    REQUIRE(parse(full).ok());
    for (size_t len = 0; len < full.size(); ++len) {
      INFO(name << " truncated to " << len << " bytes");
      auto r = parse(std::span<const uint8_t>(full.data(), len));
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == StatusCode::kInvalidData);
      CHECK_THAT(r.status().message(), Catch::Contains("truncated"));
    }
  }
}

TEST_CASE("container: every single-byte change of a valid stream is detected", "[container][corruption]") {
  for (const char* name : {"image.nmc", "audio.nmc", "video.nmc"}) {
    const Bytes golden = read_fixture(name);
    Bytes bytes = golden;
    size_t rejected = 0;
    for (size_t pos = 0; pos < bytes.size(); ++pos) {
      for (unsigned x = 1; x < 256; ++x) {
        bytes[pos] = static_cast<uint8_t>(golden[pos] ^ x);
        auto r = parse(bytes);
        if (r.ok() || !is_expected_error(r.status().code()) || r.status().message().empty()) {
          FAIL_CHECK(name << ": byte " << pos << " xor " << x << " not rejected cleanly: "
                          << r.status().to_string());
        } else {
          ++rejected;
        }
      }
      bytes[pos] = golden[pos];
    }
    CHECK(rejected == golden.size() * 255);
  }
}

TEST_CASE("container: a changed payload byte is reported as a CRC mismatch of its chunk", "[container][corruption]") {
  Bytes bytes = read_fixture("image.nmc");
  bytes[150] ^= 0x40;  // inside the LATN payload (chunk at offset 140)
  auto r = parse(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidData);
  CHECK_THAT(r.status().message(), Catch::StartsWith("CRC mismatch in chunk 'LATN' at offset 140: stored 0x"));
}

TEST_CASE("container: a streaming reader sees kAgain until a chunk is complete", "[container][corruption]") {
  const Bytes full = read_fixture("image.nmc");
  // The LATN chunk spans [140, 176).
  for (size_t len = 140; len < 176; ++len) {
    INFO("bytes received: " << len);
    auto r = read_chunk(std::span<const uint8_t>(full.data(), len), 140, Limits{});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kAgain);
  }
  auto r = read_chunk(std::span<const uint8_t>(full.data(), 176), 140, Limits{});
  REQUIRE(r.ok());
  CHECK(r->type == ChunkType::from("LATN"));
  CHECK(r->payload.size() == 24);
  CHECK(r->end_offset() == 176);
  CHECK(read_chunk(full, full.size() + 1, Limits{}).status().code() == StatusCode::kInvalidArgument);
}
