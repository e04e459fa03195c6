#pragma once
// kvm-agent's journal entries: one MESSAGE_ID per kind of event, so that `journalctl MESSAGE_ID=...` finds every
// apply's start, steps, rollback and verdict on a host, with priorities that follow the event (err for a
// failed step and a FAIL check) and KVM_* fields to filter on. kvm-agent(8) documents them; the ids never change.
#include <string>
#include <string_view>
#include <vector>

#include "agent/doctor.h"
#include "agent/provision.h"
#include "host/journal/journal_writer.h"

namespace agent {

// SYSLOG_IDENTIFIER of every entry: `journalctl -t kvm-agent` shows them all, whichever program wrote them.
inline const std::string k_journal_identifier = "kvm-agent";

inline constexpr std::string_view k_message_apply_started = "8c2d97bc6b154de88a2966c988b30897";
inline constexpr std::string_view k_message_step_done = "382c5555a75f44798f534c15f9d47e42";
inline constexpr std::string_view k_message_step_failed = "c1d3a9d0f52649c5b6c77d07fda48ddf";
inline constexpr std::string_view k_message_rolled_back = "37f9ab308b6a4c74834ed3a941ed335f";
inline constexpr std::string_view k_message_verdict = "50571d89d6554bd1a37ee718cf6e0672";
inline constexpr std::string_view k_message_check = "272a412b4b0849a6b70de638cf2ad709";

// apply began converging the host: the profile and the sections it will run, in order.
host::journal::Entry apply_started_entry(const std::string& profile, const std::vector<std::string>& sections);
// A step (index of count, 1-based) ended: done, or failed with why.
host::journal::Entry step_entry(std::size_t index, std::size_t count, const SectionRun& section);
// The network change was taken back (`in_full`), or taking it back failed too and the host needs an admin.
host::journal::Entry rolled_back_entry(const std::string& section, bool in_full, const std::vector<std::string>& why);
// The readiness verdict after the run, with the number of checks in each status.
host::journal::Entry verdict_entry(const DoctorReport& report);
// One entry per check that did not PASS or SKIP.
std::vector<host::journal::Entry> check_entries(const DoctorReport& report);

}  // namespace agent
