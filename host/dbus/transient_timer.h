#pragma once
// A one-shot timer handed to systemd (StartTransientUnit, as systemd-run --on-active does): PID 1 runs the
// command once the time has passed, whatever happens to the process that asked. The confirmation window uses
// it so that a killed watcher still has its window taken back.
#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace host::dbus {

struct TransientTimer {
    std::string name;  // "kvm-agent-confirm-1234"; the units are NAME.timer and NAME.service
    std::string description;
    std::chrono::seconds after{0};   // from now, on the monotonic clock
    std::vector<std::string> argv;   // the service's command; argv[0] an absolute path
};

// Starts NAME.timer; an error when systemd is not on the bus or refuses (a unit of that name exists).
common::Result<std::monostate> start_transient_timer(const TransientTimer& timer, std::chrono::milliseconds call_timeout);

}  // namespace host::dbus
