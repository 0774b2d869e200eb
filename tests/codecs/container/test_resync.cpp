// Resync: after damage or garbage, find_next_chunk lands on the next true
// chunk boundary; on random bytes it finds nothing.
#include <catch2/catch.hpp>
#include <random>

#include "container_test_util.h"

using namespace nmc;
using namespace nmc::container;
using namespace nmc::container::test;

namespace {

Bytes random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// Offsets of HEAD, the codec chunks and DONE in a valid stream.
std::vector<size_t> chunk_offsets(const Bytes& bytes) {
  std::vector<size_t> offsets;
  for (size_t off = kMagic.size(); off < bytes.size();) {
    auto c = read_chunk(bytes, off, Limits{});
    REQUIRE(c.ok());
    offsets.push_back(off);
    off = c->end_offset();
  }
  return offsets;
}

}  // namespace

TEST_CASE("container: resync after a damaged chunk finds the next chunk", "[container][resync]") {
  for (const char* name : {"image.nmc", "audio.nmc", "video.nmc"}) {
    const Bytes golden = read_fixture(name);
    const std::vector<size_t> offsets = chunk_offsets(golden);
    // Damage each byte of each chunk but DONE; a reader that fails on chunk k
    // resumes scanning one byte after its start and must land on chunk k+1.
    for (size_t k = 0; k + 1 < offsets.size(); ++k) {
      for (size_t pos = offsets[k]; pos < offsets[k + 1]; ++pos) {
        Bytes bytes = golden;
        bytes[pos] ^= 0x5A;
        INFO(name << ": chunk " << k << ", byte " << pos);
        REQUIRE_FALSE(read_chunk(bytes, offsets[k], Limits{}).ok());
        const ResyncResult r = find_next_chunk(bytes, offsets[k] + 1, Limits{});
        REQUIRE(r.chunk.has_value());
        CHECK(r.chunk->offset == offsets[k + 1]);
      }
    }
  }
}

TEST_CASE("container: resync skips inserted garbage", "[container][resync]") {
  const Bytes stream = read_fixture("image.nmc");
  const std::vector<size_t> offsets = chunk_offsets(stream);  // 8, 121, 140, 176, 207
  REQUIRE(offsets.size() == 5);
  // 4 KiB of random bytes between HYPR and LATN.
  const Bytes garbage = random_bytes(4096, 1234);
  Bytes bytes(stream.begin(), stream.begin() + 140);
  bytes.insert(bytes.end(), garbage.begin(), garbage.end());
  bytes.insert(bytes.end(), stream.begin() + 140, stream.end());

  auto strict = parse(bytes);
  REQUIRE_FALSE(strict.ok());
  const ResyncResult r = find_next_chunk(bytes, 140, Limits{});
  REQUIRE(r.chunk.has_value());
  CHECK(r.chunk->offset == 140 + garbage.size());
  CHECK(r.chunk->type == ChunkType::from("LATN"));
  CHECK(r.chunk->payload.size() == 24);
  // The scan continues chunk by chunk from there.
  auto note = read_chunk(bytes, r.chunk->end_offset(), Limits{});
  REQUIRE(note.ok());
  CHECK(note->type == ChunkType::from("note"));
}

TEST_CASE("container: resync on random bytes finds no chunk", "[container][resync]") {
  // 1 MiB of random bytes: ~1700 positions pass the letter filter, none the
  // length bound and CRC together (expected false positives ~1e-10).
  const Bytes noise = random_bytes(1 << 20, 99);
  const ResyncResult r = find_next_chunk(noise, 0, Limits{});
  CHECK_FALSE(r.chunk.has_value());
  // Positions whose declared chunk runs past the end stay undecided: with a
  // 4 KiB chunk bound only the last 4 KiB + 11 bytes can hold one.
  Limits tight;
  tight.max_chunk_bytes = 4096;
  const ResyncResult t = find_next_chunk(noise, 0, tight);
  CHECK_FALSE(t.chunk.has_value());
  CHECK(t.keep_from <= noise.size());
  CHECK(t.keep_from + tight.max_chunk_bytes + kChunkOverheadBytes > noise.size());
  // Five letters at the end could still start a chunk: they are kept.
  Bytes tail = noise;
  for (char c : std::string("ABCDE")) tail.push_back(static_cast<uint8_t>(c));
  const ResyncResult k = find_next_chunk(tail, noise.size() - 16, tight);
  CHECK_FALSE(k.chunk.has_value());
  CHECK(k.keep_from == noise.size());
}

TEST_CASE("container: resync on a partial buffer says which bytes to keep", "[container][resync]") {
  const Bytes stream = read_fixture("image.nmc");
  // Received up to the middle of LATN (chunk at 140..176), scanning after a
  // damaged HYPR: nothing verifies yet; LATN's start must be kept.
  const std::span<const uint8_t> partial(stream.data(), 160);
  const ResyncResult r = find_next_chunk(partial, 122, Limits{});
  CHECK_FALSE(r.chunk.has_value());
  CHECK(r.keep_from == 140);
  // Once the chunk is complete the same scan verifies it.
  const ResyncResult full = find_next_chunk(std::span<const uint8_t>(stream.data(), 176), 122, Limits{});
  REQUIRE(full.chunk.has_value());
  CHECK(full.chunk->offset == 140);
  // Nothing plausible left at all: keep nothing.
  const Bytes zeros(64, 0);
  CHECK(find_next_chunk(zeros, 0, Limits{}).keep_from == zeros.size());
  CHECK(find_next_chunk(zeros, zeros.size(), Limits{}).keep_from == zeros.size());
}
