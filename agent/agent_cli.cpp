#include "agent/agent_cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agent/confirm_window.h"
#include "agent/network_apply.h"
#include "agent/wiring.h"
#include "netconfig/plan_json.h"
#include "profile/duration.h"
#include "profile/profile.h"

namespace agent {
namespace po = boost::program_options;

namespace {

constexpr const char* k_default_profile = "/etc/kvm-agent/host.yaml";
// The sections this version converges; the others are recognised and left alone, with a note.
constexpr std::string_view k_supported_sections[] = {"network"};

struct CommonOptions {
    std::string profile_path = k_default_profile;
    std::string only;
    std::string output = "text";
};

struct Invocation {
    std::string program;
    std::ostream& out;
    std::ostream& err;
    int bad_input(const std::string& message) const {
        err << program << ": " << message << "\n";
        return k_exit_bad_input;
    }
};

void add_common_options(po::options_description& options, CommonOptions& common) {
    options.add_options()
        ("help,h", "show this help and exit")
        ("profile,p", po::value(&common.profile_path)->default_value(k_default_profile), "the host profile")
        ("only", po::value(&common.only), "only these sections, comma-separated (e.g. network)")
        ("output,o", po::value(&common.output)->default_value("text"), "text | json");
}

// Parses argv; false when the caller should return `code` (help printed, or an option error).
bool parse_options(const Invocation& call, const po::options_description& options, int argc,
                   const char* const* argv, const std::string& usage, int& code) {
    po::variables_map vm;
    try {
        const po::positional_options_description no_positionals;
        po::store(po::command_line_parser(argc, argv).options(options).positional(no_positionals).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        code = call.bad_input(std::string(e.what()) + "\nTry '" + call.program + " --help'.");
        return false;
    }
    if (vm.count("help")) {
        call.out << usage << "\n" << options;
        code = 0;
        return false;
    }
    return true;
}

// The profile drives root actions: refuse one that someone other than its owner (root, or the user running
// us) could have written.
std::optional<std::string> unsafe_profile(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return path + ": " + std::strerror(errno);
    if (!S_ISREG(info.st_mode)) return path + ": not a regular file";
    if (info.st_uid != 0 && info.st_uid != ::geteuid())
        return path + ": refused: owned by uid " + std::to_string(info.st_uid) +
               ", and it drives root actions (chown root " + path + ")";
    if (info.st_mode & (S_IWGRP | S_IWOTH)) {
        std::ostringstream mode;
        mode << std::oct << std::setw(4) << std::setfill('0') << (info.st_mode & 07777);
        return path + ": refused: writable by group or others (mode " + mode.str() +
               "), and it drives root actions (chmod go-w " + path + ")";
    }
    return std::nullopt;
}

struct LoadedProfile {
    profile::HostProfile profile;
    std::vector<std::string> sections;  // selected, present and supported, in profile order
    std::vector<std::string> left_alone;  // present (and selected) but not handled by this version
};

common::Result<LoadedProfile> load(const CommonOptions& options) {
    if (options.output != "text" && options.output != "json")
        return common::make_error("--output must be text or json, not \"" + options.output + "\"");
    std::vector<std::string> only;
    if (!options.only.empty()) {
        std::stringstream list(options.only);
        for (std::string section; std::getline(list, section, ',');) {
            bool known = false;
            for (const auto name : profile::k_sections) known = known || name == section;
            if (!known) {
                std::string names;
                for (const auto name : profile::k_sections) names += (names.empty() ? "" : ", ") + std::string(name);
                return common::make_error("--only: unknown section \"" + section + "\" (sections: " + names + ")");
            }
            only.push_back(section);
        }
    }
    if (auto problem = unsafe_profile(options.profile_path)) return common::make_error(*problem);
    auto loaded = profile::load_profile(options.profile_path);
    if (!loaded) return loaded.error();
    LoadedProfile result{std::move(loaded).value(), {}, {}};
    for (const auto name : profile::k_sections) {
        const std::string section(name);
        if (!result.profile.has(section)) continue;
        if (!only.empty() && std::find(only.begin(), only.end(), section) == only.end()) continue;
        bool supported = false;
        for (const auto known : k_supported_sections) supported = supported || known == name;
        (supported ? result.sections : result.left_alone).push_back(section);
    }
    return result;
}

void note_left_alone(const Invocation& call, const LoadedProfile& loaded) {
    if (loaded.left_alone.empty()) return;
    std::string names;
    for (const auto& name : loaded.left_alone) names += (names.empty() ? "" : ", ") + name;
    call.err << call.program << ": note: this version applies only the network section; left alone: " << names << "\n";
}

bool selected(const LoadedProfile& loaded, const std::string& section) {
    return std::find(loaded.sections.begin(), loaded.sections.end(), section) != loaded.sections.end();
}

nlohmann::json strings(const std::vector<std::string>& list) { return nlohmann::json(list); }

void render_steps(std::ostream& out, const netconfig::Plan& plan, std::size_t completed, bool mark) {
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        out << "  " << std::setw(3) << i + 1 << ". ";
        if (mark) out << (i < completed ? "done    " : i == completed ? "FAILED  " : "not run ");
        out << plan.steps[i].to_string() << "\n";
    }
}

}  // namespace

int run_plan_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Invocation call{"kvm-agent plan", out, err};
    CommonOptions common;
    po::options_description options("Options");
    add_common_options(options, common);
    int code = 0;
    if (!parse_options(call, options, argc, argv,
                       "Usage: kvm-agent plan [--profile FILE] [--only SECTION,...] [--output text|json]\n"
                       "Shows what apply would change. Exit status: 0 in sync, 2 changes pending, 1 the host "
                       "cannot be observed, 3 bad profile or option.",
                       code))
        return code;
    auto loaded = load(common);
    if (!loaded) return call.bad_input(loaded.error().message);
    note_left_alone(call, *loaded);

