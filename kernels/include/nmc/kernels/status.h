// Status and Result: the error model inside nmc. No exception crosses a layer
// boundary that reaches the C ABI; functions that can fail on input return a
// [[nodiscard]] Status or Result<T>. Codes equal the public nmc_status values.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace nmc {

// Values are part of the C ABI (nmc_status) and are never renumbered.
enum class StatusCode : int32_t {
  kOk = 0,
  kAgain = 1,
  kEof = 2,
  kInvalidArgument = -1,
  kOutOfMemory = -2,
  kIo = -3,
  kInvalidData = -4,
  kUnsupported = -5,
  kLimitExceeded = -6,
  kBackendUnavailable = -7,
  kBufferTooSmall = -8,
  kNotFound = -9,
  kAborted = -10,
  kInternal = -11,
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code name: message"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status InvalidData(std::string m) { return {StatusCode::kInvalidData, std::move(m)}; }
inline Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIo, std::move(m)}; }
inline Status LimitExceeded(std::string m) { return {StatusCode::kLimitExceeded, std::move(m)}; }
inline Status OutOfMemory(std::string m) { return {StatusCode::kOutOfMemory, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Result<T>: a value or a non-ok Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  // A Result built from a status is an error; an ok status here is a
  // programmer error and becomes kInternal, so it can never pass as a value.
  Result(Status status)
      : v_(status.ok() ? Status(StatusCode::kInternal, "Result built from an ok status without a value")
                       : std::move(status)) {}
  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace nmc

#define NMC_CONCAT_INNER_(a, b) a##b
#define NMC_CONCAT_(a, b) NMC_CONCAT_INNER_(a, b)

#define NMC_RETURN_IF_ERROR(expr)             \
  do {                                        \
    ::nmc::Status nmc_status_tmp_ = (expr);   \
    if (!nmc_status_tmp_.ok()) return nmc_status_tmp_; \
  } while (0)

// NMC_ASSIGN_OR_RETURN(auto x, make_result()); declares x from a Result.
#define NMC_ASSIGN_OR_RETURN(decl, expr) \
  NMC_ASSIGN_OR_RETURN_IMPL_(NMC_CONCAT_(nmc_result_, __LINE__), decl, expr)
#define NMC_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  decl = std::move(tmp).value()
