// The doctor's metrics as monitoring reads them on this live machine: `kvm-doctor --textfile DIR` writes
// DIR/kvm_host.prom atomically, promtool finds nothing to lint in it, and a real node_exporter's textfile
// collector serves every series without a scrape error.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/doctor_runner.h"
#include "tests/support/prometheus.h"

namespace {

namespace fs = std::filesystem;
using tests::run_process;

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class DoctorMetrics : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("kvm-doctor-metrics-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }
    fs::path m_dir;
};

TEST_F(DoctorMetrics, TextfileHoldsTheReportsMetricsAndOnlyThem) {
    const auto run = run_process({KVM_DOCTOR_BINARY, "--output", "json", "--textfile", m_dir.string()});
    ASSERT_NE(run.exit_code, 3) << run.err;
    const auto report = nlohmann::json::parse(run.out);
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(m_dir)) names.push_back(entry.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"kvm_host.prom"}) << "no temporary file is left behind";
    struct stat file{};
    ASSERT_EQ(::stat((m_dir / "kvm_host.prom").c_str(), &file), 0);
    EXPECT_EQ(file.st_mode & 07777, 0644u);

    const auto text = read_text(m_dir / "kvm_host.prom");
    const std::string verdict = report.at("verdict");
    EXPECT_NE(text.find("kvm_host_verdict{verdict=\"" + verdict + "\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find(std::string("kvm_host_ready ") + (verdict == "READY" ? "1" : "0") + "\n"), std::string::npos);
    EXPECT_NE(text.find("kvm_host_build_info{version=\""), std::string::npos) << text;
    for (const auto& check : report.at("checks")) {
        const std::string id = check.at("id");
        EXPECT_NE(text.find("kvm_host_check_status{id=\"" + id + "\",status=\"" + check.at("status").get<std::string>() +
                            "\"} 1\n"),
                  std::string::npos) << id;
        EXPECT_NE(text.find("kvm_host_check_duration_seconds{id=\"" + id + "\"} "), std::string::npos) << id;
    }
    EXPECT_EQ(text.find("kvm_host_last_apply"), std::string::npos) << "the apply's metrics are the apply's file";

    if (!tests::have_program("promtool")) GTEST_SKIP() << "promtool is not installed (Debian: prometheus)";
    EXPECT_EQ(tests::promtool_problems((m_dir / "kvm_host.prom").string()), "");
}

TEST_F(DoctorMetrics, NodeExportersTextfileCollectorServesThemWithoutAScrapeError) {
    if (tests::NodeExporter::program().empty())
        GTEST_SKIP() << "node_exporter is not installed (Debian: prometheus-node-exporter)";
    ASSERT_NE(run_process({KVM_DOCTOR_BINARY, "--quiet", "--textfile", m_dir.string()}).exit_code, 3);
    tests::NodeExporter exporter(m_dir.string());
    const auto scraped = exporter.scrape();
    ASSERT_FALSE(scraped.empty()) << exporter.error();
    EXPECT_NE(scraped.find("\nnode_textfile_scrape_error 0\n"), std::string::npos) << scraped;
    for (const char* series : {"\nkvm_host_ready ", "\nkvm_host_build_info{version=", "\nkvm_host_check_status{id=",
                               "\nkvm_host_checks_timestamp_seconds "})
        EXPECT_NE(scraped.find(series), std::string::npos) << series << " in:\n" << scraped;
}

TEST_F(DoctorMetrics, ATextfileDirectoryThatDoesNotExistIsAnErrorAndNothingIsWritten) {
    const auto missing = m_dir / "missing";
    const auto run = run_process({KVM_DOCTOR_BINARY, "--textfile", missing.string()});
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_EQ(run.err, "kvm-doctor: --textfile " + missing.string() + " is not a directory\n");
    EXPECT_FALSE(fs::exists(missing));
}

}  // namespace
