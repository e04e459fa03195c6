#pragma once
// The catalogue of checks: stable ids (API: scripts and monitoring depend on them), titles, and the
// pure judge that turns HostFacts into an Outcome. Order here is the order of the report.
#include <string_view>
#include <vector>

#include "checks/check_result.h"
#include "checks/host_facts.h"

namespace checks {

using Judge = Outcome (*)(const HostFacts&);

struct CheckSpec {
    std::string_view id;
    std::string_view title;
    Judge judge;
};

const std::vector<CheckSpec>& catalogue();
const CheckSpec* find_check(std::string_view id);

// The defaults the checks use until a host profile says otherwise.
inline constexpr std::string_view k_default_images_dir = "/var/lib/libvirt/images";
inline constexpr std::uint64_t k_min_host_memory = 2ULL << 30;
inline constexpr std::uint64_t k_default_images_min_free = 20ULL << 30;

}  // namespace checks
