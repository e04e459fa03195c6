#include "host/dbus/system_bus.h"

#include <gtest/gtest.h>

namespace host::dbus {
namespace {

TEST(DbusOverrun, AnAnswerThatDidNotComeInTimeIsAnOverrun) {
    // sd-bus's own timeout, and the names it maps ETIMEDOUT to.
    EXPECT_TRUE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.NoReply", "Method call timed out")));
    EXPECT_TRUE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.Timeout", "Connection timed out")));
    EXPECT_TRUE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.TimedOut", "Connection timed out")));
    EXPECT_TRUE(is_overrun(sdbus::Error("System.Error.ETIMEDOUT", "Connection timed out")));
}

TEST(DbusOverrun, ADaemonThatExitedWithTheCallPendingIsNoOverrun) {
    // What the bus answers for the daemon that died: it will never carry the call out, so nothing is worth waiting
    // for. dbus-daemon's words (Debian), then dbus-broker's (RHEL).
    EXPECT_FALSE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.NoReply",
                                         "Message recipient disconnected from message bus without replying")));
    EXPECT_FALSE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.NoReply", "Remote peer disconnected")));
}

TEST(DbusOverrun, OnlyTheNoReplyOfADaemonThatExitedSaysDisconnected) {
    // "disconnected" in another error's text says nothing about the answer: a timeout stays a timeout.
    EXPECT_TRUE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.Timeout",
                                        "Timed out waiting for the device to be disconnected")));
    EXPECT_FALSE(is_overrun(sdbus::Error("org.freedesktop.NetworkManager.Device.NotActive",
                                         "The device is disconnected and has no timeout")));
    // A name that only contains an overrun's name is another error.
    EXPECT_FALSE(is_overrun(sdbus::Error("org.example.Error.NoReplyExpected", "no reply was expected")));
}

TEST(DbusOverrun, ARefusalOrAnAbsentDaemonIsNoOverrun) {
    EXPECT_FALSE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.AccessDenied", "Rejected send message")));
    EXPECT_FALSE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.ServiceUnknown",
                                         "The name org.freedesktop.NetworkManager was not provided by any .service files")));
    EXPECT_FALSE(is_overrun(sdbus::Error("org.freedesktop.DBus.Error.UnknownMethod", "Unknown method")));
}

}  // namespace
}  // namespace host::dbus
