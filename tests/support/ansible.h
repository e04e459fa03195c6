#pragma once
// Running the project's Ansible collection (packaging/ansible) as an admin does, for the netns and system tiers:
// ansible-playbook with `-c local` over the test playbooks of tests/fixtures/ansible/, the collection found
// through ANSIBLE_COLLECTIONS_PATH, and the outcome read from what Ansible prints (PLAY RECAP) and from the
// task's registered result, which the playbook writes to a file.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tests::ansible {

// The counts of one host's PLAY RECAP line ("localhost : ok=2 changed=1 unreachable=0 failed=0 ...").
struct PlayRecap {
    int ok = 0;
    int changed = 0;
    int unreachable = 0;
    int failed = 0;
    int skipped = 0;
};

// The recap of `host` in ansible-playbook's output; nothing when the output has none.
std::optional<PlayRecap> play_recap(const std::string& output, const std::string& host = "localhost");

// The argv that runs `playbook` against localhost with `-c local`, the collection from `collections_dir`
// (a directory holding ansible_collections/kvmhost/agent) and `extra_vars` as JSON; `check` adds --check --diff.
// It starts with `env`, so it runs the same under `ip netns exec` and in a guest.
std::vector<std::string> playbook_argv(const std::string& collections_dir, const std::string& playbook,
                                       const nlohmann::json& extra_vars, bool check = false);

// The commands that make `collections_dir` hold the collection of `source_dir` (the checkout) as
// ansible_collections/kvmhost/agent, a symlink to its packaging/ansible.
std::vector<std::vector<std::string>> link_collection_commands(const std::string& collections_dir,
                                                               const std::string& source_dir);

}  // namespace tests::ansible
