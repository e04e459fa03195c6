#include "host/networkmanager/nm_checkpoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace host::networkmanager {
namespace {

TEST(CheckpointNote, ReadsTheCheckpointAndTheLeases) {
    const auto note = parse_checkpoint_note(
        "/org/freedesktop/NetworkManager/Checkpoint/7\nnic0 10.0.2.15/24\nnic0 fec0::5054:ff:fe12:3456/64\n");
    EXPECT_EQ(note.checkpoint, "/org/freedesktop/NetworkManager/Checkpoint/7");
    EXPECT_FALSE(note.arming_since);
    ASSERT_EQ(note.leases.size(), 2u);
    EXPECT_EQ(note.leases[0].first.str(), "nic0");
    EXPECT_EQ(note.leases[0].second.to_string(), "10.0.2.15/24");
    EXPECT_EQ(note.leases[1].second.to_string(), "fec0::5054:ff:fe12:3456/64");
}

TEST(CheckpointNote, ReadsAnArmingTime) {
    const auto note = parse_checkpoint_note("arming 123456\n");
    EXPECT_TRUE(note.checkpoint.empty());
    ASSERT_TRUE(note.arming_since);
    EXPECT_EQ(*note.arming_since, 123456);
}

// Whatever the file holds, only a checkpoint path of NetworkManager's and well-formed leases come out of it.
TEST(CheckpointNote, IgnoresWhatItDoesNotKnow) {
    for (const std::string& text : std::vector<std::string>{"", "\n", "arming\n", "arming -5\n", "arming 99999999999999999999999\n",
                                   "/org/freedesktop/NetworkManager/Checkpoint/\n",
                                   "/org/freedesktop/NetworkManager/Checkpoint/1/../../Devices/1\n",
                                   "/org/freedesktop/NetworkManager/Devices/1\n", "rm -rf /\n",
                                   std::string(200, 'a') + "\n"}) {
        const auto note = parse_checkpoint_note(text);
        EXPECT_TRUE(note.checkpoint.empty()) << text;
        EXPECT_FALSE(note.arming_since) << text;
        EXPECT_TRUE(note.leases.empty()) << text;
    }
    const auto note = parse_checkpoint_note(
        "arming 5\nnic0\nnic0 10.0.2.300/24\nnic0 10.0.2.15/33\nthis-name-is-far-too-long 10.0.2.15/24\n"
        "nic0 10.0.2.15\nnic0 10.0.2.15/24 extra\nnic1 192.0.2.1/24\n" + std::string(300, 'x') + " 1.2.3.4/8\n");
    ASSERT_EQ(note.leases.size(), 1u);
    EXPECT_EQ(note.leases[0].first.str(), "nic1");
}

// A run's checkpoint is one created after it began to arm and before its answer could have come, with the
// window it asked for: another tool's (created earlier, later, or with another timeout) is not taken for it.
TEST(CheckpointsOfRun, AreTheOnesMadeInTheRunsTimeWithItsWindow) {
    const std::vector<PendingCheckpoint> pending = {
        {"/cp/1", 1000, 90},   // before the arming: an earlier one
        {"/cp/2", 5000, 90},   // ours
        {"/cp/3", 5200, 300},  // in time, but another window: another tool's
        {"/cp/4", 90000, 90},  // long after: another tool's
    };
    EXPECT_EQ(checkpoints_of_run(pending, 4000, 50000, 90), std::vector<std::string>{"/cp/2"});
    // A later run does not know the window: the time alone.
    EXPECT_EQ(checkpoints_of_run(pending, 4000, 50000, 0), (std::vector<std::string>{"/cp/2", "/cp/3"}));
    EXPECT_TRUE(checkpoints_of_run(pending, 6000, 50000, 90).empty());
    EXPECT_TRUE(checkpoints_of_run({}, 0, 1000000, 0).empty());
}

}  // namespace
}  // namespace host::networkmanager
