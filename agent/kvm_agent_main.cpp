// kvm-agent: provisions a KVM host from its profile (plan, apply, commit) and reports its readiness (status).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "agent/agent_cli.h"
#include "agent/doctor.h"
#include "agent/version.h"
#include "common/bounded_call.h"
#include "common/journal_stream.h"

namespace {

// Log lines (what a step changes, a package manager's output) go to the journal under systemd, else to stderr:
// stdout carries only the report, which --output json makes one JSON document.
void set_up_logging() {
    auto logger = common::stderr_is_journal() ? spdlog::systemd_logger_mt("kvm-agent", "kvm-agent")
                                                : spdlog::stderr_color_mt("kvm-agent");
    logger->set_pattern("%^%l%$: %v");
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

void usage(std::ostream& out) {
    out << "Usage: kvm-agent COMMAND [OPTIONS]\n"
           "Commands:\n"
           "  validate  check the profile alone, without looking at the host (exit 0 valid, 3 invalid)\n"
           "  plan      show what apply would change (exit 0 in sync, 2 changes pending)\n"
           "  apply     converge the host to its profile, verify, roll back by itself on failure\n"
           "  commit    keep a change made with apply --confirm-within\n"
           "  rollback-unconfirmed\n"
           "            take back such a change nobody watches any more (run at boot)\n"
           "  status    the readiness report of the last apply (--live: run the checks now, as kvm-doctor)\n"
           "Each command takes --help.\n"
           "Options: --help, --version\n";
}

int dispatch(int argc, char** argv) {
    if (argc < 2) {
        usage(std::cerr);
        return agent::k_exit_could_not_run;
    }
    const std::string command = argv[1];
    if (command == "--help" || command == "-h") {
        usage(std::cout);
        return 0;
    }
    if (command == "--version") {
        std::cout << "kvm-agent " << agent::k_version << "\n";
        return 0;
    }
    if (command == "validate") return agent::run_validate_cli(argc - 1, argv + 1, std::cout, std::cerr);
    if (command == "plan") return agent::run_plan_cli(argc - 1, argv + 1, std::cout, std::cerr);
    if (command == "apply") return agent::run_apply_cli(argc - 1, argv + 1, std::cout, std::cerr);
    if (command == "commit") return agent::run_commit_cli(argc - 1, argv + 1, std::cout, std::cerr);
    if (command == "rollback-unconfirmed")
        return agent::run_rollback_unconfirmed_cli(argc - 1, argv + 1, std::cout, std::cerr);
    if (command == "status" || command == "report")
        return agent::run_status_cli("kvm-agent " + command, argc - 1, argv + 1, std::cout, std::cerr);
    std::cerr << "kvm-agent: unknown command \"" << command << "\"\n";
    usage(std::cerr);
    return agent::k_exit_could_not_run;
}

}  // namespace

int main(int argc, char** argv) {
    int code = agent::k_exit_could_not_run;
    try {
        set_up_logging();
        code = dispatch(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "kvm-agent: internal error: " << e.what() << "\n";
    }
    if (common::abandoned_calls() > 0) {
        std::fflush(nullptr);
        std::_Exit(code);
    }
    return code;
}
