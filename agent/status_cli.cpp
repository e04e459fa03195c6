// `kvm-agent status`: kvm-doctor's options plus --live and --state-dir, parsed once by the same rules as every
// other command, so `--output=json`, `--output json` and `-ojson` mean the same.
#include <boost/program_options.hpp>
#include <iostream>

#include "agent/agent_cli.h"
#include "agent/doctor.h"
#include "agent/doctor_cli.h"
#include "agent/readiness.h"

namespace agent {
namespace po = boost::program_options;

namespace {

// Options that only make sense for checks run now: given any of them, status runs the checks live.
constexpr const char* k_live_only[] = {"check", "list", "profile", "root", "connect", "images-dir", "images-pool", "timeout",
                                      "textfile"};

bool given(const po::variables_map& vm, const char* name) { return vm.count(name) && !vm[name].defaulted(); }

}  // namespace

int run_status_cli(const std::string& program, int argc, const char* const* argv, std::ostream& out,
                   std::ostream& err) {
    DoctorRequest request;
    std::string state_dir = ReadinessPaths{}.state_dir.string();
    po::options_description options("Options");
    add_doctor_options(options, request);
    po::options_description own("Options of status");
    own.add_options()
        ("live", "run the checks now, as kvm-doctor does, instead of printing the last apply's report")
        ("state-dir", po::value(&state_dir)->default_value(state_dir),
         "where the last apply wrote its report (apply's --state-dir)");
    options.add(own);
    po::variables_map vm;
    if (int code = 0; !parse_command_line(program, options, argc, argv, vm, err, code)) return code;
    if (vm.count("help")) {
        out << "Usage: " << program << " [--state-dir DIR] [--output text|json]\n"
            << "       " << program << " --live [kvm-doctor's options]\n"
            << "Prints the readiness report the last `kvm-agent apply` wrote; with --live, or with an option only\n"
            << "a run of the checks can honour (--check, --profile, --root, ...), runs them now, as kvm-doctor.\n"
            << "With no report written yet, runs them now too.\n"
            << "Exit status: 0 READY, 1 DEGRADED, 2 NOT_READY, 3 could not run.\n\n"
            << options;
        return 0;
    }
    // A monitoring plugin's line is the checks' own, with their duration: only a run now has one.
    bool live = vm.count("live") > 0 || request.output == "nagios";
    for (const auto* name : k_live_only) live = live || given(vm, name);
    if (!live && !vm.count("version")) {
        if (auto shown = show_last_report(state_dir, request.output == "json", out)) return *shown;
    }
    return run_doctor_request(program, options, vm, request, out, err);
}

}  // namespace agent
