#pragma once
// GoogleTest fixtures for the system tier: the shared guest CTest booted for this run, or a fresh guest of
// the test's own. Both skip with the reason the tier recorded when no guest can be had here.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "tests/system/support/guest_vm.h"

namespace tests::system {

// Tests in tests/system/shared/: m_guest is the guest `system.vm.start` booted.
class SharedGuestTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto state = shared_state_dir();
        if (state.empty()) GTEST_SKIP() << "KVM_SYSTEM_STATE_ROOT is not set: run through ctest -L system";
        m_guest = GuestVm::attach(state);
        if (!m_guest) {
            const auto reason = unavailable_reason(state);
            if (reason.empty()) FAIL() << "no guest runs in " << state << " and no reason was recorded";
            GTEST_SKIP() << reason;
        }
    }
    std::optional<GuestVm> m_guest;
};

// Tests in tests/system/boot/: boot_guest() boots a guest for this test alone (state under the tier's root,
// named after the test), with the build tree shared; `adjust` changes the options first (CPU, disk size).
class FreshGuestTest : public ::testing::Test {
protected:
    // Empty when the tier cannot boot one here; m_skip_reason says why (the caller skips with it).
    std::optional<GuestVm> boot_guest(const std::function<void(BootOptions&)>& adjust = {}) {
        const auto root = state_root();
        if (root.empty()) {
            m_skip_reason = "KVM_SYSTEM_STATE_ROOT is not set: run through ctest -L system";
            return std::nullopt;
        }
        BootOptions options;
        options.image_dir = recorded_image_dir(root);
        if (options.image_dir.empty()) {
            m_skip_reason = unavailable_reason(root);
            if (m_skip_reason.empty()) ADD_FAILURE() << "no guest image recorded under " << root;
            return std::nullopt;
        }
        if (!tests::have_program("qemu-system-x86_64")) {
            m_skip_reason = "qemu-system-x86_64 is not installed";
            return std::nullopt;
        }
        options.state_dir = root / state_dir_name(::testing::UnitTest::GetInstance()->current_test_info()->name());
        options.build_dir = KVM_SYSTEM_BUILD_DIR;
        if (adjust) adjust(options);
        return GuestVm::boot(options);
    }
    std::string m_skip_reason;

private:
    // QEMU's sockets live in the state directory and a socket path has at most 107 bytes: a long test name is
    // cut to 32 characters and made unique again with a hash of the whole.
    static std::string state_dir_name(const std::string& test) {
        if (test.size() <= 32) return test;
        char hash[9];
        std::snprintf(hash, sizeof hash, "%08zx", std::hash<std::string>{}(test) & 0xffffffffu);
        return test.substr(0, 32) + "-" + hash;
    }
};

}  // namespace tests::system
