#include "common/stop_signal.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace common {
namespace {

// The handler only records: the process lives on and says which signal came.
TEST(StopSignal, ARecordedSignalIsReportedAndTheProcessLivesOn) {
    clear_stop();
    install_stop_handlers();
    EXPECT_FALSE(stop_reason());
    ASSERT_EQ(::raise(SIGHUP), 0);
    EXPECT_EQ(stop_signal(), SIGHUP);
    EXPECT_EQ(stop_reason(), "interrupted by SIGHUP");
    ASSERT_EQ(::raise(SIGTERM), 0);
    EXPECT_EQ(stop_reason(), "interrupted by SIGTERM");
    clear_stop();
    EXPECT_EQ(stop_signal(), 0);
    // The unit tests run on: put the default dispositions back.
    for (const int signal : {SIGTERM, SIGINT, SIGHUP}) ::signal(signal, SIG_DFL);
}

}  // namespace
}  // namespace common
