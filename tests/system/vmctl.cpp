// vmctl: the system tier's controller, for CTest and for engineers at a terminal.
//   vmctl image  ROOT                      find or build the cached guest image; record it under ROOT
//   vmctl start  STATE [options]           boot a guest that stays up for later commands
//   vmctl exec   STATE -- PROGRAM ARGS...  run a command in the guest; its output and exit code pass through
//   vmctl reboot STATE                     reboot the guest and wait for systemd again
//   vmctl stop   STATE                     power the guest off
//   vmctl diagnose STATE                   QEMU's view of the vCPUs, the guest's blocked tasks, the console
// start options: --image DIR (default: what `vmctl image` recorded in STATE's parent), --cpu good|no-virt,
//   --build DIR and --src DIR (shared read-only at /mnt/build and /mnt/src in the guest).
// Exit 77 means "cannot be had here" (no QEMU, no image and no way to build one); the reason is printed
// and recorded in STATE/unavailable so the tier's tests skip with it.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/system/support/guest_vm.h"

namespace {

namespace fs = std::filesystem;
using namespace tests::system;
using namespace std::chrono_literals;

constexpr int k_unavailable = 77;

int usage() {
    std::cerr << "usage: vmctl image ROOT | start STATE [--image DIR] [--cpu good|no-virt] [--build DIR] "
                 "[--src DIR] | exec STATE -- PROGRAM ARGS... | reboot STATE | stop STATE | diagnose STATE\n";
    return 2;
}

int unavailable(const fs::path& state_dir, const std::string& reason) {
    record_unavailable(state_dir, reason);
    std::cout << "system tier unavailable: " << reason << "\n";
    return k_unavailable;
}

int find_image(const fs::path& root) {
    fs::create_directories(root);
    fs::remove(root / "unavailable");
    fs::remove(root / "image-dir");
    // The builder's progress goes to our stderr; the image directory is its last stdout line.
    const auto result = tests::run_process({KVM_SYSTEM_IMAGE_SCRIPT}, 40min);
    std::cerr << result.err;
    if (result.exit_code == k_unavailable) return unavailable(root, result.err.empty() ? "no guest image" : result.err);
    if (result.exit_code != 0) {
        std::cerr << "building the guest image failed (exit " << result.exit_code << ")\n";
        return 1;
    }
    std::string dir = result.out;
    while (!dir.empty() && dir.back() == '\n') dir.pop_back();
    dir = dir.substr(dir.rfind('\n') == std::string::npos ? 0 : dir.rfind('\n') + 1);
    FILE* record = std::fopen((root / "image-dir").c_str(), "w");
    if (record == nullptr) return 1;
    std::fprintf(record, "%s\n", dir.c_str());
    std::fclose(record);
    std::cout << "guest image: " << dir << "\n";
    return 0;
}

int start(const fs::path& state_dir, const std::vector<std::string>& options) {
    BootOptions boot;
    boot.state_dir = state_dir;
    boot.image_dir = recorded_image_dir(state_dir.parent_path());
    for (std::size_t i = 0; i + 1 < options.size(); i += 2) {
        const auto& name = options[i];
        const auto& value = options[i + 1];
        if (name == "--image") boot.image_dir = value;
        else if (name == "--build") boot.build_dir = value;
        else if (name == "--src") boot.source_dir = value;
        else if (name == "--cpu" && (value == "good" || value == "no-virt"))
            boot.cpu = value == "good" ? GuestCpu::good_kvm_host : GuestCpu::no_virtualization;
        else return usage();
    }
    if (options.size() % 2 != 0) return usage();
    fs::remove(state_dir / "unavailable");
    if (!tests::have_program("qemu-system-x86_64")) return unavailable(state_dir, "qemu-system-x86_64 is not installed");
    if (boot.image_dir.empty()) {
        const auto reason = unavailable_reason(state_dir.parent_path());
        return unavailable(state_dir, reason.empty() ? "no guest image (run `vmctl image`)" : reason);
    }
    GuestVm guest = GuestVm::boot(boot);
    guest.keep_running();
    std::cout << "guest up (" << guest.accelerator() << "), state in " << state_dir.string() << "\n"
              << "console: socat -,raw,echo=0 UNIX-CONNECT:" << socket_path(state_dir, "console.sock").string() << "\n";
    return 0;
}

int with_guest(const fs::path& state_dir, int (*action)(const GuestVm&, const std::vector<std::string>&),
               const std::vector<std::string>& args) {
    auto guest = GuestVm::attach(state_dir);
    if (!guest) {
        const auto reason = unavailable_reason(state_dir);
        std::cerr << "no guest runs in " << state_dir.string() << (reason.empty() ? "" : ": " + reason) << "\n";
        return reason.empty() ? 1 : k_unavailable;
    }
    return action(*guest, args);
}

int exec_in(const GuestVm& guest, const std::vector<std::string>& argv) {
    if (argv.empty()) return usage();
    const auto result = guest.run(argv, 30min);
    std::cout << result.out;
    std::cerr << result.err;
    return result.exit_code < 0 ? 128 : result.exit_code;
}

int reboot(const GuestVm& guest, const std::vector<std::string>&) {
    guest.reboot();
    std::cout << "guest rebooted\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() < 2) return usage();
    const std::string command = args[0];
    const fs::path state_dir = fs::absolute(args[1]);
    std::vector<std::string> rest(args.begin() + 2, args.end());
    try {
        if (command == "image") return find_image(state_dir);
        if (command == "start") return start(state_dir, rest);
        if (command == "exec") {
            if (rest.empty() || rest[0] != "--") return usage();
            rest.erase(rest.begin());
            return with_guest(state_dir, exec_in, rest);
        }
        if (command == "reboot") return with_guest(state_dir, reboot, rest);
        if (command == "diagnose")
            return with_guest(state_dir, [](const GuestVm& guest, const std::vector<std::string>&) {
                std::cout << guest.diagnose();
                return 0;
            }, rest);
        if (command == "stop") {
            auto guest = GuestVm::attach(state_dir);
            if (guest) guest->power_off();
            return 0;
        }
    } catch (const std::exception& error) {
        std::cerr << "vmctl " << command << ": " << error.what() << "\n";
        return 1;
    }
    return usage();
}
