#pragma once
// SIGTERM (systemd stopping the unit, or its start timeout), SIGINT (Ctrl-C) and SIGHUP (the SSH session gone)
// during an apply must not leave a half-made change: the handler only records the signal, and the run finishes
// the call in flight, starts no further step, rolls back the section it was applying (as a failed verification
// would), publishes its report and exits. Waits and probes look at it so the run stops within a fraction of a
// second. A rollback never looks at it: once begun, it runs to the end.
#include <optional>
#include <string>

namespace common {

// Installs the recording handler for SIGTERM, SIGINT and SIGHUP, with SA_RESTART: a netlink or D-Bus call in
// flight is restarted and completes.
void install_stop_handlers();

// The signal received since, or 0.
int stop_signal();

// "interrupted by SIGTERM" when a signal was received; nullopt otherwise.
std::optional<std::string> stop_reason();

// As the handler does; and forgetting it again (tests).
void request_stop(int signal);
void clear_stop();

}  // namespace common
