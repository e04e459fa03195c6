#include "agent/agent_cli.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "agent/confirm_window.h"
#include "agent/doctor.h"
#include "agent/doctor_cli.h"
#include "agent/expectations.h"
#include "agent/journal_events.h"
#include "agent/network_apply.h"
#include "agent/provision.h"
#include "agent/readiness.h"
#include "agent/readiness_scope.h"
#include "agent/report_render.h"
#include "agent/steps/network_step.h"
#include "agent/steps/step_factory.h"
#include "agent/version.h"
#include "agent/wiring.h"
#include "checks/catalogue.h"
#include "common/owned_file.h"
#include "common/stop_signal.h"
#include "netconfig/plan_json.h"
#include "profile/duration.h"
#include "profile/profile.h"

namespace agent {
namespace po = boost::program_options;

namespace {

constexpr const char* k_default_profile = "/etc/kvm-agent/host.yaml";
// parse_command_line (shared with kvm-doctor) exits an option error with the doctor's code: the same 3.
static_assert(k_exit_bad_input == k_exit_could_not_run);

struct CommonOptions {
    std::string profile_path = k_default_profile;
    std::string only;
    std::string output = "text";
};

// The wall time of each phase of a run, in the order they ended: what the sections took (plan, apply) beside
// what every run pays around them (the benchmark's "own overhead").
class PhaseClock {
public:
    void lap(const char* phase) {
        const auto now = std::chrono::steady_clock::now();
        m_laps.emplace_back(phase, std::chrono::duration_cast<std::chrono::milliseconds>(now - m_last).count());
        m_last = now;
    }
    nlohmann::json json() const {
        nlohmann::json phases = nlohmann::json::object();
        for (const auto& [phase, ms] : m_laps) phases[phase] = ms;
        return phases;
    }

private:
    std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
    std::vector<std::pair<const char*, long long>> m_laps;
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
        ("output,o", one_of(&common.output, "output", {"text", "json"}), "text | json");
}

// Parses argv; false when the caller should return `code` (help printed, or an option error).
bool parse_options(const Invocation& call, const po::options_description& options, int argc,
                   const char* const* argv, const std::string& usage, int& code) {
    po::variables_map vm;
    if (!parse_command_line(call.program, options, argc, argv, vm, call.err, code)) return false;
    if (vm.count("help")) {
        call.out << usage << "\n" << options;
        code = 0;
        return false;
    }
    return true;
}

struct LoadedProfile {
    profile::HostProfile profile;
    std::vector<std::string> sections;  // selected and present
    bool partial = false;               // --only: a part of the profile, not the whole host
};

common::Result<LoadedProfile> load(const CommonOptions& options) {
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
    // The profile drives root actions: only one that nobody but root (or the user running us) can change.
    auto loaded = profile::load_owned_profile(options.profile_path);
    if (!loaded) return loaded.error();
    LoadedProfile result{std::move(loaded).value(), {}, !only.empty()};
    for (const auto name : profile::k_sections) {
        const std::string section(name);
        if (!result.profile.has(section)) continue;
        if (!only.empty() && std::find(only.begin(), only.end(), section) == only.end()) continue;
        result.sections.push_back(section);
    }
    return result;
}

void note_left_alone(const Invocation& call, const std::vector<std::string>& left_alone) {
    if (left_alone.empty()) return;
    std::string names;
    for (const auto& name : left_alone) names += (names.empty() ? "" : ", ") + name;
    call.err << call.program << ": note: this version does not apply these sections yet; left alone: " << names << "\n";
}

nlohmann::json strings(const std::vector<std::string>& list) { return nlohmann::json(list); }

void render_steps(std::ostream& out, const netconfig::Plan& plan, std::size_t completed, bool mark) {
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        out << "  " << std::setw(3) << i + 1 << ". ";
        if (mark) out << (i < completed ? "done    " : i == completed ? "FAILED  " : "not run ");
        out << plan.steps[i].to_string() << "\n";
    }
}

void render_lines(std::ostream& out, const std::vector<std::string>& lines, const std::string& prefix) {
    for (std::size_t i = 0; i < lines.size(); ++i)
        out << "  " << prefix << (prefix.empty() ? std::to_string(i + 1) + ". " : "") << lines[i] << "\n";
}

std::vector<ProvisionStep*> pointers(const StepSelection& selection) {
    std::vector<ProvisionStep*> steps;
    for (const auto& step : selection.steps) steps.push_back(step.get());
    return steps;
}

NetworkStep* network_step(const StepSelection& selection) {
    for (const auto& step : selection.steps)
        if (auto* network = dynamic_cast<NetworkStep*>(step.get())) return network;
    return nullptr;
}

// "[2/5] kvm: applying (12 s)" on a terminal, so a long package install shows where it is and for how long;
// elsewhere (under systemd, in a pipe, with JSON on stdout) the same as one log line per step, which the
// journal keeps with the rest of the run (apply only: a plan changes nothing worth a log line).
Progress step_progress(std::ostream& err, const std::string& output, bool log_elsewhere) {
    const bool terminal = output == "text" && ::isatty(STDERR_FILENO);
    if (!terminal && !log_elsewhere) return {};
    const auto start = std::chrono::steady_clock::now();
    return [&err, start, terminal](std::size_t index, std::size_t count, std::string_view section,
                                   std::string_view doing) {
        const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
        if (terminal)
            err << "[" << index << "/" << count << "] " << section << ": " << doing << " (" << elapsed.count() << " s)\n";
        else
            spdlog::info("step {}/{} {}: {}", index, count, section, doing);
        if (doing != k_observing) kill_at_step_for_tests(index);  // the start of a step of apply
    };
}

// The network section's JSON: the structured steps and what the verification, rollback and files did.
nlohmann::json network_json(const NetworkApplyReport& network) {
    nlohmann::json json{{"outcome", std::string(to_string(network.outcome))},
                        {"steps", netconfig::to_json(network.plan)},
                        {"completed", network.completed},
                        {"failures", strings(network.failures)},
                        {"port_leftovers", netconfig::to_json(network.port_leftovers)},
                        {"verified", strings(network.verification.passed)},
                        {"rollback", netconfig::to_json(network.rollback)},
                        {"rollback_failures", strings(network.rollback_failures)},
                        {"guard", network.guard},
                        {"recovered", network.recovered}};
    if (network.persisted) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& file : network.persisted->files)
            files.push_back({{"path", file.path}, {"action", std::string(netconfig::to_string(file.action))},
                             {"backup", file.backup}});
        json["files"] = files;
        json["network_manager"] = {{"asked", network.persisted->network_manager.asked},
                                   {"reason", network.persisted->network_manager.reason}};
    }
    return json;
}

