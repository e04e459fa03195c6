#pragma once
// kvm-agent's provisioning commands: plan, apply and commit. Options in, report out, exit code back.
//   plan:   0 in sync, 2 changes pending, 3 bad profile or option, 1 the host cannot be observed
//   apply:  0 converged, 1 failed (and rolled back), 3 bad input (nothing touched)
//   commit: 0 committed, 1 nothing to commit or too late
//   validate: 0 the profile is valid, 3 it is not (or a bad option); the host is never looked at
#include <iosfwd>
#include <string>

namespace agent {

inline constexpr int k_exit_in_sync = 0;
inline constexpr int k_exit_failed = 1;
inline constexpr int k_exit_changes_pending = 2;
inline constexpr int k_exit_bad_input = 3;
// apply: a change failed and taking the host back failed too; what is left is printed (the host needs an admin).
inline constexpr int k_exit_rollback_failed = 4;

// argv[0] is the command name ("plan", "apply", "commit").
int run_validate_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
int run_plan_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
int run_apply_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
int run_commit_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
// `kvm-agent status` (and `report`): the last apply's readiness report, or with --live the checks now.
int run_status_cli(const std::string& program, int argc, const char* const* argv, std::ostream& out,
                   std::ostream& err);
int run_rollback_unconfirmed_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace agent
