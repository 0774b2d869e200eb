// Field-by-field validation: each malformed stream gets the documented status
// code and a message naming the problem.
#include <catch2/catch.hpp>

#include "container_test_util.h"

using namespace nmc;
using namespace nmc::container;
using namespace nmc::container::test;

namespace {

// HEAD payload offsets (docs/bitstream.md).
constexpr size_t kMajor = 0, kMinor = 2, kModality = 4, kBitDepth = 5, kChannels = 6, kFlags = 8, kWidth = 12,
                 kHeight = 16, kSampleRate = 20, kFpsNum = 24, kFpsDen = 28, kFrameCount = 32, kSampleCount = 40,
                 kNameLength = 80;

void check_rejected(const Bytes& bytes, StatusCode code, const std::string& message_part) {
  auto r = parse(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == code);
  CHECK_THAT(r.status().message(), Catch::Contains(message_part));
}

// A HEAD payload for `header` with `patch` applied, wrapped in a stream.
template <class Patch>
Bytes patched_head(const Header& header, Patch patch) {
  Bytes head = head_payload(header);
  patch(head);
  return stream_with_head(head);
}

Bytes with_name(const std::string& name) {
  Bytes head = head_payload(image_header());
  head.resize(kHeadFixedBytes);
  head[kNameLength] = static_cast<uint8_t>(name.size());
  head.insert(head.end(), name.begin(), name.end());
  return stream_with_head(head);
}

}  // namespace

TEST_CASE("container: magic and stream structure", "[container][validation]") {
  const Bytes good = sample_image_stream();
  REQUIRE(parse(good).ok());
  check_rejected({}, StatusCode::kInvalidData, "truncated stream: 0 of the 8 magic bytes");
  Bytes bad_magic = good;
  bad_magic[3] = 'X';
  check_rejected(bad_magic, StatusCode::kInvalidData, "magic byte 3 is 0x58, expected 0x43");
  Bytes text_mode = good;  // CR LF -> LF, as a text-mode copy does
  text_mode.erase(text_mode.begin() + 4);
  check_rejected(text_mode, StatusCode::kInvalidData, "magic byte 4 is 0x0A, expected 0x0D");

  const Bytes head = raw_chunk("HEAD", head_payload(image_header()));
  const Bytes latn = raw_chunk("LATN", bytes_of("abc"));
  const Bytes done = raw_chunk("DONE", {});
  check_rejected(concat({magic(), latn, head, done}), StatusCode::kInvalidData,
                 "first chunk is 'LATN' at offset 8; a stream starts with HEAD");
  check_rejected(concat({magic(), head, latn, head, done}), StatusCode::kInvalidData, "second HEAD chunk at offset 136");
  check_rejected(concat({magic(), head, latn}), StatusCode::kInvalidData, "without a DONE chunk");
  check_rejected(concat({magic(), head, raw_chunk("DONE", {0}), }), StatusCode::kInvalidData,
                 "has a payload of 1 bytes; it must be empty");
  check_rejected(concat({magic(), head, done, Bytes{0}}), StatusCode::kInvalidData,
                 "1 trailing bytes after the DONE chunk at offset 121");
  check_rejected(concat({magic(), head, done, done}), StatusCode::kInvalidData, "12 trailing bytes");
  check_rejected(concat({magic(), head, raw_chunk("LAT1", {}), done}), StatusCode::kInvalidData,
                 "chunk type 'LAT\\x31' at offset 121 is not four ASCII letters");
  CHECK(parse(concat({magic(), head, latn, done})).ok());
}