// Whether the run left the host changed (Ansible's `changed`): a section that changed something, but not a network
// change that was rolled back in full.
bool host_changed(const ProvisionRun& run, const NetworkApplyReport* network) {
    for (const auto& section : run.sections) {
        if (!section.outcome || section.outcome->changed.empty()) continue;
        if (section.section == "network" && network && network->outcome == NetworkOutcome::rolled_back) continue;
        return true;
    }
    return false;
}

void render_network_text(std::ostream& out, const NetworkApplyReport& network) {
    if (!network.recovered.empty()) out << "network: first, " << network.recovered << "\n";
    switch (network.outcome) {
        case NetworkOutcome::in_sync: out << "network: in sync, nothing to do\n"; break;
        case NetworkOutcome::applied:
            out << "network: applied " << network.plan.steps.size() << " change(s)\n";
            render_steps(out, network.plan, network.completed, false);
            for (const auto& step : network.port_leftovers.steps)
                out << "  then: " << step.to_string() << " (left on the port by its activation)\n";
            for (const auto& passed : network.verification.passed) out << "  verified: " << passed << "\n";
            out << "  guarded by: " << network.guard << "\n";
            if (network.persisted)
                for (const auto& file : network.persisted->files)
                    if (file.action != netconfig::PersistedFile::Action::unchanged)
                        out << "  " << netconfig::to_string(file.action) << ": " << file.path << "\n";
            break;
        case NetworkOutcome::rolled_back:
        case NetworkOutcome::rollback_failed:
            out << "network: FAILED, "
                << (network.outcome == NetworkOutcome::rolled_back ? "rolled back to the state before"
                                                                   : "and the rollback FAILED too: the host needs an admin")
                << "\n";
            render_steps(out, network.plan, network.completed, true);
            for (const auto& failure : network.failures) out << "  why: " << failure << "\n";
            for (const auto& failure : network.rollback_failures) out << "  rollback: " << failure << "\n";
            out << "  guarded by: " << network.guard << "\n";
            break;
    }
}

}  // namespace

