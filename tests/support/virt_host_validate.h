#pragma once
// virt-host-validate's QEMU lines, "  QEMU: Checking for hardware virtualization   : FAIL (reason)",
// as {"for hardware virtualization": "FAIL"}: the tiers compare the doctor's verdicts with these.
#include <map>
#include <regex>
#include <sstream>
#include <string>

namespace tests {

inline std::map<std::string, std::string> parse_virt_host_validate(const std::string& output) {
    static const std::regex line(R"(QEMU: Checking (.*?)\s*: (PASS|WARN|FAIL))");
    std::map<std::string, std::string> results;
    std::istringstream lines(output);
    for (std::string text; std::getline(lines, text);) {
        std::smatch match;
        if (std::regex_search(text, match, line)) results[match[1]] = match[2];
    }
    return results;
}

}  // namespace tests
