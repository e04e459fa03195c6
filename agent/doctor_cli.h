#pragma once
// kvm-doctor's command line, shared with `kvm-agent status`: options in, report out, exit code back.
#include <iosfwd>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

namespace agent {

// What kvm-doctor's options ask for, filled by the options add_doctor_options describes.
struct DoctorRequest {
    std::string output = "text", color = "auto", root = "/", uri = "qemu:///system";
    std::string images_dir = "/var/lib/libvirt/images", profile_path;
    double timeout_seconds = 2.0;
    std::vector<std::string> check_ids;
};

// kvm-doctor's options (--help and --version too), bound to `request`; `kvm-agent status` adds its own to them.
void add_doctor_options(boost::program_options::options_description& options, DoctorRequest& request);

// Parses argv with the rules every command of both programs follows: `--opt value`, `--opt=value`, the short
// forms, no positional words. False when the caller should return `code`: an option error (printed, exit 3).
bool parse_command_line(const std::string& program, const boost::program_options::options_description& options,
                        int argc, const char* const* argv, boost::program_options::variables_map& vm,
                        std::ostream& err, int& code);

// Runs the checks as the parsed options ask and prints the report (--help, --version and --list as well).
int run_doctor_request(const std::string& program, const boost::program_options::options_description& options,
                       const boost::program_options::variables_map& vm, const DoctorRequest& request,
                       std::ostream& out, std::ostream& err);

// `program` names the command in usage and errors ("kvm-doctor").
int run_doctor_cli(const std::string& program, int argc, const char* const* argv, std::ostream& out,
                   std::ostream& err);

}  // namespace agent
