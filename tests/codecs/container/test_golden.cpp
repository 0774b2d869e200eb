// Golden files (tests/data/container, written by
// tools/fixtures/make_container_golden.py from the specification alone): the
// C++ writer must produce the same bytes, and the parser must read back every
// field.
#include <catch2/catch.hpp>

#include "container_test_util.h"

using namespace nmc;
using namespace nmc::container;
using namespace nmc::container::test;

namespace {

Bytes iota_bytes(size_t n, uint8_t first) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

Bytes latn_payload() {
  Bytes b(24);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 37);
  return b;
}

struct ExpectedChunk {
  const char* type;
  Bytes payload;
  size_t offset;
};

void check_chunks(const Stream& stream, const std::vector<ExpectedChunk>& expected) {
  REQUIRE(stream.chunks.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("chunk " << i);
    CHECK(stream.chunks[i].type == ChunkType::from(expected[i].type));
    CHECK(Bytes(stream.chunks[i].payload.begin(), stream.chunks[i].payload.end()) == expected[i].payload);
    CHECK(stream.chunks[i].offset == expected[i].offset);
  }
}

}  // namespace

TEST_CASE("container: golden image stream", "[container][golden]") {
  const Bytes golden = read_fixture("image.nmc");
  REQUIRE(golden.size() == 219);

  const std::vector<TestChunk> chunks = {
      {"HYPR", iota_bytes(7, 0)}, {"LATN", latn_payload()}, {"note", bytes_of("golden image stream")}};
  CHECK(write_stream(image_header(), chunks) == golden);

  auto stream = parse(golden);
  REQUIRE(stream.ok());
  CHECK(stream->version.major == 1);
  CHECK(stream->version.minor == 0);
  const Header& h = stream->header;
  CHECK(h.modality == Modality::kImage);
  CHECK(h.flags == 0);
  CHECK(h.model_name == "bmshj2018-hyperprior");
  CHECK(h.weights_sha256 == ramp_hash(0x10));
  CHECK(h.width == 64);
  CHECK(h.height == 48);
  CHECK(h.channels == 3);
  CHECK(h.bit_depth == 8);
  CHECK(h.sample_rate == 0);
  CHECK(h.frame_rate == Rational{0, 0});
  CHECK(h.frame_count == 0);
  CHECK(h.sample_count == 0);
  CHECK(stream->head_extension.empty());
  // HEAD: 8 + 12 + 81 + 20 = 121 is where the first codec chunk starts.
  check_chunks(*stream, {{"HYPR", iota_bytes(7, 0), 121},
                         {"LATN", latn_payload(), 140},
                         {"note", bytes_of("golden image stream"), 176}});

  // With the codec's types, the ancillary "note" chunk is unknown and skipped.
  const ChunkType known[] = {ChunkType::from("HYPR"), ChunkType::from("LATN")};
  auto filtered = parse(golden, Limits{}, known);
  REQUIRE(filtered.ok());
  CHECK(filtered->chunks.size() == 2);
  CHECK(filtered->skipped_chunks == 1);
}

TEST_CASE("container: golden audio stream", "[container][golden]") {
  const Bytes golden = read_fixture("audio.nmc");
  REQUIRE(golden.size() == 181);

  const std::vector<TestChunk> chunks = {
      {"FRAM", iota_bytes(16, 0xA0)}, {"FRAM", {0xFF, 0x00, 0x7F}}, {"SYNC", {}}};
  CHECK(write_stream(audio_header(), chunks) == golden);

  auto stream = parse(golden);
  REQUIRE(stream.ok());
  CHECK(stream->version.major == 1);
  CHECK(stream->version.minor == 0);
  const Header& h = stream->header;
  CHECK(h.modality == Modality::kAudio);
  CHECK(h.flags == 0);
  CHECK(h.model_name == "encodec_24khz");
  CHECK(h.weights_sha256 == ramp_hash(0x40));
  CHECK(h.width == 0);
  CHECK(h.height == 0);
  CHECK(h.channels == 1);
  CHECK(h.bit_depth == 16);
  CHECK(h.sample_rate == 24000);
  CHECK(h.frame_rate == Rational{0, 0});
  CHECK(h.frame_count == 0);
  CHECK(h.sample_count == 48000);
  // HEAD: 8 + 12 + 81 + 13 = 114.
  check_chunks(*stream, {{"FRAM", iota_bytes(16, 0xA0), 114}, {"FRAM", {0xFF, 0x00, 0x7F}, 142}, {"SYNC", {}, 157}});
}

TEST_CASE("container: golden video stream", "[container][golden]") {
  const Bytes golden = read_fixture("video.nmc");
  REQUIRE(golden.size() == 164);

  Header expected = video_header();
  expected.flags = 0x00010000u;  // an advisory bit: kept, not interpreted
  CHECK(write_stream(expected, {{"IFRM", iota_bytes(8, 0)}, {"PFRM", {9, 8, 7, 6}}}) == golden);

  auto stream = parse(golden);
  REQUIRE(stream.ok());
  const Header& h = stream->header;
  CHECK(h.modality == Modality::kVideo);
  CHECK(h.flags == 0x00010000u);
  CHECK(h.model_name == "nmc-video-intra");
  CHECK(h.weights_sha256 == ramp_hash(0x80));
  CHECK(h.width == 320);
  CHECK(h.height == 240);
  CHECK(h.channels == 3);
  CHECK(h.bit_depth == 10);
  CHECK(h.sample_rate == 0);
  CHECK(h.frame_rate == Rational{30000, 1001});
  CHECK(h.frame_count == 90);
  CHECK(h.sample_count == 0);
  // HEAD: 8 + 12 + 81 + 15 = 116.
  check_chunks(*stream, {{"IFRM", iota_bytes(8, 0), 116}, {"PFRM", {9, 8, 7, 6}, 136}});
}
