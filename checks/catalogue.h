#pragma once
// The catalogue of checks: stable ids (API: scripts and monitoring depend on them), titles, and the
// pure judge that turns HostFacts into an Outcome. Order here is the order of the report.
#include <string>
#include <string_view>
#include <vector>

#include "checks/check_result.h"
#include "checks/expectations.h"
#include "checks/host_facts.h"

namespace checks {

using Judge = Outcome (*)(const HostFacts&);
// A check that judges against the host profile too; `expectations` is null when the run has no profile.
using ProfileJudge = Outcome (*)(const HostFacts&, const Expectations* expectations);

// Exactly one of `judge` and `profile_judge` is set. An opt-in check changes the host while it runs (it boots a
// guest): a run without check ids leaves it out; naming it (or kvm-doctor --smoke) runs it.
struct CheckSpec {
    std::string_view id;
    std::string_view title;
    Judge judge = nullptr;
    ProfileJudge profile_judge = nullptr;
    bool opt_in = false;
    // Its fact waits on a daemon or a probe guest (systemd, libvirtd, firewalld, the KVM probe): run_doctor starts
    // it first, so the waiting overlaps the checks that only read files.
    bool waits = false;

    Outcome run(const HostFacts& facts, const Expectations* expectations) const {
        return profile_judge ? profile_judge(facts, expectations) : judge(facts);
    }
};

const std::vector<CheckSpec>& catalogue();
const CheckSpec* find_check(std::string_view id);
// What a run without check ids runs: every check but the opt-in ones, in catalogue order.
std::vector<std::string> default_check_ids();

inline constexpr std::string_view k_guest_smoke_check = "libvirt.guest-smoke";

// The defaults the checks use until a host profile says otherwise.
inline constexpr std::string_view k_default_images_dir = "/var/lib/libvirt/images";
inline constexpr std::uint64_t k_min_host_memory = 2ULL << 30;
inline constexpr std::uint64_t k_default_images_min_free = 20ULL << 30;

}  // namespace checks
