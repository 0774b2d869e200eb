#include "nmc/kernels/status.h"

namespace nmc {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kAgain: return "again";
    case StatusCode::kEof: return "end of stream";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kOutOfMemory: return "out of memory";
    case StatusCode::kIo: return "I/O error";
    case StatusCode::kInvalidData: return "invalid data";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kLimitExceeded: return "limit exceeded";
    case StatusCode::kBackendUnavailable: return "backend unavailable";
    case StatusCode::kBufferTooSmall: return "buffer too small";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kAborted: return "aborted";
    case StatusCode::kInternal: return "internal error";
  }
  return "unknown status";
}

std::string Status::to_string() const {
  if (message_.empty()) return status_code_name(code_);
  return std::string(status_code_name(code_)) + ": " + message_;
}

}  // namespace nmc
