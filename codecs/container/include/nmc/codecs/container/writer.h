// Building a stream in memory: set the header, append codec chunks, finish.
//
// Ownership: the writer owns its buffer until finish() hands it over.
// Thread rules: one thread at a time per Writer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmc/codecs/container/format.h"
#include "nmc/kernels/status.h"

namespace nmc::container {

class Writer {
 public:
  // The writer enforces `limits` as parse() does, so whatever it produces
  // parses under the same limits.
  explicit Writer(const Limits& limits = {}) : limits_(limits) {}

  // Writes the magic and the HEAD chunk (format version kVersionMajor.
  // kVersionMinor). Must be called once, first. Errors: kInvalidArgument for a
  // header field the format forbids (message as validate_header's), or when
  // called twice; kUnsupported for a critical flag; kLimitExceeded.
  Status set_header(const Header& header);

  // Appends one codec chunk; the payload is copied. Errors: kInvalidArgument
  // when no header is set, for a type that is not four ASCII letters, or for
  // the reserved types HEAD and DONE; kLimitExceeded when the payload, the
  // chunk count or the stream size would pass `limits`.
  Status append_chunk(ChunkType type, std::span<const uint8_t> payload);

  // Appends the DONE chunk and returns the stream; the writer is then empty
  // and can build another stream. kInvalidArgument when no header is set.
  Result<std::vector<uint8_t>> finish();

 private:
  Limits limits_;
  std::vector<uint8_t> bytes_;
  uint64_t chunk_count_ = 0;
  bool has_header_ = false;
};

}  // namespace nmc::container
