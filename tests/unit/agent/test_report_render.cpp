#include "agent/report_render.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "checks/catalogue.h"

namespace agent {
namespace {

using checks::CheckResult;
using checks::Status;

DoctorReport sample_report() {
    DoctorReport report;
    report.results = {
        {"cpu.virt-extensions", "Hardware virtualization (vmx/svm)", Status::pass, "vmx (Intel VT-x) on 8/8 CPUs", "",
         std::chrono::milliseconds(1)},
        {"net.ip-forward", "IPv4 forwarding, runtime and persisted", Status::warn, "runtime 1, persisted unset",
         "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-kvm-host.conf", std::chrono::milliseconds(2)},
        {"dev.kvm.exists", "Device /dev/kvm exists", Status::fail, "/dev/kvm does not exist", "modprobe kvm_intel",
         std::chrono::milliseconds(0)},
        {"kvm.functional", "KVM runs a guest", Status::skip, "--root given: no live services", "",
         std::chrono::milliseconds(0)},
        {"host.os", "Operating system", Status::error, "cannot read /etc/os-release",
         "make the input readable, then run the check again", std::chrono::milliseconds(42)},
    };
    report.verdict = checks::Verdict::not_ready;
    return report;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// The lines that start a check (two spaces then the id), not its evidence or fix lines.
std::vector<std::string> check_lines(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& line : split_lines(text))
        if (line.starts_with("  ") && !line.starts_with("      ")) out.push_back(line);
    return out;
}

// A host file can hold terminal escapes; whatever a check quotes, the terminal gets them as text.
TEST(RenderText, ShowsControlCharactersInEvidenceAndFixEscaped) {
    DoctorReport report;
    report.results = {{"x", "t", Status::warn, "value \x1b]0;pwned\x07\x1b[2J\nsecond line", "fix\rit", {}}};
    report.verdict = checks::Verdict::degraded;
    const auto text = render_text(report, TextStyle{});
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_NE(text.find("      value \\x1b]0;pwned\\x07\\x1b[2J\\nsecond line\n"), std::string::npos) << text;
    EXPECT_NE(text.find("      fix: fix\\x0dit\n"), std::string::npos) << text;
}

// --- render_json ---

TEST(RenderJson, HasExactlyTheDocumentedKeys) {
    const auto document = nlohmann::json::parse(render_json(sample_report()));
    std::set<std::string> keys;
    for (const auto& [key, value] : document.items()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"version", "verdict", "checks"}));
    EXPECT_EQ(document["version"], 1);
    EXPECT_EQ(document["verdict"], "NOT_READY");
    ASSERT_TRUE(document["checks"].is_array());
    ASSERT_EQ(document["checks"].size(), 5u);
    for (const auto& check : document["checks"]) {
        std::set<std::string> check_keys;
        for (const auto& [key, value] : check.items()) check_keys.insert(key);
        EXPECT_EQ(check_keys, (std::set<std::string>{"id", "title", "status", "evidence", "fix", "duration_ms"}));
        EXPECT_TRUE(check["duration_ms"].is_number_integer());
        EXPECT_TRUE(check["fix"].is_string());
    }
}

TEST(RenderJson, CarriesEachResultInOrder) {
    const auto document = nlohmann::json::parse(render_json(sample_report()));
    const auto& checks_array = document["checks"];
    EXPECT_EQ(checks_array[0]["id"], "cpu.virt-extensions");
    EXPECT_EQ(checks_array[0]["status"], "PASS");
    EXPECT_EQ(checks_array[0]["fix"], "");
    EXPECT_EQ(checks_array[1]["status"], "WARN");
    EXPECT_EQ(checks_array[1]["fix"], "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-kvm-host.conf");
    EXPECT_EQ(checks_array[2]["title"], "Device /dev/kvm exists");
    EXPECT_EQ(checks_array[2]["status"], "FAIL");
    EXPECT_EQ(checks_array[3]["status"], "SKIP");
    EXPECT_EQ(checks_array[4]["status"], "ERROR");
    EXPECT_EQ(checks_array[4]["evidence"], "cannot read /etc/os-release");
    EXPECT_EQ(checks_array[4]["duration_ms"], 42);
}

TEST(RenderJson, PutsVersionFirstForReadersThatStream) {
    const auto text = render_json(sample_report());
    EXPECT_LT(text.find("\"version\""), text.find("\"verdict\""));
    EXPECT_LT(text.find("\"verdict\""), text.find("\"checks\""));
    EXPECT_EQ(text.back(), '\n');
}

