#pragma once
// Runs the host-built kvm-doctor inside a guest (from the shared build tree) and reads its JSON report.
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/doctor_runner.h"
#include "tests/system/support/guest_vm.h"

namespace tests::system {

// The build tree is shared read-only at /mnt/build; the binaries sit at its top (agent/CMakeLists.txt).
inline const std::string k_guest_doctor = "/mnt/build/kvm-doctor";
inline const std::string k_guest_agent = "/mnt/build/kvm-agent";
// The smoke guest as built (smoke_guest/CMakeLists.txt), for --smoke-guest: nothing is installed in the guest.
inline const std::string k_guest_smoke_guest = "/mnt/build/smoke_guest/smoke-guest";
// Where kvm-agent reads its profile by default.
inline constexpr const char* k_guest_profile_path = "/etc/kvm-agent/host.yaml";
// A command's output without its trailing newline and spaces.
inline std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

// kvm-doctor's arguments that run libvirt.guest-smoke alone, booting the build tree's smoke guest.
inline std::vector<std::string> smoke_check_args() {
    return {"--check", "libvirt.guest-smoke", "--smoke-guest", k_guest_smoke_guest};
}

// The guest runs under TCG unless the host offers vmx/svm: its libvirtd answers capabilities in seconds,
// not milliseconds, so live calls get the time a loaded host would need rather than the 2 s default.
inline const std::string k_guest_timeout = "30";

inline DoctorRun run_doctor_in(const GuestVm& guest, std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {k_guest_doctor, "--output", "json", "--timeout", k_guest_timeout};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    DoctorRun run;
    run.process = guest.run(argv);
    try {
        run.report = nlohmann::json::parse(run.process.out);
    } catch (const nlohmann::json::exception&) {
        throw std::runtime_error("kvm-doctor in the guest printed no JSON (exit " +
                                 std::to_string(run.process.exit_code) + "): " + run.process.err);
    }
    expect_doctor_schema(run);
    return run;
}

}  // namespace tests::system
