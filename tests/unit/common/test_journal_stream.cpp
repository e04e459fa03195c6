// JOURNAL_STREAM is believed only when it names the stream stderr really is.
#include "common/journal_stream.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace {

class JournalStream : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* value = std::getenv("JOURNAL_STREAM")) m_saved = value;
    }
    void TearDown() override {
        if (m_saved) ::setenv("JOURNAL_STREAM", m_saved->c_str(), 1);
        else ::unsetenv("JOURNAL_STREAM");
    }
    static std::string stderr_identity() {
        struct stat info {};
        EXPECT_EQ(::fstat(STDERR_FILENO, &info), 0);
        return std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino);
    }
    std::optional<std::string> m_saved;
};

TEST_F(JournalStream, UnsetIsNotTheJournal) {
    ::unsetenv("JOURNAL_STREAM");
    EXPECT_FALSE(common::stderr_is_journal());
}

TEST_F(JournalStream, TheVariableNamingStderrIsTheJournal) {
    ::setenv("JOURNAL_STREAM", stderr_identity().c_str(), 1);
    EXPECT_TRUE(common::stderr_is_journal());
}

// A command run from a service inherits the variable with its stderr sent to a file.
TEST_F(JournalStream, AnInheritedVariableForAnotherStreamIsNot) {
    ::setenv("JOURNAL_STREAM", (stderr_identity() + "1").c_str(), 1);
    EXPECT_FALSE(common::stderr_is_journal());
    for (const char* junk : {"", ":", "8:", ":12", "x:y", "12"}) {
        ::setenv("JOURNAL_STREAM", junk, 1);
        EXPECT_FALSE(common::stderr_is_journal()) << junk;
    }
}

}  // namespace
