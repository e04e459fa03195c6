#pragma once
// The readiness report after `kvm-agent apply --only SECTION,...`: only the checks that judge what those sections
// change run again (so a network-only apply runs no KVM probe and loads no libvirt), and the published report
// keeps the previous apply's results for the others. `kvm-agent status --live` and a full apply run everything.
#include <string>
#include <string_view>
#include <vector>

#include "agent/doctor.h"
#include "checks/check_result.h"

namespace agent {

// The checks judging what `sections` change, in catalogue order, each once. Checks of no section (the CPU,
// memory, OS, IOMMU...) are never among them: no section changes what they see.
std::vector<std::string> checks_of_sections(const std::vector<std::string>& sections);

// The check results of a previous readiness.json. The file is ours but sits on disk between runs: an entry that
// is not an object with a catalogue id, a title, a known status, evidence, a fix and a duration is left out,
// and text that is not a JSON object gives none.
std::vector<checks::CheckResult> results_from_readiness(std::string_view json_text);

// `previous` with `fresh`'s results in place of those with the same id, in catalogue order, and the verdict of
// the whole.
DoctorReport merged_readiness(const DoctorReport& fresh, const std::vector<checks::CheckResult>& previous);

}  // namespace agent
