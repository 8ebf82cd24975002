// Default options of the sanitizer lanes, linked into every binary they build, so a test fails
// on the first report wherever and however it is run (ctest, by hand, under make check).
//
//   TSan: halt_on_error, and second_deadlock_stack so a lock-order inversion shows both stacks.
//   ASan: detect_leaks (LeakSanitizer at exit), strict init order.
//   UBSan: a stack trace, and halt (the lane also compiles with -fno-sanitize-recover).
// An environment variable (TSAN_OPTIONS, ...) still overrides any of them.
extern "C" {
const char* __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1";
}
const char* __asan_default_options() {
  return "detect_leaks=1:strict_init_order=1";
}
const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}
}