TEST(RenderJson, EscapesQuotesAndControlCharacters) {
    DoctorReport report;
    report.results = {{"x", "t", Status::warn, "vnc_listen = \"0.0.0.0\"\tline\nnext", "a\\b", {}}};
    report.verdict = checks::Verdict::degraded;
    const auto document = nlohmann::json::parse(render_json(report));
    EXPECT_EQ(document["checks"][0]["evidence"], "vnc_listen = \"0.0.0.0\"\tline\nnext");
    EXPECT_EQ(document["checks"][0]["fix"], "a\\b");
}

TEST(RenderJson, ReplacesInvalidUtf8InsteadOfThrowing) {
    DoctorReport report;
    report.results = {{"host.os", "Operating system", Status::pass, std::string("Caf\xe9 Linux \xff\xfe"), "", {}}};
    std::string text;
    ASSERT_NO_THROW(text = render_json(report));
    const auto document = nlohmann::json::parse(text);
    const std::string evidence = document["checks"][0]["evidence"];
    EXPECT_EQ(evidence.rfind("Caf", 0), 0u) << evidence;
    EXPECT_NE(evidence.find("\xef\xbf\xbd"), std::string::npos) << "expected U+FFFD replacement: " << evidence;
    EXPECT_NE(evidence.find(" Linux "), std::string::npos) << evidence;
}

TEST(RenderJson, RendersAnEmptyReport) {
    const auto document = nlohmann::json::parse(render_json(DoctorReport{}));
    EXPECT_EQ(document["verdict"], "READY");
    EXPECT_TRUE(document["checks"].is_array());
    EXPECT_TRUE(document["checks"].empty());
}

// --- render_text ---

TEST(RenderText, AlignsTheStatusColumn) {
    const auto lines = check_lines(render_text(sample_report(), {}));
    ASSERT_EQ(lines.size(), 5u);
    const auto column = lines[0].find(" : ");
    ASSERT_NE(column, std::string::npos);
    for (const auto& line : lines) EXPECT_EQ(line.find(" : "), column) << line;
    EXPECT_EQ(lines[0].substr(column), " : PASS");
    EXPECT_EQ(lines[2].substr(column), " : FAIL");
    // Titles start in one column too.
    for (const auto& line : lines)
        EXPECT_EQ(line.find_first_not_of(' ', line.find(' ', 2)), lines[0].find("Hardware")) << line;
}

TEST(RenderText, ShowsEvidenceAndFixOnlyForNonPass) {
    const auto text = render_text(sample_report(), {});
    EXPECT_EQ(text.find("vmx (Intel VT-x) on 8/8 CPUs"), std::string::npos) << text;
    EXPECT_NE(text.find("      runtime 1, persisted unset\n      fix: echo 'net.ipv4.ip_forward = 1'"), std::string::npos)
        << text;
    EXPECT_NE(text.find("      /dev/kvm does not exist\n      fix: modprobe kvm_intel\n"), std::string::npos) << text;
    EXPECT_NE(text.find("      --root given: no live services\n"), std::string::npos) << text;
    EXPECT_NE(text.find("      fix: make the input readable"), std::string::npos) << text;
}

TEST(RenderText, VerboseShowsPassEvidenceButNoFixLine) {
    TextStyle style;
    style.verbose = true;
    const auto text = render_text(sample_report(), style);
    EXPECT_NE(text.find("      vmx (Intel VT-x) on 8/8 CPUs\n"), std::string::npos) << text;
}

TEST(RenderText, NeverPrintsAFixLineForAPass) {
    DoctorReport report;
    report.results = {{"host.os", "Operating system", Status::pass, "Debian 12", "stray fix text", {}}};
    TextStyle style;
    style.verbose = true;
    const auto text = render_text(report, style);
    EXPECT_NE(text.find("Debian 12"), std::string::npos) << text;
    EXPECT_EQ(text.find("fix:"), std::string::npos) << text;
}

TEST(RenderText, QuietHidesPassButNeverFail) {
    TextStyle style;
    style.quiet = true;
    const auto text = render_text(sample_report(), style);
    EXPECT_EQ(text.find("cpu.virt-extensions"), std::string::npos) << text;
    EXPECT_NE(text.find("dev.kvm.exists"), std::string::npos) << text;
    EXPECT_NE(text.find("net.ip-forward"), std::string::npos) << text;
    EXPECT_NE(text.find("kvm.functional"), std::string::npos) << text;
    EXPECT_NE(text.find("host.os"), std::string::npos) << text;
    // The summary still counts the hidden PASS.
    EXPECT_NE(text.find("(1 PASS, 1 WARN, 1 FAIL, 1 ERROR, 1 SKIP)"), std::string::npos) << text;
}

TEST(RenderText, EndsWithTheVerdictAndCounts) {
    const auto lines = split_lines(render_text(sample_report(), {}));
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), "Verdict: NOT_READY (1 PASS, 1 WARN, 1 FAIL, 1 ERROR, 1 SKIP)");
}

