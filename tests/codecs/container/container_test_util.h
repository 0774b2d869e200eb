// Helpers for the container tests: sample headers per modality, stream
// building, raw chunk crafting (for streams the writer refuses to produce) and
// fixture file reading.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "nmc/codecs/container/chunk.h"
#include "nmc/codecs/container/format.h"
#include "nmc/codecs/container/stream.h"
#include "nmc/codecs/container/writer.h"

namespace nmc::container::test {

using Bytes = std::vector<uint8_t>;

inline Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

// weights_sha256 filled with 0, 1, ..., 31 plus `seed`.
inline std::array<uint8_t, 32> ramp_hash(uint8_t seed) {
  std::array<uint8_t, 32> h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(seed + i);
  return h;
}

inline Header image_header() {
  Header h;
  h.modality = Modality::kImage;
  h.model_name = "bmshj2018-hyperprior";
  h.weights_sha256 = ramp_hash(0x10);
  h.width = 64;
  h.height = 48;
  h.channels = 3;
  h.bit_depth = 8;
  return h;
}

inline Header audio_header() {
  Header h;
  h.modality = Modality::kAudio;
  h.model_name = "encodec_24khz";
  h.weights_sha256 = ramp_hash(0x40);
  h.channels = 1;
  h.bit_depth = 16;
  h.sample_rate = 24000;
  h.sample_count = 48000;
  return h;
}

inline Header video_header() {
  Header h;
  h.modality = Modality::kVideo;
  h.model_name = "nmc-video-intra";
  h.weights_sha256 = ramp_hash(0x80);
  h.width = 320;
  h.height = 240;
  h.channels = 3;
  h.bit_depth = 10;
  h.frame_rate = {30000, 1001};
  h.frame_count = 90;
  return h;
}

struct TestChunk {
  const char* type;
  Bytes payload;
};

// Writes `header` and `chunks` with a default-limit Writer; fails the test on error.
inline Bytes write_stream(const Header& header, const std::vector<TestChunk>& chunks) {
  Writer writer;
  const Status head = writer.set_header(header);
  INFO(head.to_string());
  REQUIRE(head.ok());
  for (const auto& c : chunks) REQUIRE(writer.append_chunk(ChunkType::from(c.type), c.payload).ok());
  auto out = writer.finish();
  REQUIRE(out.ok());
  return std::move(out).value();
}

// A small image stream with two codec chunks: the stream most tests mutate.
inline Bytes sample_image_stream() {
  return write_stream(image_header(), {{"HYPR", {1, 2, 3, 4, 5}}, {"LATN", bytes_of("latent bytes")}});
}

// Frames `type` and `payload` with a correct CRC, no validation.
inline Bytes raw_chunk(const char* type, const Bytes& payload) {
  Bytes out;
  REQUIRE(append_framed_chunk(ChunkType::from(type), payload, out).ok());
  return out;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes magic() { return Bytes(kMagic.begin(), kMagic.end()); }

// The HEAD payload the writer produces for `header` (taken from a stream).
inline Bytes head_payload(const Header& header) {
  const Bytes s = write_stream(header, {});
  REQUIRE(parse(s).ok());
  const uint32_t len = s[12] | (s[13] << 8) | (s[14] << 16) | (uint32_t(s[15]) << 24);
  return Bytes(s.begin() + 16, s.begin() + 16 + len);
}

// magic | HEAD(head) | chunks... | DONE, every chunk with a correct CRC.
inline Bytes stream_with_head(const Bytes& head, std::initializer_list<Bytes> chunks = {}) {
  Bytes out = concat({magic(), raw_chunk("HEAD", head)});
  for (const auto& c : chunks) out.insert(out.end(), c.begin(), c.end());
  const Bytes done = raw_chunk("DONE", {});
  out.insert(out.end(), done.begin(), done.end());
  return out;
}

inline void put_u16(Bytes& b, size_t at, uint16_t v) {
  b[at] = uint8_t(v);
  b[at + 1] = uint8_t(v >> 8);
}
inline void put_u32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
inline void put_u64(Bytes& b, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = uint8_t(v >> (8 * i));
}

inline Bytes read_fixture(const std::string& name) {
  const std::string path = std::string(NMC_TEST_DATA) + "/container/" + name;
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in.good());
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace nmc::container::test
