// apply_steps' order of work: a failed section stops the later ones, and so does a signal between sections.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "agent/provision.h"

namespace agent {
namespace {

class CountingStep : public ProvisionStep {
public:
    CountingStep(std::string section, bool fails = false, std::function<void()> during = {})
        : m_section(std::move(section)), m_fails(fails), m_during(std::move(during)) {}
    std::string_view section() const override { return m_section; }
    common::Result<StepPlan> plan() override { return StepPlan{}; }
    StepOutcome apply() override {
        ++applied;
        if (m_during) m_during();
        StepOutcome outcome;
        if (m_fails) outcome.failures.push_back("it broke");
        else outcome.changed.push_back("changed " + m_section);
        return outcome;
    }
    int applied = 0;

private:
    std::string m_section;
    bool m_fails;
    std::function<void()> m_during;
};

TEST(ApplySteps, AFailedSectionLeavesTheLaterOnesNotRun) {
    CountingStep packages("packages"), kvm("kvm", true), libvirt("libvirt");
    const auto run = apply_steps({&packages, &kvm, &libvirt});
    EXPECT_TRUE(run.failed());
    EXPECT_EQ(libvirt.applied, 0);
    EXPECT_EQ(run.not_run, std::vector<std::string>{"libvirt"});
    EXPECT_TRUE(run.interrupted.empty());
}

// The signal arrives while kvm applies: kvm finishes, libvirt and storage never start, and the run failed.
TEST(ApplySteps, ASignalDuringASectionLetsItFinishAndStartsNoOther) {
    std::optional<std::string> signal;
    CountingStep packages("packages"), kvm("kvm", false, [&] { signal = "interrupted by SIGTERM"; }),
        libvirt("libvirt"), storage("storage");
    const auto run = apply_steps({&packages, &kvm, &libvirt, &storage}, {}, [&] { return signal; });
    EXPECT_EQ(kvm.applied, 1);
    EXPECT_EQ(libvirt.applied, 0);
    EXPECT_EQ(storage.applied, 0);
    ASSERT_EQ(run.sections.size(), 2u);
    EXPECT_TRUE(run.sections[1].outcome->ok());
    EXPECT_EQ(run.not_run, (std::vector<std::string>{"libvirt", "storage"}));
    EXPECT_EQ(run.interrupted, "interrupted by SIGTERM");
    EXPECT_TRUE(run.failed());
}

// After the last section nothing is left to stop: the run is whole.
TEST(ApplySteps, ASignalAfterTheLastSectionChangesNothing) {
    std::optional<std::string> signal;
    CountingStep packages("packages"), kvm("kvm", false, [&] { signal = "interrupted by SIGINT"; });
    const auto run = apply_steps({&packages, &kvm}, {}, [&] { return signal; });
    EXPECT_FALSE(run.failed());
    EXPECT_TRUE(run.not_run.empty());
}

}  // namespace
}  // namespace agent
