#pragma once
// kvm-doctor's command line, shared with `kvm-agent status`: options in, report out, exit code back.
#include <iosfwd>
#include <string>

namespace agent {

// `program` names the command in usage and errors ("kvm-doctor", "kvm-agent status").
int run_doctor_cli(const std::string& program, int argc, const char* const* argv, std::ostream& out,
                   std::ostream& err);

}  // namespace agent
