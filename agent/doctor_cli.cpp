#include "agent/doctor_cli.h"

#include <boost/program_options.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "agent/doctor.h"
#include "agent/expectations.h"
#include "agent/report_render.h"
#include "agent/version.h"
#include "agent/wiring.h"
#include "common/journal_stream.h"

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

void add_doctor_options(po::options_description& options, DoctorRequest& request) {
    options.add_options()
        ("help,h", "show this help and exit")
        ("version", "show the version and exit")
        ("list", "list every check id with its title and exit (--output json: as JSON)")
        ("output,o", po::value(&request.output)->default_value("text"), "text | json")
        ("check,c", po::value(&request.check_ids)->composing(), "run only this check id (repeatable)")
        ("profile", po::value(&request.profile_path),
         "judge against this host profile too (net.bridge, net.bond, firewall.zones need one)")
        ("root", po::value(&request.root)->default_value("/"),
         "read the host's files under DIR (an offline or chrooted system); live-service checks SKIP")
        ("connect", po::value(&request.uri)->default_value("qemu:///system"), "libvirt URI for the libvirt.* checks")
        ("images-dir", po::value(&request.images_dir)->default_value("/var/lib/libvirt/images"),
         "directory that holds guest images")
        ("timeout", po::value(&request.timeout_seconds)->default_value(2.0, "2"),
         "seconds each live call (D-Bus, the KVM probe) may take before its check WARNs that it is slow; "
         "libvirt, which probes QEMU after a start, five times as long")
        ("quiet,q", "print only checks that did not PASS (a FAIL is never hidden)")
        ("color", po::value(&request.color)->default_value("auto"), "auto | always | never")
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
    const auto& [output, color, root, uri, images_dir, profile_path, timeout_seconds, check_ids] = request;
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
    if (output != "text" && output != "json") {
        err << program << ": --output must be text or json, not \"" << output << "\"\n";
        return k_exit_could_not_run;
    }
    if (vm.count("list")) {
        out << (output == "json" ? render_catalogue_json() : render_catalogue());
        return 0;
    }
    if (color != "auto" && color != "always" && color != "never") {
        err << program << ": --color must be auto, always or never, not \"" << color << "\"\n";
        return k_exit_could_not_run;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
        err << program << ": --root " << root << " is not a directory\n";
        return k_exit_could_not_run;
    }
    if (!(timeout_seconds > 0 && timeout_seconds <= 600)) {
        err << program << ": --timeout must be between 0 and 600 seconds\n";
        return k_exit_could_not_run;
    }
    std::optional<checks::Expectations> expectations;
    if (vm.count("profile")) {
        auto loaded = profile::load_profile(profile_path);
        if (!loaded) {
            err << program << ": " << loaded.error().message << "\n";
            return k_exit_could_not_run;
        }
        expectations = expectations_from(loaded.value());
    }
    const int verbosity = vm.count("verbose") ? 1 : 0;
    set_up_logging(verbosity);
    spdlog::debug("reading the host under {} (libvirt {}, images {})", root, uri, images_dir);

    const auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
    auto host = connect_host({root, uri, images_dir, "default", timeout});
    auto report = run_doctor(host->facts(), check_ids, expectations ? &*expectations : nullptr);
    if (!report) {
        err << program << ": " << report.error().message << "\n";
        return k_exit_could_not_run;
    }
    if (output == "json") {
        out << render_json(report.value());
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