TEST_CASE("container: version rules", "[container][validation]") {
  const Header h = audio_header();
  check_rejected(patched_head(h, [](Bytes& b) { put_u16(b, kMajor, 2); }), StatusCode::kUnsupported,
                 "format version 2.0: this reader supports major version 1 only");
  check_rejected(patched_head(h, [](Bytes& b) { put_u16(b, kMajor, 0); }), StatusCode::kUnsupported,
                 "format version 0.0");
  // A later major may lay HEAD out differently: only the version is read.
  check_rejected(stream_with_head({2, 0, 9, 0}), StatusCode::kUnsupported, "format version 2.9");
  check_rejected(stream_with_head({1, 0, 0}), StatusCode::kInvalidData, "too short for a version");

  // Unknown minor version: accepted, appended HEAD fields exposed and ignored.
  const Bytes minor = patched_head(h, [](Bytes& b) {
    put_u16(b, kMinor, 3);
    b.insert(b.end(), {0xAA, 0xBB});
  });
  auto s = parse(minor);
  REQUIRE(s.ok());
  CHECK(s->version.major == 1);
  CHECK(s->version.minor == 3);
  CHECK(s->header == h);
  CHECK(Bytes(s->head_extension.begin(), s->head_extension.end()) == Bytes{0xAA, 0xBB});
  // Version 1.0 defines no bytes after the name.
  check_rejected(patched_head(h, [](Bytes& b) { b.push_back(0); }), StatusCode::kInvalidData,
                 "1 bytes after the model name; format 1.0 defines none");
  check_rejected(patched_head(h, [](Bytes& b) {
                   put_u16(b, kMinor, 1);
                   b.resize(kMaxHeadPayloadBytes + 1);
                 }),
                 StatusCode::kInvalidData, "over the format maximum of 4096");
  check_rejected(patched_head(h, [](Bytes& b) { b.resize(60); }), StatusCode::kInvalidData,
                 "HEAD payload of 60 bytes is shorter than the 81 fixed bytes");
}

TEST_CASE("container: modality, flags and model name", "[container][validation]") {
  const Header h = image_header();
  check_rejected(patched_head(h, [](Bytes& b) { b[kModality] = 0; }), StatusCode::kInvalidData, "modality 0 is not");
  check_rejected(patched_head(h, [](Bytes& b) { b[kModality] = 4; }), StatusCode::kInvalidData, "modality 4 is not");
  check_rejected(patched_head(h, [](Bytes& b) { put_u32(b, kFlags, 0x8); }), StatusCode::kUnsupported,
                 "header flags 0x00000008 set critical bits");
  auto advisory = parse(patched_head(h, [](Bytes& b) { put_u32(b, kFlags, 0x80000000u); }));
  REQUIRE(advisory.ok());
  CHECK(advisory->header.flags == 0x80000000u);

  check_rejected(with_name(""), StatusCode::kInvalidData, "model name is empty");
  check_rejected(with_name(std::string(65, 'm')), StatusCode::kInvalidData,
                 "model name of 65 bytes is over the maximum of 64");
  check_rejected(patched_head(h, [](Bytes& b) { b[kNameLength] = 21; }), StatusCode::kInvalidData,
                 "model name length 21 runs past the HEAD payload (20 bytes left)");
  for (const std::string bad : {std::string("tab\there"), std::string("del\x7f"), std::string("c1\xC2\x85"),
                                std::string("cut\xC3"), std::string("bad\xC3("), std::string("overlong\xC0\xAF"),
                                std::string("overlong3\xE0\x80\xAF"), std::string("surrogate\xED\xA0\x80"),
                                std::string("big\xF4\x90\x80\x80"), std::string("nul\0x", 5)}) {
    INFO(bad);
    check_rejected(with_name(bad), StatusCode::kInvalidData, "model name is not UTF-8 text without control characters");
  }
  for (const std::string good : {std::string("ascii-name_1.0"), std::string("caf\xC3\xA9"),
                                 std::string("\xE6\xA8\xA1\xE5\x9E\x8B"), std::string("emoji\xF0\x9F\x98\x80")}) {
    INFO(good);
    auto s = parse(with_name(good));
    REQUIRE(s.ok());
    CHECK(s->header.model_name == good);
  }
}

