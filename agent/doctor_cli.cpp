#include "agent/doctor_cli.h"

#include <boost/program_options.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include "agent/doctor.h"
#include "agent/expectations.h"
#include "agent/metrics.h"
#include "agent/report_render.h"
#include "agent/version.h"
#include "agent/wiring.h"
#include "common/journal_stream.h"
#include "common/text.h"
#include "host/files/atomic_file.h"

namespace agent {
namespace po = boost::program_options;

namespace {

bool stdout_wants_color() {
    const char* term = std::getenv("TERM");
    return ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR") && term && std::string(term) != "dumb";
}

void set_up_logging(int verbosity) {
    // Under systemd (a first-boot unit) log lines go to the journal with their priority; else to stderr.
    static auto logger = common::stderr_is_journal()
                             ? spdlog::systemd_logger_mt("kvm-doctor", "kvm-doctor")
                             : spdlog::stderr_color_mt("kvm-doctor");
    logger->set_pattern("%^%l%$: %v");
    logger->set_level(verbosity > 0 ? spdlog::level::debug : spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

}  // namespace

po::typed_value<std::string>* one_of(std::string* target, const std::string& option, std::vector<std::string> choices) {
    const std::string fallback = choices.front();
    return po::value(target)->default_value(fallback)->notifier([option, choices](const std::string& value) {
        if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
        std::string allowed;
        for (std::size_t i = 0; i < choices.size(); ++i)
            allowed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
        throw po::error("--" + option + " must be " + allowed + ", not \"" + value + "\"");
    });
}

void add_doctor_options(po::options_description& options, DoctorRequest& request) {
    options.add_options()
        ("help,h", "show this help and exit")
        ("version", "show the version and exit")
        ("list", "list every check id with its title and exit (--output json: as JSON)")
        ("output,o", one_of(&request.output, "output", {"text", "json", "nagios"}),
         "text | json | nagios (a monitoring plugin's status line with perfdata)")
        ("check,c", po::value(&request.check_ids)->composing(), "run only this check id (repeatable)")
        ("profile", po::value(&request.profile_path),
         "judge against this host profile too (net.bridge, net.bond, firewall.zones need one)")
        ("root", po::value(&request.root)->default_value("/"),
         "read the host's files under DIR (an offline or chrooted system); live-service checks SKIP")
        ("connect", po::value(&request.uri)->default_value("qemu:///system"), "libvirt URI for the libvirt.* checks")
        ("images-dir", po::value(&request.images_dir)->default_value("/var/lib/libvirt/images"),
         "directory that holds guest images (default: the profile's storage.images.path, else this)")
        ("images-pool", po::value(&request.images_pool)->default_value("default"),
         "libvirt storage pool over that directory (default: the profile's storage.images.pool, else this)")
        ("timeout", po::value(&request.timeout_seconds)->default_value(2.0, "2"),
         "seconds each live call (D-Bus, the KVM probe) may take before its check WARNs that it is slow; "
         "libvirt, which probes QEMU after a start, five times as long")
        ("textfile", po::value(&request.textfile_dir),
         "also write the checks' metrics to DIR/kvm_host.prom, atomically (node_exporter's textfile collector)")
        ("smoke", "also run libvirt.guest-smoke: boot a throwaway KVM guest through libvirt with a NIC on each "
                  "bridge (the profile's, else the host's), then remove it")
        ("smoke-guest", po::value(&request.smoke_guest)->default_value(k_installed_smoke_guest),
         "the guest --smoke boots")
        ("smoke-timeout", po::value(&request.smoke_timeout_seconds)->default_value(60.0, "60"),
         "seconds the smoke guest may take from its start to its console line")
        ("quiet,q", "print only checks that did not PASS (a FAIL is never hidden)")
        ("color", one_of(&request.color, "color", {"auto", "always", "never"}), "auto | always | never")
        ("verbose,v", "show evidence for passing checks too, and log what is read ");
}

bool parse_command_line(const std::string& program, const po::options_description& options, int argc,
                        const char* const* argv, po::variables_map& vm, std::ostream& err, int& code) {
    try {
        // No positional arguments: a stray word is an error, not silently ignored.
        const po::positional_options_description no_positionals;
        po::store(po::command_line_parser(argc, argv).options(options).positional(no_positionals).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        err << program << ": " << e.what() << "\nTry '" << program << " --help'.\n";
        code = k_exit_could_not_run;
        return false;
    }
    return true;
}

int run_doctor_cli(const std::string& program, int argc, const char* const* argv, std::ostream& out,
                   std::ostream& err) {
    DoctorRequest request;
    po::options_description options("Options");
    add_doctor_options(options, request);
    po::variables_map vm;
    if (int code = 0; !parse_command_line(program, options, argc, argv, vm, err, code)) return code;
    return run_doctor_request(program, options, vm, request, out, err);
}

int run_doctor_request(const std::string& program, const po::options_description& options,
                       const po::variables_map& vm, const DoctorRequest& request, std::ostream& out, std::ostream& err) {
    const auto& [output, color, root, uri, images_dir, images_pool, profile_path, timeout_seconds, requested_ids,
                 textfile_dir, smoke_guest, smoke_timeout_seconds] = request;
    if (vm.count("help")) {
        out << "Usage: " << program << " [OPTIONS]\n"
            << "Checks whether this host is a working KVM host, and says how to fix what is not.\n"
            << "Exit status: 0 READY, 1 DEGRADED, 2 NOT_READY, 3 could not run.\n\n"
            << options;
        return 0;
    }
    if (vm.count("version")) {
        out << program << " " << k_version << "\n";
        return 0;
    }
    if (vm.count("list")) {
        out << (output == "json" ? render_catalogue_json() : render_catalogue());
        return 0;
    }
    // A monitoring plugin's first line on stdout is what its console shows: UNKNOWN and why, not an empty line.
    const auto could_not_run = [&](const std::string& message) {
        err << program << ": " << message << "\n";
        if (output == "nagios") out << "KVM-HOST UNKNOWN - " << common::escape_controls(message, std::string::npos) << "\n";
        return k_exit_could_not_run;
    };
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) return could_not_run("--root " + root + " is not a directory");
    if (!(timeout_seconds > 0 && timeout_seconds <= 600))
        return could_not_run("--timeout must be between 0 and 600 seconds");
    if (!(smoke_timeout_seconds > 0 && smoke_timeout_seconds <= 3600))
        return could_not_run("--smoke-timeout must be between 0 and 3600 seconds");
    // --smoke adds the opt-in check to what runs: every default check, or the ones named.
    const auto check_ids = vm.count("smoke") ? with_guest_smoke(requested_ids) : requested_ids;
    if (vm.count("textfile") && !std::filesystem::is_directory(textfile_dir, ec))
        return could_not_run("--textfile " + textfile_dir + " is not a directory");
    std::optional<checks::Expectations> expectations;
    if (vm.count("profile")) {
        auto loaded = profile::load_profile(profile_path);
        if (!loaded) return could_not_run(loaded.error().message);
        expectations = expectations_from(loaded.value());
    }
    const auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
    HostSettings settings{root, uri, images_dir, images_pool, timeout, smoke_guest,
                          std::chrono::milliseconds(static_cast<long>(smoke_timeout_seconds * 1000)), {}};
    // The profile's images directory and pool, unless the command line names others.
    if (expectations && expectations->images) {
        if (vm["images-dir"].defaulted()) settings.images_dir = expectations->images->path;
        if (vm["images-pool"].defaulted()) settings.images_pool = expectations->images->pool;
    }
    const int verbosity = vm.count("verbose") ? 1 : 0;
    set_up_logging(verbosity);
    spdlog::debug("reading the host under {} (libvirt {}, images {}, pool {})", root, uri, settings.images_dir,
                  settings.images_pool);

    auto host = connect_host(settings);
    auto report = run_doctor(host->facts(), check_ids, expectations ? &*expectations : nullptr);
    if (!report) return could_not_run(report.error().message);
    if (vm.count("textfile")) {
        const auto metrics = readiness_metrics(report.value(), static_cast<long long>(std::time(nullptr)));
        const auto path = std::filesystem::path(textfile_dir) / k_readiness_metrics_file;
        if (auto published = host::files::publish_file(path, metrics, 0644); !published)
            return could_not_run(published.error().message);
    }
    if (output == "json") {
        out << render_json(report.value());
    } else if (output == "nagios") {
        out << render_nagios(report.value());
    } else {
        TextStyle style;
        style.color = color == "always" || (color == "auto" && &out == &std::cout && stdout_wants_color());
        style.quiet = vm.count("quiet") > 0;
        style.verbose = verbosity > 0;
        out << render_text(report.value(), style);
    }
    out.flush();
    return exit_code_for(report.value().verdict);
}

}  // namespace agent
