#pragma once
// kvm-doctor's command line, shared with `kvm-agent status`: options in, report out, exit code back.
#include <iosfwd>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>

namespace agent {

// What kvm-doctor's options ask for, filled by the options add_doctor_options describes.
struct DoctorRequest {
    std::string output = "text", color = "auto", root = "/", uri = "qemu:///system";
    std::string images_dir = "/var/lib/libvirt/images", images_pool = "default", profile_path;
    double timeout_seconds = 2.0;
    std::vector<std::string> check_ids;
    std::string textfile_dir;  // --textfile: also publish the metrics there
    std::string smoke_guest;   // --smoke-guest: the guest libvirt.guest-smoke boots
    double smoke_timeout_seconds = 60.0;
};

// kvm-doctor's options (--help and --version too), bound to `request`; `kvm-agent status` adds its own to them.
void add_doctor_options(boost::program_options::options_description& options, DoctorRequest& request);

// An option whose value must be one of `choices` (the first is the default): any other value is an option error
// like any other, "--output must be text or json, not "xml"" (exit 3), for every command alike.
boost::program_options::typed_value<std::string>* one_of(std::string* target, const std::string& option,
                                                         std::vector<std::string> choices);

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
