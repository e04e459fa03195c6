#include "profile/duration.h"

#include <gtest/gtest.h>

namespace profile {
namespace {

using namespace std::chrono_literals;

TEST(ProfileDuration, ReadsUnitsLargestFirst) {
    EXPECT_EQ(parse_duration("60s"), 60s);
    EXPECT_EQ(parse_duration("60"), 60s) << "a bare number is seconds";
    EXPECT_EQ(parse_duration("2m"), 120s);
    EXPECT_EQ(parse_duration("1m30s"), 90s);
    EXPECT_EQ(parse_duration("500ms"), 500ms);
    EXPECT_EQ(parse_duration("1h2m3s4ms"), 1h + 2min + 3s + 4ms);
    EXPECT_EQ(parse_duration("168h"), 168h);
}

TEST(ProfileDuration, RefusesAnythingElse) {
    for (const char* bad : {"", "0", "0s", "-1s", "1.5s", "60 s", "60 seconds", "s", "1m1h", "1s1s", "1m30",
                            "169h", "99999999999999999999s", "1d", "1S"})
        EXPECT_FALSE(parse_duration(bad)) << bad;
}

}  // namespace
}  // namespace profile
