// Hostile profiles: each file under tests/fixtures/profiles/hostile/ is refused with the exact message listed
// in expected.txt ("NAME  MESSAGE" per line), checked against a host that has lo and eno1..eno4.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "profile/profile.h"

namespace profile {
namespace {

const std::filesystem::path k_dir = std::filesystem::path(KVM_FIXTURES_DIR) / "profiles" / "hostile";

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// expected.txt: "# comment", blank lines, or NAME, two or more spaces, then the message to the end of the line.
std::map<std::string, std::string> expected_messages() {
    std::map<std::string, std::string> table;
    std::istringstream in(file_text(k_dir / "expected.txt"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        const auto gap = line.find("  ");
        if (gap == std::string::npos) continue;
        table[line.substr(0, gap)] = line.substr(line.find_first_not_of(' ', gap));
    }
    return table;
}

std::set<netconfig::IfName> fake_host() {
    std::set<netconfig::IfName> names;
    for (const char* name : {"lo", "eno1", "eno2", "eno3", "eno4"}) names.insert(netconfig::IfName(name));
    return names;
}

TEST(HostileProfiles, EachIsRefusedWithItsExactMessage) {
    const auto expected = expected_messages();
    const auto host = fake_host();
    std::size_t files = 0;
    for (const auto& file : std::filesystem::directory_iterator(k_dir)) {
        if (file.path().extension() != ".yaml") continue;
        ++files;
        const auto name = file.path().stem().string();
        const auto loaded = parse_profile(file_text(file.path()), "host.yaml", &host);
        ASSERT_FALSE(loaded.ok()) << name << " was accepted";
        const auto it = expected.find(name);
        if (it == expected.end()) {
            ADD_FAILURE() << "no expected message for " << name << "; it says:\n" << name << "  " << loaded.error().message;
            continue;
        }
        EXPECT_EQ(loaded.error().message, it->second) << name;
    }
    EXPECT_GE(files, 30u);
    EXPECT_EQ(files, expected.size()) << "expected.txt lists a case without a file";
}

}  // namespace
}  // namespace profile