int run_validate_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Invocation call{"kvm-agent validate", out, err};
    std::string profile_path = k_default_profile, output = "text";
    po::options_description options("Options");
    options.add_options()
        ("help,h", "show this help and exit")
        ("profile,p", po::value(&profile_path)->default_value(k_default_profile), "the host profile")
        ("output,o", one_of(&output, "output", {"text", "json"}), "text | json");
    int code = 0;
    if (!parse_options(call, options, argc, argv,
                       "Usage: kvm-agent validate [--profile FILE] [--output text|json]\n"
                       "Checks the profile alone: YAML, keys and values, and the references inside it. Reads no "
                       "host state, so it runs anywhere (a kickstart's %post, CI).\n"
                       "Exit status: 0 valid, 3 invalid (every problem is printed, FILE:LINE:COLUMN first).",
                       code))
        return code;
    const auto loaded = profile::load_profile(profile_path);
    // apply also refuses a profile others could change (common/owned_file.h): said here, so a kickstart finds out
    // now, but it is about the file, not the profile, and does not make it invalid.
    std::string file_note;
    if (const auto owned = common::read_owned_file(profile_path, profile::k_max_profile_bytes); loaded && !owned)
        file_note = "kvm-agent plan and apply would refuse this file: " + owned.error().message;

    std::vector<std::string> problems, sections;
    if (loaded) {
        for (const auto name : profile::k_sections)
            if (loaded->has(name)) sections.emplace_back(name);
    } else {
        std::stringstream lines(loaded.error().message);
        for (std::string line; std::getline(lines, line);) problems.push_back(line);
    }
    if (output == "json") {
        nlohmann::json report{{"version", 1}, {"profile", profile_path}, {"valid", bool(loaded)},
                              {"sections", strings(sections)}, {"problems", strings(problems)}};
        if (!file_note.empty()) report["note"] = file_note;
        out << report.dump(2) << "\n";
    } else if (loaded) {
        std::string names;
        for (const auto& name : sections) names += (names.empty() ? "" : ", ") + name;
        out << profile_path << ": valid (" << (names.empty() ? "no sections: it changes nothing" : "sections: " + names)
            << ")\n";
    } else {
        for (const auto& problem : problems) err << problem << "\n";
    }
    if (!file_note.empty()) err << call.program << ": note: " << file_note << "\n";
    return loaded ? k_exit_in_sync : k_exit_bad_input;
}

int run_plan_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Invocation call{"kvm-agent plan", out, err};
    CommonOptions common;
    NetworkSettings network_settings;
    bool memory_only = false;
    po::options_description options("Options");
    add_common_options(options, common);
    // As apply takes them: the files plan compares with are the ones apply would write.
    options.add_options()
        ("memory-only", po::bool_switch(&memory_only), "compare the running network only, not its configuration files")
        ("config-root", po::value(&network_settings.config_root)->default_value("/"),
         "compare with the network configuration files under DIR (an image or offline root)");
    int code = 0;
    if (!parse_options(call, options, argc, argv,
                       "Usage: kvm-agent plan [--profile FILE] [--only SECTION,...] [--output text|json] "
                       "[--memory-only] [--config-root DIR]\n"
                       "Shows what apply would change. Exit status: 0 in sync, 2 changes pending, 1 the host "
                       "cannot be observed, 3 bad profile or option.",
                       code))
        return code;
    auto loaded = load(common);
    if (!loaded) return call.bad_input(loaded.error().message);

    StepSettings settings;
    settings.dry_run_only = true;
    network_settings.persist = !memory_only;
    auto selection = make_steps(loaded->profile, loaded->sections, settings, network_settings, {});
    if (!selection) {
        err << call.program << ": " << selection.error().message << "\n";
        return k_exit_failed;
    }
    note_left_alone(call, selection->left_alone);
    const auto run = plan_steps(pointers(*selection), step_progress(err, common.output, false));
    for (const auto& section : run.sections)
        if (!section.error.empty()) err << call.program << ": " << section.error << "\n";
    if (run.input_error()) return k_exit_bad_input;
    if (run.failed()) return k_exit_failed;

    const bool in_sync = run.in_sync();
    if (common.output == "json") {
        nlohmann::json report{{"version", 1},
                              {"profile", common.profile_path},
                              {"in_sync", in_sync},
                              {"sections", nlohmann::json::object()},
                              {"left_alone", strings(selection->left_alone)}};
        for (const auto& section : run.sections) {
            nlohmann::json entry{{"in_sync", section.plan->empty()},
                                 {"changes", strings(section.plan->changes)},
                                 {"notes", strings(section.plan->notes)}};
            if (section.section == "network")
                if (const auto* network = network_step(*selection); network && network->last_plan())
                    entry["steps"] = netconfig::to_json(*network->last_plan());
            report["sections"][section.section] = entry;
        }
        out << report.dump(2) << "\n";
    } else {
        if (run.sections.empty()) out << "nothing selected to plan\n";
        for (const auto& section : run.sections) {
            if (section.plan->empty()) {
                out << section.section << ": in sync\n";
            } else {
                const auto count = section.plan->changes.size();
                out << section.section << ": " << count << " change" << (count == 1 ? "" : "s") << "\n";
                render_lines(out, section.plan->changes, "");
            }
            render_lines(out, section.plan->notes, "note: ");
        }
    }
    return in_sync ? k_exit_in_sync : k_exit_changes_pending;
}

