// Writer -> parse round trips for each modality, and writer argument checks.
#include <catch2/catch.hpp>

#include "container_test_util.h"
#include "nmc/codecs/container/header.h"

using namespace nmc;
using namespace nmc::container;
using namespace nmc::container::test;

namespace {

void check_round_trip(const Header& header) {
  const std::vector<TestChunk> chunks = {{"LATN", bytes_of("first")}, {"EMPT", {}}, {"note", bytes_of("ancillary")}};
  const Bytes bytes = write_stream(header, chunks);
  auto stream = parse(bytes);
  REQUIRE(stream.ok());
  CHECK(stream->version.major == kVersionMajor);
  CHECK(stream->version.minor == kVersionMinor);
  CHECK(stream->header == header);
  CHECK(stream->head_extension.empty());
  CHECK(stream->skipped_chunks == 0);
  REQUIRE(stream->chunks.size() == chunks.size());
  size_t expected_offset = 8 + 12 + kHeadFixedBytes + header.model_name.size();
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkView& c = stream->chunks[i];
    CHECK(c.type == ChunkType::from(chunks[i].type));
    CHECK(Bytes(c.payload.begin(), c.payload.end()) == chunks[i].payload);
    CHECK(c.offset == expected_offset);
    // Zero-copy: the payload lies inside the parsed buffer.
    CHECK(c.payload.data() == bytes.data() + c.offset + 8);
    expected_offset += 12 + chunks[i].payload.size();
  }
  CHECK(expected_offset + 12 == bytes.size());
}

}  // namespace

TEST_CASE("container: image, audio and video streams round-trip", "[container]") {
  SECTION("image") { check_round_trip(image_header()); }
  SECTION("audio") { check_round_trip(audio_header()); }
  SECTION("video") { check_round_trip(video_header()); }
  SECTION("video with zero frames, audio with zero samples") {
    Header v = video_header();
    v.frame_count = 0;
    check_round_trip(v);
    Header a = audio_header();
    a.sample_count = 0;
    check_round_trip(a);
  }
  SECTION("UTF-8 model name of the maximum length, advisory flag bits") {
    Header h = image_header();
    h.model_name = std::string(31, 'a') + "\xC3\xA9" + std::string(31, 'z');  // 64 bytes with U+00E9
    REQUIRE(h.model_name.size() == kMaxModelNameBytes);
    h.flags = 0xABCD0000u;
    check_round_trip(h);
  }
}

TEST_CASE("container: a stream with no codec chunk is magic, HEAD and DONE", "[container]") {
  const Header h = audio_header();
  const Bytes bytes = write_stream(h, {});
  REQUIRE(bytes.size() == 8 + (12 + kHeadFixedBytes + h.model_name.size()) + 12);
  auto stream = parse(bytes);
  REQUIRE(stream.ok());
  CHECK(stream->chunks.empty());
  CHECK(stream->header == h);
}

TEST_CASE("container: the writer rejects misuse and invalid headers", "[container]") {
  Writer w;
  CHECK(w.append_chunk(ChunkType::from("LATN"), {}).code() == StatusCode::kInvalidArgument);
  CHECK(w.finish().status().code() == StatusCode::kInvalidArgument);

  Header bad = image_header();
  bad.width = 0;
  const Status s = w.set_header(bad);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message() == "width is 0; image streams need a value");

  REQUIRE(w.set_header(image_header()).ok());
  CHECK(w.set_header(image_header()).code() == StatusCode::kInvalidArgument);
  CHECK(w.append_chunk(ChunkType::from("HEAD"), {}).code() == StatusCode::kInvalidArgument);
  CHECK(w.append_chunk(ChunkType::from("DONE"), {}).code() == StatusCode::kInvalidArgument);
  CHECK(w.append_chunk(ChunkType::from("LAT1"), {}).code() == StatusCode::kInvalidArgument);
  CHECK(w.append_chunk(ChunkType::from("LATENT"), {}).code() == StatusCode::kInvalidArgument);
  CHECK(w.append_chunk(ChunkType::from("LATN"), bytes_of("x")).ok());
  auto out = w.finish();
  REQUIRE(out.ok());
  CHECK(parse(out.value()).ok());
  // finish() leaves the writer empty and reusable.
  CHECK(w.append_chunk(ChunkType::from("LATN"), {}).code() == StatusCode::kInvalidArgument);
  REQUIRE(w.set_header(audio_header()).ok());
  auto second = w.finish();
  REQUIRE(second.ok());
  auto parsed = parse(second.value());
  REQUIRE(parsed.ok());
  CHECK(parsed->header == audio_header());

  Header critical = image_header();
  critical.flags = 1;
  Writer w2;
  CHECK(w2.set_header(critical).code() == StatusCode::kUnsupported);
}

TEST_CASE("container: the writer enforces its limits", "[container]") {
  Limits limits;
  limits.max_chunk_bytes = 128;  // the HEAD payload (101 bytes) counts too
  limits.max_chunks = 4;
  Writer w(limits);
  REQUIRE(w.set_header(image_header()).ok());
  CHECK(w.append_chunk(ChunkType::from("LATN"), Bytes(129)).code() == StatusCode::kLimitExceeded);
  CHECK(w.append_chunk(ChunkType::from("LATN"), Bytes(128)).ok());
  CHECK(w.append_chunk(ChunkType::from("LATN"), Bytes(0)).ok());
  // HEAD + 2 + DONE = 4 chunks: a third codec chunk would make 5.
  CHECK(w.append_chunk(ChunkType::from("LATN"), {}).code() == StatusCode::kLimitExceeded);
  auto out = w.finish();
  REQUIRE(out.ok());
  auto stream = parse(out.value(), limits);
  REQUIRE(stream.ok());
  CHECK(stream->chunks.size() == 2);

  Limits head_too_big;
  head_too_big.max_chunk_bytes = 100;  // the image HEAD payload is 101 bytes
  Writer w2(head_too_big);
  CHECK(w2.set_header(image_header()).code() == StatusCode::kLimitExceeded);

  Limits small;
  small.max_stream_bytes = 100;
  Writer w3(small);
  // magic 8 + HEAD (12 + 81 + 20) + DONE 12 = 133 bytes.
  CHECK(w3.set_header(image_header()).code() == StatusCode::kLimitExceeded);
  small.max_stream_bytes = 133;
  Writer w4(small);
  REQUIRE(w4.set_header(image_header()).ok());
  CHECK(w4.append_chunk(ChunkType::from("LATN"), {}).code() == StatusCode::kLimitExceeded);
  auto minimal = w4.finish();
  REQUIRE(minimal.ok());
  CHECK(minimal->size() == 133);
  CHECK(parse(minimal.value(), small).ok());
}
