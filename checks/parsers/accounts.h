#pragma once
// /etc/passwd and /etc/group, for naming owners and finding QEMU's account and groups.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace checks {

struct Account {
    std::string name;
    unsigned uid = 0;
    unsigned gid = 0;
};

struct Group {
    std::string name;
    unsigned gid = 0;
    std::vector<std::string> members;
};

// Lines that do not parse are skipped: one broken line must not hide every other account.
std::vector<Account> parse_passwd(std::string_view text);
std::vector<Group> parse_group(std::string_view text);

const Account* find_account(const std::vector<Account>& accounts, std::string_view name);
const Group* find_group(const std::vector<Group>& groups, std::string_view name);
std::string user_name(const std::vector<Account>& accounts, unsigned uid);
std::string group_name(const std::vector<Group>& groups, unsigned gid);

}  // namespace checks
