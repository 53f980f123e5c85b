// Result<T>: the error contract at every module boundary (an error code plus a message that
// names the object and the cause). Exceptions stay inside parsers and are caught at handlers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace gantry {

enum class ErrorCode {
  kInvalidArgument,     // caller's input is wrong (HTTP 400)
  kNotFound,            // named object does not exist (404)
  kAlreadyExists,       // create of an existing object (409)
  kConflict,            // revision mismatch / concurrent update (409)
  kFailedPrecondition,  // object is in the wrong state for this call (409)
  kResourceExhausted,   // no room: capacity, IPs, ports (429/409)
  kUnauthenticated,     // bad or missing credentials (401/403)
  kUnavailable,         // transient, retry later (503)
  kInternal,            // our bug or an unexpected OS failure (500)
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <typename... Args>
Error MakeError(ErrorCode code, fmt::format_string<Args...> f, Args&&... args) {
  return Error{code, fmt::format(f, std::forward<Args>(args)...)};
}

// Errno-carrying internal error: "<what>: <strerror(err)>".
Error ErrnoError(std::string_view what, int err);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace gantry

// Propagate an error from an expression returning Result<...>.
#define GANTRY_TRY(expr)                                     \
  do {                                                       \
    auto&& gantry_try_r_ = (expr);                           \
    if (!gantry_try_r_.ok()) return std::move(gantry_try_r_).error(); \
  } while (0)

#define GANTRY_CONCAT_INNER(a, b) a##b
#define GANTRY_CONCAT(a, b) GANTRY_CONCAT_INNER(a, b)
// Assign the value of a Result expression or return its error.
#define GANTRY_ASSIGN_OR_RETURN(lhs, expr)                                   \
  auto GANTRY_CONCAT(gantry_r_, __LINE__) = (expr);                          \
  if (!GANTRY_CONCAT(gantry_r_, __LINE__).ok())                              \
    return std::move(GANTRY_CONCAT(gantry_r_, __LINE__)).error();            \
  lhs = std::move(GANTRY_CONCAT(gantry_r_, __LINE__)).value()
