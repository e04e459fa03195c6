#include "tests/support/ansible.h"

#include <regex>

namespace tests::ansible {

std::optional<PlayRecap> play_recap(const std::string& output, const std::string& host) {
    const std::regex line("(^|\\n)" + host +
                          "\\s+:\\s+ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)\\s+skipped=(\\d+)");
    std::smatch match;
    if (!std::regex_search(output, match, line)) return std::nullopt;
    return PlayRecap{std::stoi(match[2]), std::stoi(match[3]), std::stoi(match[4]), std::stoi(match[5]),
                     std::stoi(match[6])};
}

std::vector<std::string> playbook_argv(const std::string& collections_dir, const std::string& playbook,
                                       const nlohmann::json& extra_vars, bool check) {
    // The distribution's Python and ansible-core (not a python3 of a version manager that PATH may find first).
    std::vector<std::string> argv{"env",
                                  "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                  "LC_ALL=C.UTF-8",
                                  "ANSIBLE_COLLECTIONS_PATH=" + collections_dir,
                                  "ANSIBLE_NOCOLOR=1",
                                  "ANSIBLE_RETRY_FILES_ENABLED=0",
                                  "ansible-playbook",
                                  "-c",
                                  "local",
                                  "-i",
                                  "localhost,",
                                  playbook,
                                  "-e",
                                  extra_vars.dump()};
    if (check) argv.insert(argv.end(), {"--check", "--diff"});
    return argv;
}

std::vector<std::vector<std::string>> link_collection_commands(const std::string& collections_dir,
                                                               const std::string& source_dir) {
    const std::string namespace_dir = collections_dir + "/ansible_collections/kvmhost";
    return {{"mkdir", "-p", namespace_dir}, {"ln", "-sfn", source_dir + "/packaging/ansible", namespace_dir + "/agent"}};
}

}  // namespace tests::ansible
