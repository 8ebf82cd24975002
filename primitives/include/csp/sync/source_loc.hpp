// csp/sync/source_loc.hpp — the caller's file and line, captured without macros.
//
// Every operation of a checking backend (the Relacy adapter in models/) takes a defaulted
// `source_loc` parameter, so a failing model names the library's own file:line — the line that
// called `load`, `lock` or `wait` — and library code never spells Relacy's `$` macro.
//
// std::source_location would do, but clang 14 with libstdc++ 12 does not provide it; the
// compiler builtins it is made of exist on g++ 12 and clang 14 alike.
#pragma once

namespace csp::sync {

struct source_loc {
  const char* file = "";
  const char* function = "";
  unsigned line = 0;

  // Evaluated at the call site when used as a default argument.
  static constexpr source_loc current(const char* f = __builtin_FILE(),
                                      unsigned l = __builtin_LINE(),
                                      const char* fn = __builtin_FUNCTION()) noexcept {
    return source_loc{f, fn, l};
  }
};

}  // namespace csp::sync
