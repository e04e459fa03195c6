#include "agent/readiness_scope.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "checks/catalogue.h"

namespace agent {

namespace {

struct SectionChecks {
    std::string_view section;
    std::vector<std::string_view> checks;
};

// What each section changes, and the checks that look at it.
const std::array<SectionChecks, 7>& section_checks() {
    static const std::array<SectionChecks, 7> table{{
        {"packages", {"libvirt.daemon", "libvirt.connection"}},
        {"kvm",
         {"kernel.kvm-modules", "dev.kvm.exists", "dev.kvm.access", "dev.vhost-net", "dev.net-tun", "kvm.functional",
          "kvm.nested"}},
        {"libvirt",
         {"libvirt.daemon", "libvirt.connection", "libvirt.default-network", "libvirt.autostart-disks",
          "libvirt.domain-acpi", "qemu.vnc-listen"}},
        {"sysctl", {"net.ip-forward", "net.br-netfilter"}},
        {"network", {"net.bridge", "net.bond", "net.persistent"}},
        {"firewall", {"firewall.running", "firewall.zones", "net.br-netfilter"}},
        {"storage",
         {"storage.images-space", "storage.mount-persistent", "storage.selinux-context", "libvirt.storage-pool"}},
    }};
    return table;
}

// Where `id` stands in the catalogue (an id it lacks sorts last; results_from_readiness keeps none).
std::size_t catalogue_position(std::string_view id) {
    const auto* spec = checks::find_check(id);
    return spec ? static_cast<std::size_t>(spec - checks::catalogue().data()) : checks::catalogue().size();
}

}  // namespace

std::vector<std::string> checks_of_sections(const std::vector<std::string>& sections) {
    std::set<std::string_view> wanted;
    for (const auto& entry : section_checks())
        if (std::find(sections.begin(), sections.end(), entry.section) != sections.end())
            wanted.insert(entry.checks.begin(), entry.checks.end());
    std::vector<std::string> ids;
    for (const auto& spec : checks::catalogue())
        if (wanted.count(spec.id)) ids.emplace_back(spec.id);
    return ids;
}

std::vector<checks::CheckResult> results_from_readiness(std::string_view json_text) {
    std::vector<checks::CheckResult> results;
    const auto document = nlohmann::json::parse(json_text, nullptr, false);
    if (!document.is_object() || !document.contains("checks") || !document["checks"].is_array()) return results;
    std::set<std::string> seen;
    for (const auto& entry : document["checks"]) {
        if (!entry.is_object()) continue;
        const auto text = [&](const char* key) -> const std::string* {
            const auto it = entry.find(key);
            return it != entry.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
        };
        const auto* id = text("id");
        const auto* title = text("title");
        const auto* status_text = text("status");
        const auto* evidence = text("evidence");
        const auto* fix = text("fix");
        const auto duration = entry.find("duration_ms");
        if (!id || !title || !status_text || !evidence || !fix || duration == entry.end() ||
            !duration->is_number_integer() || duration->get<long long>() < 0)
            continue;
        const auto status = checks::status_from_string(*status_text);
        if (!status || !checks::find_check(*id) || !seen.insert(*id).second) continue;
        results.push_back({*id, *title, *status, *evidence, *fix, std::chrono::milliseconds(duration->get<long long>())});
    }
    return results;
}

DoctorReport merged_readiness(const DoctorReport& fresh, const std::vector<checks::CheckResult>& previous) {
    std::map<std::size_t, checks::CheckResult> by_position;
    for (const auto& result : previous) by_position[catalogue_position(result.id)] = result;
    for (const auto& result : fresh.results) by_position[catalogue_position(result.id)] = result;
    DoctorReport merged;
    for (auto& [position, result] : by_position) merged.results.push_back(std::move(result));
    merged.verdict = checks::verdict_of(merged.results);
    return merged;
}

}  // namespace agent