namespace {

// The run directory with the run lock held, and the confirmation window's directory: what apply, commit and
// rollback-unconfirmed work under. nullopt, after saying why, when one cannot be had.
struct WindowSession {
    std::filesystem::path run_dir;
    host::RunLock lock;
    std::filesystem::path window_dir;
};
std::optional<WindowSession> open_window_session(const Invocation& call) {
    const auto dir = prepare_run_dir();
    if (!dir) {
        call.err << call.program << ": " << dir.error().message << "\n";
        return std::nullopt;
    }
    auto lock = host::RunLock::acquire(run_lock_path(*dir));
    if (!lock) {
        call.err << call.program << ": " << lock.error().message << "\n";
        return std::nullopt;
    }
    auto window_dir = prepare_confirm_dir();
    if (!window_dir) {
        call.err << call.program << ": " << window_dir.error().message << "\n";
        return std::nullopt;
    }
    return WindowSession{*dir, std::move(lock).value(), *window_dir};
}

// Takes back a confirmation window nobody watches any more (confirm_window.h) and says so; false when its files
// could not all be put back, and the host needs an admin before anything else changes.
bool take_back_window(const Invocation& call, const std::filesystem::path& window_dir) {
    const auto taken = take_back_unwatched(window_dir, unwatched_undo_ops());
    if (taken.what != TakenBack::What::taken_back) return true;
    call.err << call.program << ": " << taken.message << "\n";
    for (const auto& failure : taken.failures) call.err << call.program << ": " << failure << "\n";
    return taken.failures.empty();
}

}  // namespace

