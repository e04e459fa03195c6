#include "profile/suggest.h"

#include <gtest/gtest.h>

namespace profile {
namespace {

TEST(ProfileEditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
    EXPECT_EQ(edit_distance("active_backup", "active-backup"), 1u);
    EXPECT_EQ(edit_distance("netwrok", "network"), 1u) << "a swap of neighbours is one edit";
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ProfileSuggest, OffersTheCloseWordOnly) {
    const std::vector<std::string_view> modes{"balance-rr", "active-backup", "balance-xor", "broadcast",
                                              "802.3ad",    "balance-tlb",   "balance-alb"};
    EXPECT_EQ(closest("active_backup", modes), "active-backup");
    EXPECT_EQ(closest("8023ad", modes), "802.3ad");
    EXPECT_EQ(closest("Broadcast", modes), "broadcast") << "case only";
    EXPECT_EQ(closest("round-robin", modes), std::nullopt);
    EXPECT_EQ(closest("balance-xx", modes), std::nullopt) << "balance-rr and balance-xor tie";
    EXPECT_EQ(closest("broadcast", modes), std::nullopt) << "nothing to suggest for a right word";
    EXPECT_EQ(did_you_mean("stpp", {"stp"}), " (did you mean \"stp\"?)");
    EXPECT_EQ(did_you_mean("xyz", {"stp"}), "");
}

}  // namespace
}  // namespace profile
