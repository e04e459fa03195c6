// host-steps-helper: runs the packages step inside a test guest under another root, where kvm-agent itself
// always works on "/": proves the dnf backend's --installroot on the Debian guest.
//   host-steps-helper packages ROOT plan|apply NAME...    prints the plan or the outcome as JSON
// Exit status: 0 converged (plan: in sync or changes listed), 1 failed.
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "agent/steps/packages_step.h"

int main(int argc, char** argv) {
    if (argc < 5 || std::string(argv[1]) != "packages") {
        std::cerr << "usage: host-steps-helper packages ROOT plan|apply NAME...\n";
        return 2;
    }
    // The package manager's lines go to stderr, as kvm-agent sends them: stdout is the JSON.
    spdlog::set_default_logger(spdlog::stderr_color_mt("host-steps-helper"));
    agent::StepSettings settings;
    settings.root = argv[2];
    settings.command_timeout = std::chrono::seconds(600);
    const std::string action = argv[3];
    profile::PackagesSection section;
    for (int i = 4; i < argc; ++i) section.names.emplace_back(argv[i]);
    agent::PackagesStep step(section, settings);
    if (action == "plan") {
        const auto plan = step.plan();
        if (!plan) {
            std::cout << nlohmann::json{{"error", plan.error().message}}.dump(2) << "\n";
            return 1;
        }
        std::cout << nlohmann::json{{"changes", plan->changes}, {"notes", plan->notes}}.dump(2) << "\n";
        return 0;
    }
    const auto outcome = step.apply();
    std::cout << nlohmann::json{{"changed", outcome.changed}, {"failures", outcome.failures}, {"notes", outcome.notes}}.dump(2)
              << "\n";
    return outcome.ok() ? 0 : 1;
}