TEST_CASE("container: fields each modality needs or forbids", "[container][validation]") {
  struct Case {
    Header header;
    size_t offset;
    int width;  // 1, 2, 4 or 8 bytes
    uint64_t value;
    const char* message;
  };
  const Case cases[] = {
      {image_header(), kWidth, 4, 0, "width is 0; image streams need a value"},
      {image_header(), kHeight, 4, 0, "height is 0; image streams need a value"},
      {image_header(), kChannels, 2, 0, "channels is 0; image streams need a value"},
      {image_header(), kBitDepth, 1, 0, "bit_depth is 0; image streams need a value"},
      {image_header(), kBitDepth, 1, 17, "bit_depth 17 is over 16 for pictures"},
      {image_header(), kSampleRate, 4, 8000, "sample_rate is 8000; image streams must leave it 0"},
      {image_header(), kFpsNum, 4, 25, "frame_rate.num is 25; image streams must leave it 0"},
      {image_header(), kFpsDen, 4, 1, "frame_rate.den is 1; image streams must leave it 0"},
      {image_header(), kFrameCount, 8, 1, "frame_count is 1; image streams must leave it 0"},
      {image_header(), kSampleCount, 8, 1, "sample_count is 1; image streams must leave it 0"},
      {audio_header(), kSampleRate, 4, 0, "sample_rate is 0; audio streams need a value"},
      {audio_header(), kBitDepth, 1, 33, "bit_depth 33 is over 32 for audio"},
      {audio_header(), kWidth, 4, 2, "width is 2; audio streams must leave it 0"},
      {audio_header(), kHeight, 4, 2, "height is 2; audio streams must leave it 0"},
      {audio_header(), kFpsDen, 4, 1, "frame_rate.den is 1; audio streams must leave it 0"},
      {audio_header(), kFrameCount, 8, 5, "frame_count is 5; audio streams must leave it 0"},
      {video_header(), kFpsNum, 4, 0, "frame_rate.num is 0; video streams need a value"},
      {video_header(), kFpsDen, 4, 0, "frame_rate 30000/0 has a zero denominator"},
      {video_header(), kWidth, 4, 0, "width is 0; video streams need a value"},
      {video_header(), kSampleRate, 4, 44100, "sample_rate is 44100; video streams must leave it 0"},
      {video_header(), kSampleCount, 8, 7, "sample_count is 7; video streams must leave it 0"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    const Bytes bytes = patched_head(c.header, [&](Bytes& b) {
      if (c.width == 1) b[c.offset] = static_cast<uint8_t>(c.value);
      if (c.width == 2) put_u16(b, c.offset, static_cast<uint16_t>(c.value));
      if (c.width == 4) put_u32(b, c.offset, static_cast<uint32_t>(c.value));
      if (c.width == 8) put_u64(b, c.offset, c.value);
    });
    check_rejected(bytes, StatusCode::kInvalidData, c.message);
  }
}

TEST_CASE("container: unknown ancillary chunks are skipped, unknown critical ones rejected", "[container][validation]") {
  const Bytes bytes = write_stream(image_header(), {{"LATN", bytes_of("a")}, {"xtra", bytes_of("bb")},
                                                    {"HYPR", bytes_of("c")}, {"meTa", {}}});
  const ChunkType latn_hypr[] = {ChunkType::from("LATN"), ChunkType::from("HYPR")};
  auto s = parse(bytes, Limits{}, latn_hypr);
  REQUIRE(s.ok());
  REQUIRE(s->chunks.size() == 2);
  CHECK(s->chunks[0].type == ChunkType::from("LATN"));
  CHECK(s->chunks[1].type == ChunkType::from("HYPR"));
  CHECK(s->skipped_chunks == 2);

  const ChunkType latn_only[] = {ChunkType::from("LATN")};
  auto r = parse(bytes, Limits{}, latn_only);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnsupported);
  // HEAD ends at 121, LATN is 13 bytes, xtra 14: HYPR starts at 148.
  CHECK(r.status().message() == "unknown critical chunk 'HYPR' at offset 148");

  // Without a type list every chunk is returned: the container does not judge codec types.
  auto all = parse(bytes);
  REQUIRE(all.ok());
  CHECK(all->chunks.size() == 4);
  CHECK(ChunkType::from("xtra").is_critical() == false);
  CHECK(ChunkType::from("XTRA").is_critical() == true);
  CHECK(ChunkType::from("HEAD").is_valid());
  CHECK_FALSE(ChunkType::from("HEA").is_valid());
  CHECK_FALSE(ChunkType::from("HE D").is_valid());
}
