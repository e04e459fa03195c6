#pragma once
// Internal to profile/: the profile's YAML read in one pass over yaml-cpp's parser events into a small tree of
// our own. yaml-cpp's YAML::Load scans the text again after the pass that keeps a profile safe (one document,
// no aliases, no parser stuck on a stray ','), and that second scan cost as much as the first: 37-44% of a
// 100-bridge apply. The tree keeps what the decoders read: the kind, the scalar text, the children in document
// order (duplicate keys included, for the decoder to refuse) and each node's mark.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/mark.h>

namespace profile {

class YamlNode {
public:
    enum class Kind { undefined, null, scalar, sequence, map };

    YamlNode() = default;  // undefined: what a lookup of a missing key gives

    Kind kind() const { return m_data ? m_data->kind : Kind::undefined; }
    bool IsDefined() const { return kind() != Kind::undefined; }
    explicit operator bool() const { return IsDefined(); }
    bool IsNull() const { return kind() == Kind::null; }
    bool IsScalar() const { return kind() == Kind::scalar; }
    bool IsSequence() const { return kind() == Kind::sequence; }
    bool IsMap() const { return kind() == Kind::map; }
    // Where the node starts (line and column from 0; -1 for an undefined node).
    YAML::Mark Mark() const { return m_data ? m_data->mark : YAML::Mark::null_mark(); }
    const std::string& Scalar() const;  // "" unless a scalar
    std::size_t size() const;           // children: items of a list, entries of a map

    const std::vector<YamlNode>& items() const;                        // a list's; none otherwise
    const std::vector<std::pair<YamlNode, YamlNode>>& entries() const;  // a map's, in document order; none otherwise
    // The value of the first entry whose key is the scalar `key`; undefined when there is none.
    YamlNode operator[](std::string_view key) const;

private:
    friend class YamlTreeBuilder;
    struct Data {
        Kind kind = Kind::null;
        YAML::Mark mark;
        std::string scalar;
        std::vector<YamlNode> items;
        std::vector<std::pair<YamlNode, YamlNode>> entries;
    };
    explicit YamlNode(std::shared_ptr<Data> data) : m_data(std::move(data)) {}
    std::shared_ptr<Data> m_data;  // shared: nodes are handed around by value, as yaml-cpp's are
};

// Problems with the document as a whole, at `mark`: a second document, an alias, a parser that stopped moving.
struct YamlDocumentError {
    YAML::Mark mark;
    std::string what;
};

// The document in `text`: a null node for an empty one. Throws YamlDocumentError, and yaml-cpp's
// YAML::ParserException for text that is not YAML.
YamlNode parse_yaml_document(const std::string& text);

}  // namespace profile
