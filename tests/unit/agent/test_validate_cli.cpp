// `kvm-agent validate` through the binary: the profile alone, never the host. The good fixtures and the shipped
// example pass; every hostile fixture fails with its exact message, except the three whose only fault is an
// interface this host lacks, which validate cannot know and so accepts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/json_schema.h"
#include "tests/support/process.h"

namespace tests {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class ValidateCli : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("kvm-validate-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    fs::path write_profile(const std::string& text) {
        const auto path = m_dir / "host.yaml";
        std::ofstream(path) << text;
        return path;
    }
    static ProcessResult validate(const std::vector<std::string>& args) {
        std::vector<std::string> argv{KVM_AGENT_BINARY, "validate"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv);
    }

    fs::path m_dir;
};

TEST_F(ValidateCli, TheGoodFixturesAndTheShippedExampleAreValid) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(KVM_FIXTURES_DIR) / "profiles" / "good")) {
        const auto run = validate({"--profile", entry.path().string()});
        EXPECT_EQ(run.exit_code, 0) << entry.path() << ": " << run.out << run.err;
        EXPECT_NE(run.out.find(": valid (sections: "), std::string::npos) << run.out;
        ++count;
    }
    EXPECT_GE(count, 3);
    const auto example = validate({"--profile", KVM_SOURCE_DIR "/packaging/profile/host.yaml"});
    EXPECT_EQ(example.exit_code, 0) << example.err;
    EXPECT_NE(example.out.find("valid (no sections: it changes nothing)"), std::string::npos) << example.out;
}