    NetworkPlan network;
    if (selected(*loaded, "network")) {
        auto host = connect_network();
        if (!host) {
            err << call.program << ": " << host.error().message << "\n";
            return k_exit_failed;
        }
        auto planned = plan_network(loaded->profile, (*host)->adapters().observer);
        if (!planned) {
            const bool unobservable = planned.error().message.rfind("observing", 0) == 0;
            err << call.program << ": " << planned.error().message << "\n";
            return unobservable ? k_exit_failed : k_exit_bad_input;
        }
        network = std::move(planned).value();
    }
    const bool in_sync = network.plan.empty();
    if (common.output == "json") {
        nlohmann::json report{{"profile", common.profile_path},
                              {"in_sync", in_sync},
                              {"sections", nlohmann::json::object()},
                              {"left_alone", strings(loaded->left_alone)}};
        if (selected(*loaded, "network"))
            report["sections"]["network"] = {{"in_sync", in_sync}, {"steps", netconfig::to_json(network.plan)}};
        out << report.dump(2) << "\n";
    } else if (selected(*loaded, "network")) {
        if (in_sync) {
            out << "network: in sync\n";
        } else {
            out << "network: " << network.plan.steps.size() << " change" << (network.plan.steps.size() == 1 ? "" : "s")
                << "\n";
            render_steps(out, network.plan, 0, false);
        }
    } else {
        out << "nothing selected to plan\n";
    }
    return in_sync ? k_exit_in_sync : k_exit_changes_pending;
}

