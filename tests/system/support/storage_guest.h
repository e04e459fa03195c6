#pragma once
// What the storage tests share, in the shared guest and in guests of their own: `kvm-agent apply --only storage`
// with a profile of one images entry, the storage section of its JSON report, and the disk read back with the
// admins' tools (the guest's /dev/disk/by-path, findmnt).
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/system/support/guest_doctor.h"

namespace tests::system {

inline constexpr const char* k_images_dir = "/var/lib/libvirt/images";

// One `kvm-agent apply --only storage --output json`: the process and its report.
struct StorageApplied {
    tests::ProcessResult process;
    nlohmann::json report;
    const nlohmann::json& storage() const { return report.at("sections").at("storage"); }
    std::vector<std::string> lines(const char* key) const {
        return storage().contains(key) ? storage().at(key).get<std::vector<std::string>>() : std::vector<std::string>{};
    }
};

inline bool any_line_starts_with(const std::vector<std::string>& lines, const std::string& prefix) {
    for (const auto& line : lines)
        if (line.rfind(prefix, 0) == 0) return true;
    return false;
}

inline bool any_line_contains(const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& line : lines)
        if (line.find(text) != std::string::npos) return true;
    return false;
}

// The report's lines, one per line, for a failed expectation's message.
inline std::string listed(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += "  " + line + "\n";
    return out;
}

// virtio-blk disks have no serial, so no /dev/disk/by-id: a profile names the disk by its PCI path, which
// differs between boots with other devices, so it is read from the guest.
inline std::string by_path_of(const GuestVm& guest, const std::string& disk) {
    const auto listing = guest.run({"ls", "-l", "/dev/disk/by-path"});
    std::istringstream lines(listing.out);
    for (std::string line; std::getline(lines, line);) {
        const auto arrow = line.find(" -> ");
        if (arrow == std::string::npos || line.substr(arrow + 4) != "../../" + disk) continue;
        const auto name_start = line.rfind(' ', arrow - 1) + 1;
        const std::string name = line.substr(name_start, arrow - name_start);
        if (name.rfind("pci-", 0) == 0) return "/dev/disk/by-path/" + name;
    }
    ADD_FAILURE() << "no /dev/disk/by-path link to " << disk << " in:\n" << listing.out;
    return "/dev/" + disk;
}

// The profile's storage section: the disk `device` made XFS if it is blank, mounted at `path`, a dir pool over it.
inline std::string images_profile(const std::string& device, const std::string& path = k_images_dir,
                                  const std::string& pool = "default") {
    return "storage:\n  images:\n    path: " + path + "\n    device: " + device +
           "\n    filesystem: xfs\n    format: if-blank\n    pool: " + pool + "\n    min-free: 1GiB\n";
}

inline StorageApplied apply_storage(const GuestVm& guest, const std::string& profile) {
    guest.write_file(k_guest_profile_path, profile);
    EXPECT_EQ(guest.run({"chmod", "600", k_guest_profile_path}).exit_code, 0);
    StorageApplied applied;
    applied.process = guest.run({k_guest_agent, "apply", "--profile", k_guest_profile_path, "--only", "storage",
                                 "--output", "json"},
                                std::chrono::seconds(600));
    try {
        applied.report = nlohmann::json::parse(applied.process.out);
    } catch (const nlohmann::json::exception&) {
        ADD_FAILURE() << "kvm-agent apply printed no JSON (exit " << applied.process.exit_code << "):\n"
                      << applied.process.out << applied.process.err;
        applied.report = {{"sections", {{"storage", nlohmann::json::object()}}}};
    }
    return applied;
}

inline std::string guest_out(const GuestVm& guest, const std::vector<std::string>& argv) {
    return guest.run(argv).out;
}

// findmnt's entry for the mount point `path`, or null when nothing is mounted there.
inline nlohmann::json findmnt_in(const GuestVm& guest, const std::string& path) {
    const auto result = guest.run({"findmnt", "-J", path});
    if (result.exit_code != 0) return nullptr;
    return nlohmann::json::parse(result.out).at("filesystems").at(0);
}

}  // namespace tests::system
