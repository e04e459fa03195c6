#include "agent/provision.h"

namespace agent {

namespace {

using Clock = std::chrono::steady_clock;

bool input_error_of(ProvisionStep* step) {
    const auto* aware = dynamic_cast<const InputAware*>(step);
    return aware && aware->failed_on_input();
}

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

bool ProvisionRun::failed() const {
    if (!interrupted.empty()) return true;
    for (const auto& section : sections)
        if (section.failed()) return true;
    return false;
}

bool ProvisionRun::input_error() const {
    for (const auto& section : sections)
        if (section.input_error) return true;
    return false;
}

bool ProvisionRun::in_sync() const {
    for (const auto& section : sections) {
        if (section.plan && !section.plan->empty()) return false;
        if (section.outcome && !section.outcome->changed.empty()) return false;
    }
    return true;
}

ProvisionRun plan_steps(const std::vector<ProvisionStep*>& steps, const Progress& progress) {
    ProvisionRun run;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        SectionRun section{std::string(steps[i]->section()), {}, {}, {}, false, {}};
        if (progress) progress(i + 1, steps.size(), section.section, "observing");
        const auto start = Clock::now();
        auto plan = steps[i]->plan();
        section.elapsed = since(start);
        if (plan) {
            section.plan = std::move(plan).value();
        } else {
            section.error = plan.error().message;
            section.input_error = input_error_of(steps[i]);
        }
        run.sections.push_back(std::move(section));
    }
    return run;
}

ProvisionRun apply_steps(const std::vector<ProvisionStep*>& steps, const Progress& progress,
                         const std::function<std::optional<std::string>()>& interrupted, const StepFinished& finished) {
    ProvisionRun run;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (interrupted && run.interrupted.empty())
            if (auto why = interrupted()) run.interrupted = *why;
        if (run.failed()) {
            run.not_run.emplace_back(steps[i]->section());
            continue;
        }
        SectionRun section{std::string(steps[i]->section()), {}, {}, {}, false, {}};
        if (progress) progress(i + 1, steps.size(), section.section, "applying");
        const auto start = Clock::now();
        section.outcome = steps[i]->apply();
        section.elapsed = since(start);
        section.input_error = section.outcome->failures.empty() ? false : input_error_of(steps[i]);
        if (finished) finished(i + 1, steps.size(), section);
        run.sections.push_back(std::move(section));
    }
    return run;
}

}  // namespace agent
