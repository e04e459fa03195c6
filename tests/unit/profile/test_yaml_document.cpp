#include "profile/yaml_document.h"

#include <gtest/gtest.h>
#include <yaml-cpp/exceptions.h>

namespace profile {
namespace {

TEST(YamlDocument, KeepsKindsTextMarksAndEveryEntryInDocumentOrder) {
    const auto root = parse_yaml_document("b: 1\na: [x, \"null\", null, ~]\nb: {c: }\n");
    ASSERT_TRUE(root.IsMap());
    ASSERT_EQ(root.size(), 3u);  // the duplicate key is kept, for the decoder to refuse with its line
    EXPECT_EQ(root.entries()[0].first.Scalar(), "b");
    EXPECT_EQ(root.entries()[2].first.Mark().line, 2);
    const auto list = root["a"];
    ASSERT_TRUE(list.IsSequence());
    ASSERT_EQ(list.items().size(), 4u);
    EXPECT_EQ(list.items()[0].Scalar(), "x");
    EXPECT_EQ(list.Mark().line, 1);
    EXPECT_EQ(list.Mark().column, 3);
    EXPECT_TRUE(list.items()[1].IsScalar()) << "a quoted null is text";
    EXPECT_TRUE(list.items()[2].IsNull());
    EXPECT_TRUE(list.items()[3].IsNull());
    EXPECT_EQ(root["b"].Scalar(), "1") << "a lookup takes the first of a key";
    EXPECT_TRUE(root.entries()[2].second["c"].IsNull());
    EXPECT_FALSE(root["missing"].IsDefined());
    EXPECT_FALSE(root["missing"]);
    EXPECT_EQ(root["missing"].Mark().line, -1);
}

// A list or map used as a key fills itself, and the map it is a key of gets it with its value (and under the
// sanitizers, a document that ends half-way through one leaves nothing behind).
TEST(YamlDocument, AListAsAKeyIsAKeyOfItsMap) {
    const auto root = parse_yaml_document("{[a, b]: c, d: e}\n");
    ASSERT_TRUE(root.IsMap());
    ASSERT_EQ(root.size(), 2u);
    ASSERT_TRUE(root.entries()[0].first.IsSequence());
    EXPECT_EQ(root.entries()[0].first.items().size(), 2u);
    EXPECT_EQ(root.entries()[0].second.Scalar(), "c");
    EXPECT_EQ(root["d"].Scalar(), "e");
    EXPECT_THROW(parse_yaml_document("a:\n  - {name: br0, type: linux-bridge\n"), YAML::Exception);
}

TEST(YamlDocument, AnEmptyOrCommentOnlyTextIsANullDocument) {
    EXPECT_TRUE(parse_yaml_document("").IsNull());
    EXPECT_TRUE(parse_yaml_document("# nothing yet\n").IsNull());
}

TEST(YamlDocument, RefusesASecondDocumentAnAliasAndAStuckParser) {
    const auto error_of = [](const std::string& text) -> std::string {
        try {
            parse_yaml_document(text);
        } catch (const YamlDocumentError& e) {
            return std::to_string(e.mark.line + 1) + ": " + e.what;
        }
        return "";
    };
    EXPECT_EQ(error_of("a: 1\n---\nb: 2\n"), "2: a profile is one YAML document, this is the second");
    EXPECT_EQ(error_of("a: &x 1\nb: *x\n"), "2: YAML aliases (*name) are not accepted in a profile: write the value out");
    EXPECT_EQ(error_of(",\n"), "1: invalid YAML: unexpected \",\"");
}

}  // namespace
}  // namespace profile
