#include "host/exec/run_program.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <thread>

#include "tests/support/process.h"

namespace host::exec {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Program program_of(std::vector<std::string> argv, std::chrono::milliseconds timeout = 10s) {
    Program program;
    program.argv = std::move(argv);
    program.timeout = timeout;
    return program;
}

Program sh(const std::string& script) { return program_of({"/bin/sh", "-c", script}); }

// A killed orphan is gone once it no longer runs, though its reaper may take its time (tests/support/process.h).
bool process_gone(pid_t pid) {
    for (int i = 0; i < 100; ++i) {
        if (!tests::process_runs(pid)) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

TEST(RunProgram, CapturesStdoutStderrAndTheExitCode) {
    const auto result = run_program(sh("echo out; echo err >&2; exit 3"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->out, "out\n");
    EXPECT_EQ(result->err, "err\n");
    EXPECT_EQ(result->exit_code, 3);
    EXPECT_FALSE(result->succeeded());
    EXPECT_EQ(result->status(10s), "exited with 3");
    EXPECT_EQ(result->tail(), "err");
}

TEST(RunProgram, LooksTheProgramUpOnPathAndReadsNothingFromStdin) {
    const auto result = run_program(program_of({"cat"}));
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_TRUE(result->succeeded());
    EXPECT_EQ(result->out, "");
}

TEST(RunProgram, AProgramThatDoesNotExistIsAnErrorNamingIt) {
    const auto result = run_program(program_of({"no-such-program-kvm-agent", "-y"}));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message,
              "running no-such-program-kvm-agent -y: no-such-program-kvm-agent not found on PATH or not executable");
    EXPECT_FALSE(run_program(program_of({"/etc/hostname"})).ok());
    EXPECT_FALSE(run_program(Program{}).ok());
}

TEST(RunProgram, AddsEnvironmentForTheChildOnly) {
    ::setenv("KVM_AGENT_TEST_REPLACED", "parent", 1);
    auto program = sh("echo \"$KVM_AGENT_TEST_ADDED $KVM_AGENT_TEST_REPLACED $HOME\"");
    program.environment = {{"KVM_AGENT_TEST_ADDED", "noninteractive"}, {"KVM_AGENT_TEST_REPLACED", "child"}};
    const auto result = run_program(program);
    ASSERT_TRUE(result.ok());
    const char* home = std::getenv("HOME");
    EXPECT_EQ(result->out, "noninteractive child " + std::string(home ? home : "") + "\n");
    EXPECT_EQ(std::getenv("KVM_AGENT_TEST_ADDED"), nullptr);
    EXPECT_STREQ(std::getenv("KVM_AGENT_TEST_REPLACED"), "parent");
    ::unsetenv("KVM_AGENT_TEST_REPLACED");
}

TEST(RunProgram, HandsOverEachLineAsItArrives) {
    std::vector<std::string> lines;
    auto program = sh("printf 'one\\r\\ntwo\\n'; echo three >&2; printf 'no newline'");
    program.on_line = [&](Stream stream, std::string_view line) {
        lines.push_back((stream == Stream::out ? "out: " : "err: ") + std::string(line));
    };
    ASSERT_TRUE(run_program(program).ok());
    // stdout's and stderr's lines keep their own order; the two streams may interleave either way.
    std::vector<std::string> out_lines;
    for (const auto& line : lines)
        if (line.rfind("out: ", 0) == 0) out_lines.push_back(line);
    EXPECT_THAT(out_lines, ElementsAre("out: one", "out: two", "out: no newline"));
    EXPECT_THAT(lines, ::testing::Contains("err: three"));
}

TEST(RunProgram, KeepsTheLastBytesOfALargeOutput) {
    auto program = sh("i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done; echo last");
    program.output_limit = 100;
    const auto result = run_program(program);
    ASSERT_TRUE(result.ok());
    EXPECT_THAT(result->out, HasSubstr("earlier bytes not kept]\n"));
    EXPECT_THAT(result->out, ::testing::EndsWith("line1999\nlast\n"));
    EXPECT_EQ(result->tail(2), "line1999 | last");
}

TEST(RunProgram, ATimeoutKillsTheWholeProcessGroup) {
    auto program = sh("sleep 60 & echo $!; sleep 60");
    program.timeout = 500ms;
    const auto start = std::chrono::steady_clock::now();
    const auto result = run_program(program);
    ASSERT_TRUE(result.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(result->timed_out);
    EXPECT_EQ(result->exit_code, -1);
    EXPECT_EQ(result->signal, SIGTERM);
    EXPECT_THAT(result->status(program.timeout), HasSubstr("timed out after 500ms (its process group was killed)"));
    const pid_t grandchild = std::stoi(result->out);
    EXPECT_TRUE(process_gone(grandchild)) << "the background sleep " << grandchild << " survived";
}

TEST(RunProgram, AProgramIgnoringSigtermIsKilledAfterTheGrace) {
    auto program = sh("trap '' TERM; sleep 60 & echo $!; wait; sleep 60");
    program.timeout = 300ms;
    program.kill_grace = 300ms;
    const auto start = std::chrono::steady_clock::now();
    const auto result = run_program(program);
    ASSERT_TRUE(result.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(result->timed_out);
    EXPECT_EQ(result->signal, SIGKILL);
    EXPECT_TRUE(process_gone(std::stoi(result->out)));
}

TEST(RunProgram, AChildLeftBehindHoldingTheOutputDoesNotHoldTheRun) {
    const auto start = std::chrono::steady_clock::now();
    const auto result = run_program(sh("sleep 30 & echo $!; exit 0"));
    ASSERT_TRUE(result.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(result->succeeded());
    const pid_t left = std::stoi(result->out);
    EXPECT_EQ(::kill(left, 0), 0) << "only a timeout kills what the program leaves behind";
    ::kill(left, SIGKILL);
}

TEST(CommandLine, QuotesWhatAShellWouldSplitForReadingOnly) {
    EXPECT_EQ(command_line({"apt-get", "-y", "-o", "Dpkg::Options::=--force-confdef", "install", "qemu-system-x86"}),
              "apt-get -y -o Dpkg::Options::=--force-confdef install qemu-system-x86");
    EXPECT_EQ(command_line({"rpm", "--qf", "%{NAME} %{ARCH}\\n", "it's", ""}), "rpm --qf '%{NAME} %{ARCH}\\n' 'it'\\''s' ''");
}

}  // namespace
}  // namespace host::exec
