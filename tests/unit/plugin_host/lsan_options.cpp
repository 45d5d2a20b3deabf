// LeakSanitizer scans each thread's dynamic TLS at exit, and with this glibc it trips
// over the stale TLS blocks of plugin libraries the tests have dlclose'd (the scan
// itself crashes). Not scanning TLS can only report more leaks, never hide one.
extern "C" const char* __lsan_default_options() {
  return "use_tls=0";
}
