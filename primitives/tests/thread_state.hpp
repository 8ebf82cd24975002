// Whether another thread of this process is asleep in the kernel, from /proc (Linux): for tests
// whose claim holds once a thread has blocked, such as "a try operation finds a waiting
// partner", which no handshake can signal (the thread is inside the call being tested).
#pragma once

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace csp_test {

// The calling thread's id, as /proc/self/task names it.
inline pid_t this_thread_tid() {
  return static_cast<pid_t>(syscall(SYS_gettid));
}

// Whether thread `tid` of this process is asleep: state S in its /proc stat line (the field
// after the command name, which is in parentheses).
inline bool asleep(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto name_end = line.rfind(')');
  return name_end != std::string::npos && name_end + 2 < line.size() && line[name_end + 2] == 'S';
}

// Waits until thread `tid` has stayed asleep for 5 ms on end (a blocked operation that parked,
// not a passing wait inside a sanitizer's runtime); false if that has not happened by `limit`.
inline bool settles_asleep(pid_t tid, std::chrono::steady_clock::duration limit) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + limit;
  auto since = clock::time_point::max();  // asleep at every look since then
  for (auto now = clock::now(); now < deadline; now = clock::now()) {
    if (!asleep(tid)) {
      since = clock::time_point::max();
    } else if (since == clock::time_point::max()) {
      since = now;
    } else if (now - since > std::chrono::milliseconds(5)) {
      return true;
    }
    std::this_thread::yield();
  }
  return false;
}

}  // namespace csp_test
