#include "checks/parsers/accounts.h"

#include "common/text.h"

namespace checks {

std::vector<Account> parse_passwd(std::string_view text) {
    std::vector<Account> accounts;
    for (auto line : common::lines(text)) {
        const auto fields = common::split(line, ':');
        if (fields.size() < 4 || fields[0].empty()) continue;
        const auto uid = common::parse_uint(fields[2]);
        const auto gid = common::parse_uint(fields[3]);
        if (!uid || !gid || *uid > 0xffffffffu || *gid > 0xffffffffu) continue;
        accounts.push_back({std::string(fields[0]), static_cast<unsigned>(*uid), static_cast<unsigned>(*gid)});
    }
    return accounts;
}

std::vector<Group> parse_group(std::string_view text) {
    std::vector<Group> groups;
    for (auto line : common::lines(text)) {
        const auto fields = common::split(line, ':');
        if (fields.size() < 3 || fields[0].empty()) continue;
        const auto gid = common::parse_uint(fields[2]);
        if (!gid || *gid > 0xffffffffu) continue;
        Group group{std::string(fields[0]), static_cast<unsigned>(*gid), {}};
        if (fields.size() > 3)
            for (auto member : common::split(fields[3], ','))
                if (!common::trim(member).empty()) group.members.emplace_back(common::trim(member));
        groups.push_back(std::move(group));
    }
    return groups;
}

const Account* find_account(const std::vector<Account>& accounts, std::string_view name) {
    for (const auto& account : accounts)
        if (account.name == name) return &account;
    return nullptr;
}

const Group* find_group(const std::vector<Group>& groups, std::string_view name) {
    for (const auto& group : groups)
        if (group.name == name) return &group;
    return nullptr;
}

std::string user_name(const std::vector<Account>& accounts, unsigned uid) {
    for (const auto& account : accounts)
        if (account.uid == uid) return account.name;
    return std::to_string(uid);
}

std::string group_name(const std::vector<Group>& groups, unsigned gid) {
    for (const auto& group : groups)
        if (group.gid == gid) return group.name;
    return std::to_string(gid);
}

}  // namespace checks
