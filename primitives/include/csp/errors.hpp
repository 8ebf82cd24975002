// csp/errors.hpp — outcomes and errors shared by every primitive.
//
// Expected outcomes are values: `status` from the try_ operations, std::optional from recv.
// Misuse that Go answers with a panic throws one of the exceptions below, and leaves the object
// exactly as it was before the call.
#pragma once

#include <stdexcept>
#include <string>

namespace csp {

// Result of a non-blocking or timed channel operation.
enum class status {
  ok,       // the value was sent or received
  closed,   // the channel is closed (and, for a receive, drained)
  full,     // try_send: no buffer space and no receiver waiting
  empty,    // try_recv: nothing buffered and no sender waiting
  timeout,  // a timed operation's deadline passed first
};

constexpr const char* to_string(status s) noexcept {
  switch (s) {
    case status::ok: return "ok";
    case status::closed: return "closed";
    case status::full: return "full";
    case status::empty: return "empty";
    case status::timeout: return "timeout";
  }
  return "?";
}

// Send on a closed channel, or close of a closed channel (Go panics in both cases).
struct closed_channel_error : std::logic_error {
  using std::logic_error::logic_error;
};

// A wait_group counter that would become negative or overflow; the counter is left unchanged.
struct wait_group_error : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace csp