int run_apply_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Invocation call{"kvm-agent apply", out, err};
    CommonOptions common;
    std::string confirm_within;
    NetworkSettings network_settings;
    bool memory_only = false;
    po::options_description options("Options");
    add_common_options(options, common);
    options.add_options()
        ("confirm-within", po::value(&confirm_within),
         "keep the change only if `kvm-agent commit` arrives within DURATION (e.g. 60s, 2m)")
        ("memory-only", po::bool_switch(&memory_only), "change the running state only: write no configuration files")
        ("config-root", po::value(&network_settings.config_root)->default_value("/"),
         "write configuration files under DIR (an image or offline root); NetworkManager is not asked");
    int code = 0;
    if (!parse_options(call, options, argc, argv,
                       "Usage: kvm-agent apply [--profile FILE] [--only SECTION,...] [--output text|json] "
                       "[--confirm-within DURATION]\n"
                       "Converges the host to its profile, verifies, and rolls back by itself on failure.\n"
                       "Exit status: 0 converged, 1 failed (rolled back), 3 bad input (nothing touched).",
                       code))
        return code;
    network_settings.persist = !memory_only;
    std::optional<std::chrono::milliseconds> window;
    if (!confirm_within.empty()) {
        window = profile::parse_duration(confirm_within);
        if (!window || window->count() <= 0)
            return call.bad_input("--confirm-within: \"" + confirm_within + "\" is not a duration (e.g. 60s, 2m)");
    }
    auto loaded = load(common);
    if (!loaded) return call.bad_input(loaded.error().message);
    note_left_alone(call, *loaded);
    // The probes get the profile's rollback-after to answer (a bridge with STP forwards only after twice
    // its forward delay); the confirmation window is the admin's own choice on the command line.
    NetworkApplyOptions apply_options;
    if (loaded->profile.network && loaded->profile.network->verify.rollback_after)
        apply_options.probe_timeout = *loaded->profile.network->verify.rollback_after;

    const auto dir = run_dir();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto lock = host::RunLock::acquire(run_lock_path(dir));
    if (!lock) {
        err << call.program << ": " << lock.error().message << "\n";
        return k_exit_failed;
    }

    NetworkApplyReport network;
    std::optional<pid_t> watcher;
    std::string window_error;
    if (selected(*loaded, "network")) {
        auto host = connect_network(network_settings);
        if (!host) {
            err << call.program << ": " << host.error().message << "\n";
            return k_exit_failed;
        }
        auto applied = apply_network(loaded->profile, (*host)->adapters(), apply_options);
        if (!applied) {
            const bool unobservable = applied.error().message.rfind("observing", 0) == 0;
            err << call.program << ": " << applied.error().message << "\n";
            return unobservable ? k_exit_failed : k_exit_bad_input;
        }
        network = std::move(applied).value();
        if (network.outcome == NetworkOutcome::applied && window) {
            const std::string summary = std::to_string(network.plan.steps.size()) + " network change(s) from " +
                                        common.profile_path;
            const auto adapters = (*host)->adapters();
            const auto persisted = network.persisted;
            auto started = open_confirm_window(
                dir, *window, network.before, adapters, lock.value(),
                [adapters, persisted] { return restore_persisted(adapters.persistence, persisted); }, summary);
            if (started) watcher = *started;
            else window_error = started.error().message;
        }
    }

    const bool failed = network.outcome == NetworkOutcome::rolled_back ||
                        network.outcome == NetworkOutcome::rollback_failed || !window_error.empty();
    if (common.output == "json") {
        nlohmann::json report{{"profile", common.profile_path}, {"left_alone", strings(loaded->left_alone)}};
        if (selected(*loaded, "network")) {
            report["network"] = {{"outcome", std::string(to_string(network.outcome))},
                                 {"steps", netconfig::to_json(network.plan)},
                                 {"completed", network.completed},
                                 {"failures", strings(network.failures)},
                                 {"verified", strings(network.verification.passed)},
                                 {"rollback", netconfig::to_json(network.rollback)},
                                 {"rollback_failures", strings(network.rollback_failures)}};
            if (network.persisted) {
                nlohmann::json files = nlohmann::json::array();
                for (const auto& file : network.persisted->files)
                    files.push_back({{"path", file.path}, {"action", std::string(netconfig::to_string(file.action))},
                                     {"backup", file.backup}});
                report["network"]["files"] = files;
                report["network"]["network_manager"] = {{"asked", network.persisted->network_manager.asked},
                                                        {"reason", network.persisted->network_manager.reason}};
            }
            if (watcher)
                report["network"]["confirm"] = {
                    {"within_seconds", std::chrono::duration_cast<std::chrono::seconds>(*window).count()},
                    {"watcher_pid", *watcher}};
            if (!window_error.empty()) report["network"]["confirm_error"] = window_error;
        }
        out << report.dump(2) << "\n";
    } else if (selected(*loaded, "network")) {
        switch (network.outcome) {
            case NetworkOutcome::in_sync: out << "network: in sync, nothing to do\n"; break;
            case NetworkOutcome::applied:
                out << "network: applied " << network.plan.steps.size() << " change(s)\n";
                render_steps(out, network.plan, network.completed, false);
                for (const auto& passed : network.verification.passed) out << "  verified: " << passed << "\n";
                if (network.persisted)
                    for (const auto& file : network.persisted->files)
                        if (file.action != netconfig::PersistedFile::Action::unchanged)
                            out << "  " << netconfig::to_string(file.action) << ": " << file.path << "\n";
                break;
            case NetworkOutcome::rolled_back:
            case NetworkOutcome::rollback_failed:
                out << "network: FAILED, " << (network.outcome == NetworkOutcome::rolled_back
                                                    ? "rolled back to the state before"
                                                    : "and the rollback FAILED too: the host needs an admin")
                    << "\n";
                render_steps(out, network.plan, network.completed, true);
                for (const auto& failure : network.failures) out << "  why: " << failure << "\n";
                for (const auto& failure : network.rollback_failures) out << "  rollback: " << failure << "\n";
                break;
        }
        if (watcher)
            out << "network: run `kvm-agent commit` within "
                << std::chrono::duration_cast<std::chrono::seconds>(*window).count()
                << " s to keep this change; without it the host goes back by itself\n";
        if (!window_error.empty()) out << "network: no confirmation window: " << window_error << "\n";
    }
    return failed ? k_exit_failed : k_exit_in_sync;
}

int run_commit_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Invocation call{"kvm-agent commit", out, err};
    po::options_description options("Options");
    options.add_options()("help,h", "show this help and exit");
    int code = 0;
    if (!parse_options(call, options, argc, argv,
                       "Usage: kvm-agent commit\nKeeps the change that `kvm-agent apply --confirm-within` made.\n"
                       "Exit status: 0 committed, 1 nothing waits or it is too late.",
                       code))
        return code;
    const auto dir = run_dir();
    auto lock = host::RunLock::acquire(run_lock_path(dir));
    if (!lock) {
        err << call.program << ": " << lock.error().message << "\n";
        return k_exit_failed;
    }
    auto committed = commit_pending_change(dir);
    if (!committed) {
        err << call.program << ": " << committed.error().message << "\n";
        return k_exit_failed;
    }
    out << *committed << "\n";
    return 0;
}

}  // namespace agent
