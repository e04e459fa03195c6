#include "host/kvm/kvm_probe.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/unique_fd.h"

#pragma GCC diagnostic ignored "-Wold-style-cast"  // the KVM_* ioctl numbers are C macros with casts

namespace host::kvm {
namespace {

constexpr std::uint64_t k_guest_address = 0x1000;
constexpr unsigned char k_guest_code[] = {
    0xb0, 0x2a,  // mov al, 42
    0xf4,        // hlt
};

// What the child sends back: plain bytes over a pipe.
struct Report {
    int opened = 0;
    int api_version = -1;
    int ran_to_halt = 0;
    char failure[400] = {};
};

void set_failure(Report& report, const char* step, int err) {
    std::snprintf(report.failure, sizeof report.failure, "%s: %s", step, std::strerror(err));
}

Report probe_in_this_process(const char* device) {
    Report report;
    common::UniqueFd kvm(::open(device, O_RDWR | O_CLOEXEC));
    if (kvm.get() < 0) return set_failure(report, (std::string("cannot open ") + device).c_str(), errno), report;
    report.opened = 1;
    report.api_version = ::ioctl(kvm.get(), KVM_GET_API_VERSION, 0);
    if (report.api_version != KVM_API_VERSION) {
        std::snprintf(report.failure, sizeof report.failure, "KVM_GET_API_VERSION returned %d, expected %d",
                      report.api_version, KVM_API_VERSION);
        return report;
    }
    common::UniqueFd vm(::ioctl(kvm.get(), KVM_CREATE_VM, 0UL));
    if (vm.get() < 0) return set_failure(report, "KVM_CREATE_VM", errno), report;

    void* memory = ::mmap(nullptr, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return set_failure(report, "mmap guest memory", errno), report;
    std::memcpy(memory, k_guest_code, sizeof k_guest_code);
    kvm_userspace_memory_region region{};
    region.slot = 0;
    region.guest_phys_addr = k_guest_address;
    region.memory_size = 0x1000;
    region.userspace_addr = reinterpret_cast<std::uint64_t>(memory);
    if (::ioctl(vm.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return set_failure(report, "KVM_SET_USER_MEMORY_REGION", errno), report;

    common::UniqueFd vcpu(::ioctl(vm.get(), KVM_CREATE_VCPU, 0UL));
    if (vcpu.get() < 0) return set_failure(report, "KVM_CREATE_VCPU", errno), report;
    const int run_size = ::ioctl(kvm.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0) return set_failure(report, "KVM_GET_VCPU_MMAP_SIZE", errno), report;
    auto* run = static_cast<kvm_run*>(
        ::mmap(nullptr, static_cast<std::size_t>(run_size), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu.get(), 0));
    if (run == MAP_FAILED) return set_failure(report, "mmap kvm_run", errno), report;

    kvm_sregs sregs{};
    if (::ioctl(vcpu.get(), KVM_GET_SREGS, &sregs) < 0) return set_failure(report, "KVM_GET_SREGS", errno), report;
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (::ioctl(vcpu.get(), KVM_SET_SREGS, &sregs) < 0) return set_failure(report, "KVM_SET_SREGS", errno), report;
    kvm_regs regs{};
    regs.rip = k_guest_address;
    regs.rflags = 0x2;
    if (::ioctl(vcpu.get(), KVM_SET_REGS, &regs) < 0) return set_failure(report, "KVM_SET_REGS", errno), report;

    for (int exits = 0; exits < 16; ++exits) {
        if (::ioctl(vcpu.get(), KVM_RUN, 0) < 0) {
            if (errno == EINTR) continue;
            return set_failure(report, "KVM_RUN", errno), report;
        }
        if (run->exit_reason == KVM_EXIT_HLT) {
            // Proof that the guest really executed: its "mov al, 42" is visible in the registers.
            if (::ioctl(vcpu.get(), KVM_GET_REGS, &regs) < 0) return set_failure(report, "KVM_GET_REGS", errno), report;
            if ((regs.rax & 0xff) != 42) {
                std::snprintf(report.failure, sizeof report.failure,
                              "guest halted but AL = %llu, expected 42: the code did not run as written",
                              static_cast<unsigned long long>(regs.rax & 0xff));
                return report;
            }
            report.ran_to_halt = 1;
            return report;
        }
        if (run->exit_reason != KVM_EXIT_INTR) {
            std::snprintf(report.failure, sizeof report.failure,
                          "KVM_RUN exited with reason %u instead of HLT (hardware exit reason 0x%llx)",
                          run->exit_reason,
                          static_cast<unsigned long long>(run->exit_reason == KVM_EXIT_FAIL_ENTRY
                                                              ? run->fail_entry.hardware_entry_failure_reason
                                                              : 0));
            return report;
        }
    }
    std::snprintf(report.failure, sizeof report.failure, "no HLT exit after 16 KVM_RUN calls");
    return report;
}

}  // namespace

KvmProbe::KvmProbe(std::string device, std::chrono::milliseconds deadline)
    : m_device(std::move(device)), m_deadline(deadline) {}

checks::KvmProbeResult KvmProbe::run_probe() {
    checks::KvmProbeResult result;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        result.failure = std::string("pipe: ") + std::strerror(errno);
        return result;
    }
    const pid_t child = ::fork();
    if (child < 0) {
        result.failure = std::string("fork: ") + std::strerror(errno);
        ::close(fds[0]);
        ::close(fds[1]);
        return result;
    }
    if (child == 0) {
        ::close(fds[0]);
        const Report report = probe_in_this_process(m_device.c_str());
        const ssize_t written = ::write(fds[1], &report, sizeof report);
        ::_exit(written == static_cast<ssize_t>(sizeof report) ? 0 : 1);
    }
    ::close(fds[1]);
    Report report;
    pollfd waiting{fds[0], POLLIN, 0};
    const int ready = ::poll(&waiting, 1, static_cast<int>(m_deadline.count()));
    const bool answered = ready == 1 && ::read(fds[0], &report, sizeof report) == static_cast<ssize_t>(sizeof report);
    ::close(fds[0]);
    if (!answered) ::kill(child, SIGKILL);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (!answered) {
        result.opened = true;
        result.failure = "the probe guest did not reach HLT within " + std::to_string(m_deadline.count()) +
                         " ms (vCPU hung)";
        return result;
    }
    result.opened = report.opened != 0;
    result.api_version = report.api_version;
    result.ran_to_halt = report.ran_to_halt != 0;
    result.failure = report.failure;
    return result;
}

}  // namespace host::kvm
