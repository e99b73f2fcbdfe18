#pragma once

// Error is what went wrong, said for a person, with a code a program can act on.
// Result<T> is the return type of everything that can fail: a value or an Error.

#include <exception>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace virtplan::providers {

enum class ErrorCode {
  other,
  invalid,    // bad input: a stack, an argument, a document libvirt refused
  not_found,  // the object or file is not there (when that is an error)
  already_exists,
  timeout,
  unreachable,  // no route, DNS failure, connection refused
  host_key_unknown,
  host_key_changed,
  auth_failed,
  transport,  // the channel to the host broke mid-command
  stale,      // a saved plan no longer matches the host
  locked,     // another virtplan command (apply, import...) holds the stack's lock
};

class Error {
public:
  Error(ErrorCode code, std::string message) : m_code(code), m_message(std::move(message)) {}
  explicit Error(std::string message) : Error(ErrorCode::other, std::move(message)) {}

  ErrorCode code() const { return m_code; }
  const std::string& message() const { return m_message; }

  // Prefixes the message with where it happened: "lab1: " + "connection refused".
  Error with_context(const std::string& context) const& { return Error(m_code, context + ": " + m_message); }
  Error with_context(const std::string& context) && {
    m_message = context + ": " + m_message;
    return std::move(*this);
  }

private:
  ErrorCode m_code;
  std::string m_message;
};

template <typename T>
using Result = std::expected<T, Error>;

// The error side of a Result, for `return fail(...)`.
inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}
inline std::unexpected<Error> fail(Error error) { return std::unexpected<Error>(std::move(error)); }

// What `read()` returns, or, when it throws (a spec's from_json() meeting a
// missing key or a value of the wrong JSON type), an `invalid` error:
// "WHAT: " and the exception's message ("pool spec: ...").
template <class Read>
auto read_or_invalid(std::string_view what, Read read) -> Result<decltype(read())> {
  try {
    return read();
  } catch (const std::exception& e) {
    return fail(ErrorCode::invalid, std::string(what) + ": " + e.what());
  }
}

}  // namespace virtplan::providers
