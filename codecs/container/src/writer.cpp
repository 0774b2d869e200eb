// Stream writer (docs/bitstream.md, "Writing").
#include "nmc/codecs/container/writer.h"

#include <string>

#include "head_payload.h"
#include "nmc/codecs/container/chunk.h"
#include "nmc/codecs/container/header.h"

namespace nmc::container {

namespace {

// A header the caller built is an argument, not data: kInvalidData becomes
// kInvalidArgument; kUnsupported and kLimitExceeded keep their codes.
Status as_argument_error(Status status) {
  if (status.code() == StatusCode::kInvalidData) return InvalidArgument(status.message());
  return status;
}

}  // namespace

Status Writer::set_header(const Header& header) {
  if (has_header_) return InvalidArgument("the header is already set");
  NMC_RETURN_IF_ERROR(as_argument_error(validate_header(header, limits_)));
  std::vector<uint8_t> payload;
  payload.reserve(kHeadFixedBytes + header.model_name.size());
  detail::encode_head_payload(header, payload);
  const uint64_t minimal_size = kMagic.size() + 2 * kChunkOverheadBytes + payload.size();
  if (limits_.max_chunks < 2 || minimal_size > limits_.max_stream_bytes || payload.size() > limits_.max_chunk_bytes)
    return LimitExceeded("a stream with this header (" + std::to_string(minimal_size) +
                         " bytes, HEAD and DONE chunks) does not fit the limits");
  bytes_.assign(kMagic.begin(), kMagic.end());
  NMC_RETURN_IF_ERROR(append_framed_chunk(kHeadChunk, payload, bytes_));
  chunk_count_ = 1;
  has_header_ = true;
  return Status::Ok();
}

Status Writer::append_chunk(ChunkType type, std::span<const uint8_t> payload) {
  if (!has_header_) return InvalidArgument("append_chunk before set_header");
  if (!type.is_valid()) return InvalidArgument("chunk type '" + type.to_string() + "' is not four ASCII letters");
  if (type == kHeadChunk || type == kDoneChunk)
    return InvalidArgument("chunk type '" + type.to_string() + "' is reserved for the container");
  if (payload.size() > limits_.max_chunk_bytes)
    return LimitExceeded("chunk '" + type.to_string() + "' payload of " + std::to_string(payload.size()) +
                         " bytes is over the limit of " + std::to_string(limits_.max_chunk_bytes));
  // Room is kept for the DONE chunk, so finish() cannot fail on a limit.
  if (chunk_count_ + 2 > limits_.max_chunks)
    return LimitExceeded("chunk '" + type.to_string() + "' would make " + std::to_string(chunk_count_ + 2) +
                         " chunks with DONE, over the limit of " + std::to_string(limits_.max_chunks));
  const uint64_t new_size = bytes_.size() + payload.size() + 2 * kChunkOverheadBytes;
  if (new_size > limits_.max_stream_bytes)
    return LimitExceeded("chunk '" + type.to_string() + "' would make the stream " + std::to_string(new_size) +
                         " bytes with DONE, over the limit of " + std::to_string(limits_.max_stream_bytes));
  NMC_RETURN_IF_ERROR(append_framed_chunk(type, payload, bytes_));
  ++chunk_count_;
  return Status::Ok();
}

Result<std::vector<uint8_t>> Writer::finish() {
  if (!has_header_) return InvalidArgument("finish before set_header");
  if (chunk_count_ + 1 > limits_.max_chunks || bytes_.size() + kChunkOverheadBytes > limits_.max_stream_bytes)
    return LimitExceeded("the DONE chunk would pass the chunk-count or stream-size limit");
  NMC_RETURN_IF_ERROR(append_framed_chunk(kDoneChunk, {}, bytes_));
  std::vector<uint8_t> out = std::move(bytes_);
  bytes_ = {};
  chunk_count_ = 0;
  has_header_ = false;
  return out;
}

}  // namespace nmc::container