int run_apply_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Invocation call{"kvm-agent apply", out, err};
    PhaseClock phases;
    CommonOptions common;
    std::string confirm_within, state_dir = ReadinessPaths{}.state_dir.string();
    NetworkSettings network_settings;
    bool memory_only = false, smoke = false;
    std::string smoke_guest = k_installed_smoke_guest;
    po::options_description options("Options");
    add_common_options(options, common);
    options.add_options()
        ("confirm-within", po::value(&confirm_within),
         "keep the network change only if `kvm-agent commit` arrives within DURATION (e.g. 60s, 2m)")
        ("memory-only", po::bool_switch(&memory_only), "change the running network only: write no configuration files")
        ("config-root", po::value(&network_settings.config_root)->default_value("/"),
         "write network configuration files under DIR (an image or offline root); NetworkManager is not asked")
        ("state-dir", po::value(&state_dir)->default_value(state_dir),
         "where the readiness report and the first-boot stamp go")
        ("smoke", po::bool_switch(&smoke),
         "the readiness report ends with libvirt.guest-smoke: a throwaway KVM guest booted on the profile's bridges "
         "(as the profile's verify: {guest-smoke: true} asks)")
        ("smoke-guest", po::value(&smoke_guest)->default_value(smoke_guest), "the guest --smoke boots");
    int code = 0;
    if (!parse_options(call, options, argc, argv,
                       "Usage: kvm-agent apply [--profile FILE] [--only SECTION,...] [--output text|json] "
                       "[--confirm-within DURATION] [--smoke]\n"
                       "Converges the host to its profile, verifies, rolls back a failed network change by itself, "
                       "and publishes the host's readiness.\n"
                       "Exit status: 0 READY (with --only: the sections converged), 1 failed, 2 applied but the "
                       "host is NOT_READY, 3 bad input (nothing touched).",
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
    // The probes get the profile's rollback-after to answer (a bridge with STP forwards only after twice
    // its forward delay); the confirmation window is the admin's own choice on the command line.
    NetworkApplyOptions network_options;
    if (loaded->profile.network && loaded->profile.network->verify.rollback_after)
        network_options.probe_timeout = *loaded->profile.network->verify.rollback_after;

    auto session = open_window_session(call);
    if (!session) return k_exit_failed;
    // A window nobody watches any more is taken back before anything is planned from the host it left.
    if (!take_back_window(call, session->window_dir)) return k_exit_failed;
    if (auto pending = pending_change(session->window_dir)) {
        err << call.program << ": refused: " << *pending << "\n";
        return k_exit_failed;
    }
    if (window) network_options.keep_guard = std::chrono::ceil<std::chrono::seconds>(*window);

    auto selection = make_steps(loaded->profile, loaded->sections, StepSettings{}, network_settings, network_options);
    if (!selection) {
        err << call.program << ": " << selection.error().message << "\n";
        return k_exit_failed;
    }
    note_left_alone(call, selection->left_alone);
    // Bad input is refused before anything changes: every step plans first.
    phases.lap("prepare");
    const auto planned = plan_steps(pointers(*selection));
    phases.lap("plan");
    if (planned.input_error()) {
        for (const auto& section : planned.sections)
            if (section.input_error) err << call.program << ": " << section.error << "\n";
        return k_exit_bad_input;
    }
    // From here a SIGTERM, SIGINT or SIGHUP stops the run between steps and rolls the network change back.
    common::install_stop_handlers();
    std::vector<std::string> sections;
    for (const auto& step : selection->steps) sections.emplace_back(step->section());
    host::journal::write(apply_started_entry(common.profile_path, sections), k_journal_identifier);
    const auto run = apply_steps(
        pointers(*selection), step_progress(err, common.output, true), common::stop_reason,
        [](std::size_t index, std::size_t count, const SectionRun& section) {
            host::journal::write(step_entry(index, count, section), k_journal_identifier);
        },
        &planned);
    phases.lap("apply");

    auto* network = network_step(*selection);
    if (network && network->report() && (network->report()->outcome == NetworkOutcome::rolled_back ||
                                         network->report()->outcome == NetworkOutcome::rollback_failed)) {
        const auto& report = *network->report();
        auto why = report.failures;
        why.insert(why.end(), report.rollback_failures.begin(), report.rollback_failures.end());
        host::journal::write(rolled_back_entry("network", report.outcome == NetworkOutcome::rolled_back, why),
                             k_journal_identifier);
    }
    std::optional<pid_t> watcher;
    std::string window_error, takeback_timer;
    if (network && network->report() && network->report()->outcome == NetworkOutcome::applied && window) {
        const auto adapters = network->adapters();
        const auto persisted = network->report()->persisted;
        const std::string summary = std::to_string(network->report()->plan.steps.size()) + " network change(s) from " +
                                    common.profile_path;
        WindowUndo undo{network_settings.config_root, {}, {}};
        if (persisted) undo.files = persisted->files;
        for (const auto& step : network->report()->plan.steps)
            if (netconfig::creates_link(step.kind)) undo.created_links.push_back(step.name.str());
        auto started = open_confirm_window(
            session->run_dir, session->window_dir, *window, network->report()->before, adapters, session->lock,
            [adapters, persisted] { return restore_persisted(adapters.persistence, persisted); }, undo, summary);
        if (started) watcher = *started;
        else window_error = started.error().message;
        // Should the watcher die, systemd still has the window taken back, after NetworkManager's checkpoint
        // (window + margin) had its turn. Not for runs in a test's own run directory or another root: the
        // timer would act on this host's own network.
        if (started && !test_run_dir() && network_settings.config_root == "/") {
            auto timer = schedule_unwatched_takeback(std::chrono::ceil<std::chrono::seconds>(*window) +
                                                     network_options.guard_margin + std::chrono::seconds(10));
            takeback_timer = timer ? *timer : "none: " + timer.error().message;
        }
    }

    // The host's readiness after the run, published where admins and monitoring look.
    const auto expectations = expectations_from(loaded->profile);
    HostSettings settings;
    settings.smoke_guest = smoke_guest;
    // What the steps just read and nothing changed since is not asked again (a firewalld zone: three calls, each
    // checked with polkit).
    settings.observed = observed_unchanged_since(pointers(*selection), run);
    if (expectations.images) {
        settings.images_dir = expectations.images->path;
        settings.images_pool = expectations.images->pool;
    }
    // Every check but the opt-in ones, and the guest smoke check when this run or the profile asks for it. With
    // --only, the checks of the sections that ran, beside the previous apply's results for the others.
    const bool smoke_asked = smoke || (loaded->profile.verify && loaded->profile.verify->guest_smoke);
    std::vector<std::string> readiness_checks;
    if (loaded->partial) {
        std::vector<std::string> ran;
        for (const auto& section : run.sections) ran.push_back(section.section);
        readiness_checks = checks_of_sections(ran);
        if (smoke_asked) readiness_checks.emplace_back(checks::k_guest_smoke_check);  // last, as with_guest_smoke puts it
    } else if (smoke_asked) {
        readiness_checks = with_guest_smoke({});
    }
    auto host = connect_host(settings);
    common::Result<DoctorReport> readiness = DoctorReport{};
    if (!loaded->partial || !readiness_checks.empty())  // run_doctor runs every check when given none
        readiness = run_doctor(host->facts(), readiness_checks, &expectations);
    std::vector<std::string> checked;
    if (readiness)
        for (const auto& result : readiness->results) checked.push_back(result.id);
    if (readiness && loaded->partial) {
        const auto previous = common::read_regular_file(state_dir + "/readiness.json", k_max_readiness_bytes);
        readiness = merged_readiness(*readiness, previous ? results_from_readiness(*previous)
                                                          : std::vector<checks::CheckResult>{});
    }
    phases.lap("readiness");
    ReadinessPaths paths;
    paths.state_dir = state_dir;
    std::vector<std::string> published;
    std::string publish_error;
    if (readiness) {
        TextStyle style;
        style.quiet = true;
        auto written = publish_readiness(*readiness, run, checked, render_text(*readiness, style), paths);
        if (written) published = *written;
        else publish_error = written.error().message;
    }

    int exit_code = k_exit_in_sync;
    if (run.input_error()) exit_code = k_exit_bad_input;
    else if (run.failed() || !window_error.empty()) exit_code = k_exit_failed;
    if (network && network->report() && network->report()->outcome == NetworkOutcome::rollback_failed)
        exit_code = k_exit_rollback_failed;
    else if (!loaded->partial && readiness && readiness->verdict == checks::Verdict::not_ready)
        exit_code = k_exit_changes_pending;  // applied, but the host is NOT_READY
    if (exit_code == k_exit_in_sync && !loaded->partial && !window) {
        if (auto stamp = write_firstboot_stamp(paths); !stamp) publish_error = stamp.error().message;
    }
    phases.lap("publish");

    if (common.output == "json") {
        nlohmann::json report{{"version", 1},
                              {"profile", common.profile_path},
                              {"changed", host_changed(run, network && network->report() ? &*network->report() : nullptr)},
                              {"left_alone", strings(selection->left_alone)},
                              {"not_run", strings(run.not_run)},
                              {"interrupted", run.interrupted},
                              {"sections", nlohmann::json::object()},
                              {"phases_ms", phases.json()},
                              {"exit_code", exit_code}};
        for (const auto& section : run.sections) {
            nlohmann::json entry{{"elapsed_ms", section.elapsed.count()}};
            if (section.outcome)
                entry.update({{"changed", strings(section.outcome->changed)},
                              {"failures", strings(section.outcome->failures)},
                              {"notes", strings(section.outcome->notes)}});
            report["sections"][section.section] = entry;
        }
        if (network && network->report()) {
            report["network"] = network_json(*network->report());
            if (watcher)
                report["network"]["confirm"] = {
                    {"within_seconds", std::chrono::duration_cast<std::chrono::seconds>(*window).count()},
                    {"watcher_pid", *watcher},
                    {"takeback_timer", takeback_timer}};
            if (!window_error.empty()) report["network"]["confirm_error"] = window_error;
        }
        if (readiness) report["verdict"] = std::string(checks::to_string(readiness->verdict));
        report["published"] = strings(published);
        if (!publish_error.empty()) report["publish_error"] = publish_error;
        out << report.dump(2) << "\n";
    } else {
        for (const auto& section : run.sections) {
            if (section.section == "network" && network && network->report()) {
                render_network_text(out, *network->report());
                continue;
            }
            const auto& outcome = *section.outcome;
            if (!outcome.ok()) out << section.section << ": FAILED\n";
            else if (outcome.changed.empty()) out << section.section << ": in sync, nothing to do\n";
            else out << section.section << ": applied " << outcome.changed.size() << " change(s)\n";
            render_lines(out, outcome.changed, "");
            render_lines(out, outcome.failures, "why: ");
            render_lines(out, outcome.notes, "note: ");
        }
        for (const auto& section : run.not_run)
            out << section << ": not run (" << (run.interrupted.empty() ? "an earlier step failed" : run.interrupted) << ")\n";
        if (watcher)
            out << "network: run `kvm-agent commit` within "
                << std::chrono::duration_cast<std::chrono::seconds>(*window).count()
                << " s to keep this change; without it the host goes back by itself\n";
        if (!window_error.empty()) out << "network: no confirmation window: " << window_error << "\n";
        if (readiness && !loaded->partial)
            out << "host: " << checks::to_string(readiness->verdict) << " (kvm-agent status for the report)\n";
        if (!publish_error.empty()) out << "readiness report not written: " << publish_error << "\n";
    }
    return exit_code;
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
    auto session = open_window_session(call);
    if (!session) return k_exit_failed;
    // Too late for one nobody watches any more: it is taken back now, and commit says so.
    if (const auto taken = take_back_unwatched(session->window_dir, unwatched_undo_ops()); taken.what == TakenBack::What::taken_back) {
        err << call.program << ": too late: " << taken.message << "\n";
        for (const auto& failure : taken.failures) err << "  " << failure << "\n";
        return k_exit_failed;
    }
    auto committed = commit_pending_change(session->window_dir, release_kept_network_guard);
    if (!committed) {
        err << call.program << ": " << committed.error().message << "\n";
        return k_exit_failed;
    }
    out << *committed << "\n";
    return 0;
}

int run_rollback_unconfirmed_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Invocation call{"kvm-agent rollback-unconfirmed", out, err};
    po::options_description options("Options");
    options.add_options()("help,h", "show this help and exit");
    int code = 0;
    if (!parse_options(call, options, argc, argv,
                       "Usage: kvm-agent rollback-unconfirmed\n"
                       "Puts back the network files of a change made with `kvm-agent apply --confirm-within` that "
                       "was never committed and that nothing watches any more: the host restarted inside its window "
                       "(kvm-agent-confirm-guard.service runs this at boot, before NetworkManager starts), or its "
                       "watcher was killed and the window has closed (then NetworkManager's kept checkpoint is rolled back, and "
                       "the links the change made that are left empty are deleted).\n"
                       "Exit status: 0 nothing to take back, or taken back; 1 the window is still watched, or a file "
                       "could not be put back.",
                       code))
        return code;
    auto session = open_window_session(call);
    if (!session) return k_exit_failed;
    const auto taken = take_back_unwatched(session->window_dir, unwatched_undo_ops());
    switch (taken.what) {
    case TakenBack::What::nothing: out << "no unconfirmed change to take back\n"; return 0;
    case TakenBack::What::still_watched:
        err << call.program << ": refused: a change waits in this boot: " << taken.message << "\n";
        return k_exit_failed;
    case TakenBack::What::taken_back: break;
    }
    out << taken.message << "\n";
    for (const auto& failure : taken.failures) err << call.program << ": " << failure << "\n";
    return taken.failures.empty() ? 0 : k_exit_failed;
}

}  // namespace agent
