// /etc/passwd and /etc/group: the same bytes as both files, then the lookups on what parsed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/parsers/accounts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto accounts = checks::parse_passwd(text);
    const auto groups = checks::parse_group(text);
    for (const auto& account : accounts) {
        (void)checks::find_account(accounts, account.name);
        (void)checks::group_name(groups, account.gid);
    }
    for (const auto& group : groups) (void)checks::find_group(groups, group.name);
    (void)checks::user_name(accounts, 107);
    return 0;
}
