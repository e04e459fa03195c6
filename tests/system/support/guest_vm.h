#pragma once
// The system tier's test machine: a Debian 12 guest under QEMU with real systemd, D-Bus, libvirtd,
// firewalld and NetworkManager. Commands run through the guest's qemu-guest-agent (stdout, stderr, exit
// code); the host's build and source trees are shared read-only at /mnt/build and /mnt/src.
// Every boot writes to a throwaway overlay, so tests never dirty the cached image.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"

namespace tests::system {

// What the guest's CPU offers: a "good KVM host" shows svm (or the host's own vmx/svm under KVM) and
// loads kvm_amd/kvm_intel; "no virtualization" hides the extensions.
enum class GuestCpu { good_kvm_host, no_virtualization };

struct BootOptions {
    std::filesystem::path image_dir;  // base.qcow2, vmlinuz, initrd.img (tests/system/image/ensure-image.sh)
    std::filesystem::path state_dir;  // overlay, sockets, console log of this boot
    GuestCpu cpu = GuestCpu::good_kvm_host;
    std::filesystem::path build_dir;   // shared as 9p tag "build" (empty: not shared)
    std::filesystem::path source_dir;  // shared as 9p tag "src"
    int memory_mib = 4096;  // above the doctor's 2 GiB host minimum
    // 0: two under KVM, one under TCG. Emulated two-vCPU guests using their KVM (nested SVM) hung about once
    // per full run with both vCPUs spinning in the kernel with interrupts off (docs/testing.md).
    int cpus = 0;
    std::string data_disk_size = "4G";  // blank /dev/vdb for the storage tests
    std::string extra_append;  // more kernel command line ("security=selinux selinux=1")
    std::chrono::seconds boot_timeout{600};
};

// A guest command's exit code (-1: killed by a signal), stdout and stderr, as for a host process.
using GuestResult = tests::ProcessResult;

class GuestVm {
public:
    // Boots a new guest and waits until systemd reports running (or degraded). Throws with the
    // console's last lines when it does not come up in time.
    static GuestVm boot(const BootOptions& options);
    // A guest booted earlier (by `vmctl start`) whose state lives in `state_dir`; nullopt when none runs.
    static std::optional<GuestVm> attach(const std::filesystem::path& state_dir);

    GuestVm(GuestVm&&) noexcept;
    GuestVm& operator=(GuestVm&&) noexcept;
    GuestVm(const GuestVm&) = delete;
    GuestVm& operator=(const GuestVm&) = delete;
    ~GuestVm();  // powers off a guest this object booted; an attached guest keeps running

    GuestResult run(const std::vector<std::string>& argv,
                    std::chrono::seconds timeout = std::chrono::seconds(300)) const;
    void write_file(const std::string& guest_path, const std::string& content) const;
    std::string read_file(const std::string& guest_path) const;

    // Reboots the guest (same disks) and waits for systemd again; the boot id changes.
    void reboot(std::chrono::seconds timeout = std::chrono::seconds(600)) const;
    void power_off();
    // Leaves the guest running when this object goes away (`vmctl start` hands it to later commands).
    void keep_running() { m_owned = false; }

    std::string boot_id() const;
    // What can be learnt of a guest that stopped answering: whether QEMU runs, its vCPUs' state from QEMU's
    // monitor, and the console after asking the guest kernel (through the console's shell) for its blocked
    // tasks and CPU backtraces. Takes a few seconds.
    std::string diagnose() const;
    const std::filesystem::path& state_dir() const { return m_state_dir; }
    // "kvm" or "tcg", and the -cpu model this guest runs with.
    std::string accelerator() const;

private:
    GuestVm(std::filesystem::path state_dir, bool owned);
    void wait_until_running(std::chrono::steady_clock::time_point deadline) const;
    // One guest agent request; a failure carries the console's last lines.
    nlohmann::json agent(const std::string& command, const nlohmann::json& arguments) const;

    std::filesystem::path m_state_dir;
    bool m_owned = false;
};

// Where the CTest wiring keeps the tier's state (KVM_SYSTEM_STATE_ROOT; empty outside ctest), the shared
// guest's state under it, and why a guest is missing when the tier could not boot one (the reason the
// setup step wrote).
std::filesystem::path state_root();
std::filesystem::path shared_state_dir();
std::string unavailable_reason(const std::filesystem::path& state_dir);
void record_unavailable(const std::filesystem::path& state_dir, const std::string& reason);
// Where QEMU's socket `name` ("qga.sock") of the guest in `state_dir` lies: in the state directory, or, when
// that path would not fit a UNIX socket address (108 bytes, a build tree deep in a home directory), in a short
// directory of its own under /tmp named after the state directory, so every program finds the same one.
std::filesystem::path socket_path(const std::filesystem::path& state_dir, const std::string& name);

// The cached image directory that `vmctl image` recorded under `state_root`, or empty.
std::filesystem::path recorded_image_dir(const std::filesystem::path& state_root);

}  // namespace tests::system
