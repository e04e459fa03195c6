// apply_steps' order of work: a failed section stops the later ones, and so does a signal between sections; a
// section planned in sync is not applied again while nothing changed before it. plan_steps plans side by side.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
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

// A step with a given plan, which counts its applies and says whether it changed something.
class PlannedStep : public ProvisionStep {
public:
    PlannedStep(std::string section, std::vector<std::string> changes, bool always_applies = false)
        : m_section(std::move(section)), m_changes(std::move(changes)), m_always(always_applies) {}
    std::string_view section() const override { return m_section; }
    common::Result<StepPlan> plan() override { return StepPlan{m_changes, {"a note"}}; }
    StepOutcome apply() override {
        ++applied;
        return StepOutcome{m_changes, {}, {}, recovers, touches};
    }
    bool applies_when_planned_in_sync() const override { return m_always; }
    int applied = 0;
    bool recovers = false;
    bool touches = false;

private:
    std::string m_section;
    std::vector<std::string> m_changes;
    bool m_always;
};

TEST(ApplySteps, StepsPlannedInSyncAreNotAppliedAgainUntilAStepBeforeChangesSomething) {
    PlannedStep packages("packages", {}), kvm("kvm", {"load kvm"}), sysctl("sysctl", {});
    const std::vector<ProvisionStep*> steps{&packages, &kvm, &sysctl};
    const auto planned = plan_steps(steps);
    std::vector<std::string> progress;
    const auto run = apply_steps(
        steps, [&](std::size_t, std::size_t, std::string_view section, std::string_view doing) {
            progress.push_back(std::string(section) + ": " + std::string(doing));
        },
        {}, {}, &planned);
    EXPECT_EQ(packages.applied, 0);
    EXPECT_EQ(kvm.applied, 1);
    EXPECT_EQ(sysctl.applied, 1);  // kvm changed the host after sysctl's plan looked at it
    EXPECT_THAT(progress, ::testing::ElementsAre("packages: in sync (as planned)", "kvm: applying", "sysctl: applying"));
    ASSERT_EQ(run.sections.size(), 3u);
    EXPECT_TRUE(run.sections[0].outcome->changed.empty());
    EXPECT_THAT(run.sections[0].outcome->notes, ::testing::ElementsAre("a note"));
    EXPECT_FALSE(run.failed());
}

TEST(ApplySteps, AStepThatAsksIsAppliedInSyncAndItsRecoveryCountsAsAChange) {
    PlannedStep network("network", {}, true), firewall("firewall", {}), storage("storage", {});
    const std::vector<ProvisionStep*> steps{&network, &firewall, &storage};
    const auto planned = plan_steps(steps);
    apply_steps(steps, {}, {}, {}, &planned);
    EXPECT_EQ(network.applied, 1);
    EXPECT_EQ(firewall.applied, 0);
    EXPECT_EQ(storage.applied, 0);

    network.recovers = true;  // it rolled a killed run's change back first: the plans after it are stale
    apply_steps(steps, {}, {}, {}, &planned);
    EXPECT_EQ(network.applied, 2);
    EXPECT_EQ(firewall.applied, 1);
    EXPECT_EQ(storage.applied, 1);

    network.recovers = false;
    network.touches = true;  // NetworkManager activated a profile that was down: firewalld's zones may follow
    apply_steps(steps, {}, {}, {}, &planned);
    EXPECT_EQ(firewall.applied, 2);
    EXPECT_EQ(storage.applied, 2);
}

TEST(ApplySteps, WithoutAPlanEveryStepIsApplied) {
    PlannedStep packages("packages", {}), kvm("kvm", {});
    apply_steps({&packages, &kvm});
    EXPECT_EQ(packages.applied, 1);
    EXPECT_EQ(kvm.applied, 1);
}

// Each step's plan waits until every step has started planning: run one after the other, the first would wait
// alone and give up, after far longer than a planning takes.
class RendezvousStep : public ProvisionStep {
public:
    struct Meeting {
        std::mutex mutex;
        std::condition_variable arrived;
        std::size_t present = 0;
        std::size_t expected = 0;
    };
    RendezvousStep(std::string section, Meeting& meeting) : m_section(std::move(section)), m_meeting(meeting) {}
    std::string_view section() const override { return m_section; }
    common::Result<StepPlan> plan() override {
        std::unique_lock lock(m_meeting.mutex);
        ++m_meeting.present;
        m_meeting.arrived.notify_all();
        if (!m_meeting.arrived.wait_for(lock, std::chrono::seconds(60),
                                        [&] { return m_meeting.present == m_meeting.expected; }))
            return common::make_error(m_section + " planned alone");
        return StepPlan{{"change " + m_section}, {}};
    }
    StepOutcome apply() override { return {}; }

private:
    std::string m_section;
    Meeting& m_meeting;
};

