// Limits: each bound accepts a stream exactly at it and rejects one past it
// with kLimitExceeded, before anything sized by the input is allocated.
#include <catch2/catch.hpp>

#include "container_test_util.h"
#include "nmc/codecs/container/header.h"

using namespace nmc;
using namespace nmc::container;
using namespace nmc::container::test;

namespace {

void check_limit(const Header& at_limit, const Header& past_limit, const Limits& limits, const char* message) {
  INFO(message);
  CHECK(validate_header(at_limit, limits).ok());
  CHECK(parse(write_stream(at_limit, {}), limits).ok());
  const Bytes past = write_stream(past_limit, {});  // default limits let it through
  auto r = parse(past, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kLimitExceeded);
  CHECK_THAT(r.status().message(), Catch::Contains(message));
}

}  // namespace

TEST_CASE("container: header limits", "[container][limits]") {
  Limits limits;
  limits.max_dimension = 1000;
  limits.max_pixels = 500 * 400;
  limits.max_channels = 4;
  limits.max_sample_rate = 48000;
  limits.max_frame_rate = 60;
  limits.max_duration_seconds = 10;

  Header a = image_header(), b = image_header();
  a.width = 1000, a.height = 10;
  b.width = 1001, b.height = 10;
  check_limit(a, b, limits, "dimensions 1001x10 are over the limit of 1000 pixels a side");
  a.width = 500, a.height = 400;
  b.width = 500, b.height = 401;
  check_limit(a, b, limits, "dimensions 500x401 make 200500 pixels, over the limit of 200000");

  a = image_header(), b = image_header();
  a.channels = 4, b.channels = 5;
  check_limit(a, b, limits, "channels 5 is over the limit of 4");

  a = audio_header(), b = audio_header();
  a.sample_rate = 48000, b.sample_rate = 48001;
  a.sample_count = b.sample_count = 0;
  check_limit(a, b, limits, "sample_rate 48001 Hz is over the limit of 48000 Hz");
  a = audio_header(), b = audio_header();  // 24 kHz: 10 s = 240000 samples
  a.sample_count = 240000, b.sample_count = 240001;
  check_limit(a, b, limits, "sample_count 240001 at 24000 Hz lasts over the limit of 10 seconds");

  a = video_header(), b = video_header();
  a.frame_rate = {120, 2}, b.frame_rate = {121, 2};
  a.frame_count = b.frame_count = 0;
  check_limit(a, b, limits, "frame_rate 121/2 is over the limit of 60 fps");
  a = video_header(), b = video_header();  // 30000/1001 fps: 10 s = 299.7 frames
  a.frame_count = 299, b.frame_count = 300;
  check_limit(a, b, limits, "frame_count 300 at 30000/1001 fps lasts over the limit of 10 seconds");

  // Durations too long for 64-bit products are compared exactly.
  Header huge = video_header();
  huge.frame_rate = {1, 0xFFFFFFFFu};
  huge.frame_count = ~uint64_t{0};
  CHECK(validate_header(huge, Limits{}).code() == StatusCode::kLimitExceeded);
  huge = audio_header();
  huge.sample_count = ~uint64_t{0};
  CHECK(validate_header(huge, Limits{}).code() == StatusCode::kLimitExceeded);
}

TEST_CASE("container: stream, chunk and chunk-count limits", "[container][limits]") {
  const Bytes bytes = sample_image_stream();  // HEAD + HYPR(5) + LATN(12) + DONE = 4 chunks
  REQUIRE(parse(bytes).ok());

  Limits limits;
  limits.max_stream_bytes = bytes.size();
  CHECK(parse(bytes, limits).ok());
  limits.max_stream_bytes = bytes.size() - 1;
  auto r = parse(bytes, limits);
  CHECK(r.status().code() == StatusCode::kLimitExceeded);
  CHECK(r.status().message() == "stream of " + std::to_string(bytes.size()) + " bytes is over the limit of " +
                                    std::to_string(bytes.size() - 1));

  limits = Limits{};
  limits.max_chunks = 4;
  CHECK(parse(bytes, limits).ok());
  limits.max_chunks = 3;
  r = parse(bytes, limits);
  CHECK(r.status().code() == StatusCode::kLimitExceeded);
  CHECK_THAT(r.status().message(), Catch::Contains("is chunk number 4, over the limit of 3"));

  limits = Limits{};
  limits.max_chunk_bytes = 101;  // the HEAD payload: 81 + 20-byte name
  CHECK(parse(bytes, limits).ok());
  limits.max_chunk_bytes = 100;
  r = parse(bytes, limits);
  CHECK(r.status().code() == StatusCode::kLimitExceeded);
  CHECK(r.status().message() == "chunk 'HEAD' at offset 8 declares a payload of 101 bytes, over the limit of 100");
}

TEST_CASE("container: a huge declared length is refused without allocating or reading", "[container][limits]") {
  Bytes bytes = sample_image_stream();
  put_u32(bytes, 121 + 4, 0xFFFFFFF0u);  // HYPR's length field
  auto r = parse(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kLimitExceeded);
  CHECK(r.status().message() ==
        "chunk 'HYPR' at offset 121 declares a payload of 4294967280 bytes, over the limit of 268435456");
  // With the chunk bound lifted, the same field is caught as truncation.
  Limits open;
  open.max_chunk_bytes = 0xFFFFFFFFu;
  r = parse(bytes, open);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidData);
  CHECK_THAT(r.status().message(), Catch::Contains("truncated chunk 'HYPR' at offset 121: needs 4294967292 bytes"));
}
