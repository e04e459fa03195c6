#include "common/stop_signal.h"

#include <signal.h>

#include <atomic>

namespace common {
namespace {

// Lock-free, so the handler may store into it.
std::atomic<int> g_received{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void record_stop(int signal) { g_received.store(signal, std::memory_order_relaxed); }

}  // namespace

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = record_stop;
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (const int signal : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(signal, &action, nullptr);
}

int stop_signal() { return g_received.load(std::memory_order_relaxed); }

std::optional<std::string> stop_reason() {
    const int signal = stop_signal();
    if (signal == 0) return std::nullopt;
    switch (signal) {
        case SIGTERM: return "interrupted by SIGTERM";
        case SIGINT: return "interrupted by SIGINT";
        case SIGHUP: return "interrupted by SIGHUP";
        default: return "interrupted by signal " + std::to_string(signal);
    }
}

void request_stop(int signal) { g_received.store(signal, std::memory_order_relaxed); }

void clear_stop() { g_received.store(0, std::memory_order_relaxed); }

}  // namespace common