TEST(RenderText, HasNoColourCodesUnlessAsked) {
    const auto plain = render_text(sample_report(), {});
    EXPECT_EQ(plain.find('\033'), std::string::npos);

    TextStyle style;
    style.color = true;
    const auto coloured = render_text(sample_report(), style);
    EXPECT_NE(coloured.find("\033[32mPASS\033[0m"), std::string::npos) << coloured;
    EXPECT_NE(coloured.find("\033[31mFAIL\033[0m"), std::string::npos) << coloured;
    EXPECT_NE(coloured.find("Verdict: \033[31mNOT_READY\033[0m"), std::string::npos) << coloured;
}

TEST(RenderText, ColoursKeepTheColumnsAligned) {
    TextStyle style;
    style.color = true;
    const auto lines = check_lines(render_text(sample_report(), style));
    ASSERT_EQ(lines.size(), 5u);
    for (const auto& line : lines) EXPECT_EQ(line.find(" : "), lines[0].find(" : ")) << line;
}

TEST(RenderText, ColoursAReadyVerdictGreen) {
    DoctorReport report;
    report.results = {{"host.os", "Operating system", Status::pass, "RHEL 9", "", {}}};
    TextStyle style;
    style.color = true;
    EXPECT_NE(render_text(report, style).find("Verdict: \033[32mREADY\033[0m (1 PASS, 0 WARN"), std::string::npos);
}

// --- render_catalogue ---

TEST(RenderCatalogue, ListsEveryIdWithItsTitleOnePerLine) {
    const auto lines = split_lines(render_catalogue());
    ASSERT_EQ(lines.size(), checks::catalogue().size());
    const auto title_column = lines[0].find(std::string(checks::catalogue()[0].title));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& spec = checks::catalogue()[i];
        EXPECT_EQ(lines[i].rfind(std::string(spec.id) + " ", 0), 0u) << lines[i];
        EXPECT_EQ(lines[i].find(std::string(spec.title)), title_column) << lines[i];
    }
}

// --output nagios: a monitoring plugin's status line first (state, verdict, counts, perfdata), then what is wrong,
// worst first, one line each.
TEST(RenderNagios, StartsWithTheStateVerdictCountsAndPerfdataThenListsWhatIsWrongWorstFirst) {
    const auto lines = split_lines(render_nagios(sample_report()));
    ASSERT_EQ(lines.size(), 4u) << render_nagios(sample_report());
    EXPECT_EQ(lines[0], "KVM-HOST CRITICAL - NOT_READY: 1 PASS, 1 WARN, 1 FAIL, 1 ERROR, 1 SKIP | pass=1 warn=1 fail=1 "
                        "error=1 skip=1 duration=0.045s");
    EXPECT_EQ(lines[1], "FAIL dev.kvm.exists: /dev/kvm does not exist (fix: modprobe kvm_intel)");
    EXPECT_EQ(lines[2], "ERROR host.os: cannot read /etc/os-release (fix: make the input readable, then run the check again)");
    EXPECT_EQ(lines[3], "WARN net.ip-forward: runtime 1, persisted unset (fix: echo 'net.ipv4.ip_forward = 1' > "
                        "/etc/sysctl.d/90-kvm-host.conf)");
}

TEST(RenderNagios, NamesTheStateOfEachVerdictAsTheExitCodeDoes) {
    DoctorReport report;
    report.results = {{"host.os", "Operating system", Status::pass, "Debian 12", "", std::chrono::milliseconds(3)}};
    report.verdict = checks::Verdict::ready;
    EXPECT_EQ(render_nagios(report), "KVM-HOST OK - READY: 1 PASS, 0 WARN, 0 FAIL, 0 ERROR, 0 SKIP | pass=1 warn=0 "
                                     "fail=0 error=0 skip=0 duration=0.003s\n");
    report.verdict = checks::Verdict::degraded;
    EXPECT_EQ(render_nagios(report).rfind("KVM-HOST WARNING - DEGRADED: ", 0), 0u);
}

// A '|' in the long text would be read as the start of more perfdata; control characters never reach the console.
TEST(RenderNagios, KeepsPipesAndControlCharactersOutOfTheLongText) {
    DoctorReport report;
    report.results = {{"net.persistent", "Persisted", Status::warn, "br0 | bond0\x1b[31m", "a | b",
                       std::chrono::milliseconds(0)}};
    report.verdict = checks::Verdict::degraded;
    const auto lines = split_lines(render_nagios(report));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1].find('|'), std::string::npos) << lines[1];
    EXPECT_EQ(lines[1].find('\x1b'), std::string::npos) << lines[1];
}

}  // namespace
}  // namespace agent