// docs/kickstart.md's %post validates the profile it writes: that profile, as the doc has it, is valid.
TEST_F(ValidateCli, TheKickstartDocsProfileIsValid) {
    const auto doc = read_text(KVM_SOURCE_DIR "/docs/kickstart.md");
    const std::string opening = "cat >/etc/kvm-agent/host.yaml <<'EOF'\n";
    const auto start = doc.find(opening);
    ASSERT_NE(start, std::string::npos) << "docs/kickstart.md no longer writes the profile with a here-document";
    const auto body = start + opening.size();
    const auto end = doc.find("\nEOF\n", body);
    ASSERT_NE(end, std::string::npos);
    EXPECT_NE(doc.find("kvm-agent validate --profile /etc/kvm-agent/host.yaml"), std::string::npos);
    const auto profile = write_profile(doc.substr(body, end - body + 1));
    const auto run = validate({"--profile", profile.string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("sections: kvm, packages, libvirt, network, firewall, storage"), std::string::npos)
        << run.out;
}

TEST_F(ValidateCli, EveryHostileFixtureIsInvalidWithItsMessageButForInterfacesThisHostLacks) {
    const fs::path hostile = fs::path(KVM_FIXTURES_DIR) / "profiles" / "hostile";
    std::istringstream table(read_text(hostile / "expected.txt"));
    int invalid = 0, host_only = 0;
    for (std::string line; std::getline(table, line);) {
        const auto gap = line.find("  ");
        if (line.empty() || line.front() == '#' || gap == std::string::npos) continue;
        const auto name = line.substr(0, gap);
        const auto message = line.substr(line.find_first_not_of(' ', gap));
        const auto profile = write_profile(read_text(hostile / (name + ".yaml")));
        const auto run = validate({"--profile", profile.string()});
        if (message.find("is neither in the profile nor on the host") != std::string::npos) {
            EXPECT_EQ(run.exit_code, 0) << name << ": validate looked at the host: " << run.err;
            ++host_only;
            continue;
        }
        EXPECT_EQ(run.exit_code, 3) << name << ": " << run.out << run.err;
        // Messages name the file as given: host.yaml:LINE:COL becomes <dir>/host.yaml:LINE:COL here.
        EXPECT_EQ(run.err, (m_dir / message).string() + "\n") << name;
        EXPECT_EQ(run.out, "") << name;
        ++invalid;
    }
    EXPECT_GE(invalid, 30);
    EXPECT_EQ(host_only, 3);
}

TEST_F(ValidateCli, JsonListsEveryProblemOrTheSections) {
    const auto bad = write_profile("network:\n  interfaces:\n  - name: br0\n    type: linux-bridge\n"
                                   "    ipv4: {enabled: true, address: [{ip: 192.0.2.300, prefix-length: 24}]}\n"
                                   "kvm: {nested: maybe}\n");
    const auto invalid = validate({"--profile", bad.string(), "--output", "json"});
    EXPECT_EQ(invalid.exit_code, 3) << invalid.err;
    EXPECT_EQ(schema_violations(invalid.out, "validate"), "");
    const auto report = nlohmann::json::parse(invalid.out);
    EXPECT_EQ(report.at("version"), 1);
    EXPECT_EQ(report.at("valid"), false);
    EXPECT_EQ(report.at("profile"), bad.string());
    ASSERT_GE(report.at("problems").size(), 1u) << invalid.out;
    EXPECT_EQ(report.at("problems")[0].get<std::string>().rfind(bad.string() + ":", 0), 0u) << invalid.out;

    const auto good = write_profile("kvm: {nested: true}\nsysctl: {net.ipv4.ip_forward: \"1\"}\n");
    fs::permissions(good, fs::perms::owner_read | fs::perms::owner_write);
    const auto valid = validate({"--profile", good.string(), "-ojson"});
    EXPECT_EQ(valid.exit_code, 0) << valid.err;
    EXPECT_EQ(schema_violations(valid.out, "validate"), "");
    const auto sections = nlohmann::json::parse(valid.out);
    EXPECT_EQ(sections.at("valid"), true);
    EXPECT_EQ(sections.at("sections"), nlohmann::json::array({"kvm", "sysctl"}));
    EXPECT_TRUE(sections.at("problems").empty());
}

// kvm-doctor --list --output json: every check of the catalogue, in the schema's shape, the same ids as the text.
TEST_F(ValidateCli, TheDoctorsCatalogueAsJsonConformsAndListsTheSameIdsAsTheText) {
    const auto json = run_process({KVM_DOCTOR_BINARY, "--list", "--output=json"});
    EXPECT_EQ(json.exit_code, 0);
    EXPECT_EQ(schema_violations(json.out, "catalogue"), "");
    const auto text = run_process({KVM_DOCTOR_BINARY, "--list"});
    std::istringstream lines(text.out);
    std::vector<std::string> text_ids, json_ids;
    for (std::string line; std::getline(lines, line);) text_ids.push_back(line.substr(0, line.find(' ')));
    const auto catalogue = nlohmann::json::parse(json.out);
    for (const auto& check : catalogue.at("checks")) json_ids.push_back(check.at("id"));
    EXPECT_EQ(json_ids, text_ids);
    EXPECT_GE(json_ids.size(), 30u);
}

TEST_F(ValidateCli, AFileOthersCanWriteIsValidWithANoteThatApplyWouldRefuseIt) {
    const auto profile = write_profile("kvm: {nested: true}\n");
    fs::permissions(profile, fs::perms::others_write, fs::perm_options::add);
    const auto run = validate({"--profile", profile.string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.err.find("note: kvm-agent plan and apply would refuse this file"), std::string::npos) << run.err;
}

TEST_F(ValidateCli, AMissingFileOrABadOptionExitsThree) {
    const auto missing = validate({"--profile", (m_dir / "missing.yaml").string()});
    EXPECT_EQ(missing.exit_code, 3);
    EXPECT_NE(missing.err.find("missing.yaml"), std::string::npos) << missing.err;
    EXPECT_EQ(validate({"--output", "yaml"}).exit_code, 3);
    EXPECT_EQ(validate({"--frobnicate"}).exit_code, 3);
}

}  // namespace
}  // namespace tests
