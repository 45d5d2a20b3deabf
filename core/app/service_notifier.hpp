#pragma once

#include <cstdint>
#include <string>

namespace proxy::app {

// Tells the service manager what the proxy is doing: systemd's Type=notify protocol,
// through sd_notify(3) on the socket NOTIFY_SOCKET names. Without NOTIFY_SOCKET (run by
// hand, by a test, by another supervisor) every call does nothing. A failed send is
// logged as a warning and never stops the proxy.
//
// @par Thread Safety
// Every function may be called from any thread: each sends one datagram.

// Once the listener accepts: systemd then counts the unit as started.
void notify_ready();

// When shutdown begins (the first SIGTERM/SIGINT), before the listener closes.
void notify_stopping();

// A reload (SIGHUP, `systemctl reload`), in this order:
//   notify_reloading();   // before the files are read again
//   ...load, validate, swap generations, or keep the old one on failure...
//   notify_ready();       // once serving again, whether the reload took or not, unless
//                         // shutdown began meanwhile (STOPPING=1 was the last word)
void notify_reloading();

// The messages, exactly as sent (sd_notify(3) and the notify-reload protocol of
// systemd.service(5): MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds when the reload
// began, so systemd can tell this reload from an earlier one).
inline constexpr const char* ready_message = "READY=1";
inline constexpr const char* stopping_message = "STOPPING=1";
std::string reloading_message(std::uint64_t monotonic_usec);

// CLOCK_MONOTONIC now, in microseconds.
std::uint64_t monotonic_usec();

}  // namespace proxy::app