TEST(PlanSteps, StepsPlanSideBySideAndTheRunKeepsTheirOrder) {
    RendezvousStep::Meeting meeting;
    meeting.expected = 3;
    RendezvousStep libvirt("libvirt", meeting), network("network", meeting), firewall("firewall", meeting);
    std::vector<std::string> announced;
    const auto run = plan_steps({&libvirt, &network, &firewall},
                                [&](std::size_t, std::size_t, std::string_view section, std::string_view) {
                                    announced.emplace_back(section);
                                });
    EXPECT_THAT(announced, ::testing::ElementsAre("libvirt", "network", "firewall"));
    ASSERT_EQ(run.sections.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(run.sections[i].section, announced[i]);
        EXPECT_EQ(run.sections[i].error, "");
        ASSERT_TRUE(run.sections[i].plan);
        EXPECT_THAT(run.sections[i].plan->changes, ::testing::ElementsAre("change " + announced[i]));
    }
}

// A step that read one firewalld zone (named as its section) and shares it, as the firewall step does.
class ReadingStep : public PlannedStep {
public:
    using PlannedStep::PlannedStep;
    void share_observed(checks::ObservedFacts& observed) const override {
        observed.firewall_zones.emplace(std::string(section()), checks::FirewallZoneFacts{std::string(section()), {}, {}});
    }
};

std::vector<std::string> zones_of(const checks::ObservedFacts& observed) {
    std::vector<std::string> names;
    for (const auto& [name, zone] : observed.firewall_zones) names.push_back(name);
    return names;
}

TEST(ObservedUnchangedSince, AfterARunThatChangedNothingEveryStepsReadHolds) {
    ReadingStep network("network", {}, true), firewall("firewall", {}), storage("storage", {});
    const std::vector<ProvisionStep*> steps{&network, &firewall, &storage};
    const auto planned = plan_steps(steps);
    const auto run = apply_steps(steps, {}, {}, {}, &planned);
    EXPECT_THAT(zones_of(observed_unchanged_since(steps, run)), ::testing::ElementsAre("firewall", "network", "storage"));
}

// A change made after a step's read makes it stale; the changing step's own read is its own to share.
TEST(ObservedUnchangedSince, ReadsBeforeTheLastChangeAreNotShared) {
    ReadingStep network("network", {}, true), firewall("firewall", {"put br0 in zone internal"}), storage("storage", {});
    const std::vector<ProvisionStep*> steps{&network, &firewall, &storage};
    const auto planned = plan_steps(steps);
    const auto run = apply_steps(steps, {}, {}, {}, &planned);
    EXPECT_THAT(zones_of(observed_unchanged_since(steps, run)), ::testing::ElementsAre("firewall", "storage"));

    ReadingStep recovering("network", {}, true);
    recovering.recovers = true;  // it put a killed run's change back first: the host changed
    const std::vector<ProvisionStep*> after_recovery{&recovering, &storage};
    const auto replanned = plan_steps(after_recovery);
    const auto recovered = apply_steps(after_recovery, {}, {}, {}, &replanned);
    EXPECT_THAT(zones_of(observed_unchanged_since(after_recovery, recovered)), ::testing::ElementsAre("network", "storage"));

    ReadingStep activating("network", {}, true);
    activating.touches = true;  // no file changed, but NetworkManager activated a profile that was down
    ReadingStep later_firewall("firewall", {});
    const std::vector<ProvisionStep*> activated{&activating, &later_firewall};
    const auto planned_again = plan_steps(activated);
    const auto touched = apply_steps(activated, {}, {}, {}, &planned_again);
    EXPECT_EQ(later_firewall.applied, 1);
    EXPECT_THAT(zones_of(observed_unchanged_since(activated, touched)), ::testing::ElementsAre("firewall", "network"));
}

// Steps not run after a failure read the host at plan time, before the failed step changed part of it.
TEST(ObservedUnchangedSince, StepsNotRunAfterAFailureShareNothing) {
    CountingStep packages("packages"), kvm("kvm", true);
    ReadingStep firewall("firewall", {});
    const std::vector<ProvisionStep*> steps{&packages, &kvm, &firewall};
    const auto run = apply_steps(steps);
    ASSERT_EQ(run.not_run, std::vector<std::string>{"firewall"});
    EXPECT_TRUE(observed_unchanged_since(steps, run).firewall_zones.empty());
}

}  // namespace
}  // namespace agent
