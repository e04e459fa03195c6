#include "profile/yaml_document.h"

#include <optional>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace profile {

const std::string& YamlNode::Scalar() const {
    static const std::string k_none;
    return m_data ? m_data->scalar : k_none;
}

std::size_t YamlNode::size() const {
    if (!m_data) return 0;
    return m_data->kind == Kind::map ? m_data->entries.size() : m_data->items.size();
}

const std::vector<YamlNode>& YamlNode::items() const {
    static const std::vector<YamlNode> k_none;
    return m_data ? m_data->items : k_none;
}

const std::vector<std::pair<YamlNode, YamlNode>>& YamlNode::entries() const {
    static const std::vector<std::pair<YamlNode, YamlNode>> k_none;
    return m_data ? m_data->entries : k_none;
}

YamlNode YamlNode::operator[](std::string_view key) const {
    for (const auto& [name, value] : entries())
        if (name.IsScalar() && name.Scalar() == key) return value;
    return {};
}

// Builds the tree from the parser's events, noting where each document starts and the first alias.
class YamlTreeBuilder : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark& mark) override { m_start = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { add(node(YamlNode::Kind::null, mark)); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        if (!m_first_alias) m_first_alias = mark;
        add(node(YamlNode::Kind::null, mark));  // a stand-in, keeping a map's keys and values paired
    }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override {
        auto scalar = node(YamlNode::Kind::scalar, mark);
        scalar.m_data->scalar = value;
        add(std::move(scalar));
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        open(node(YamlNode::Kind::sequence, mark));
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        open(node(YamlNode::Kind::map, mark));
    }
    void OnMapEnd() override { close(); }

    const YAML::Mark& start() const { return m_start; }
    const std::optional<YAML::Mark>& first_alias() const { return m_first_alias; }
    // The first document's root; a null node when there was none.
    YamlNode root() const { return m_root ? *m_root : node(YamlNode::Kind::null, YAML::Mark()); }

private:
    static YamlNode node(YamlNode::Kind kind, const YAML::Mark& mark) {
        auto data = std::make_shared<YamlNode::Data>();
        data->kind = kind;
        data->mark = mark;
        return YamlNode(std::move(data));
    }
    void open(YamlNode container) {
        add(container);
        m_open.push_back({std::move(container), std::nullopt});
    }
    void close() {
        if (!m_open.empty()) m_open.pop_back();
    }
    // A map's children arrive key, value, key, value...: a key waits beside its map for its value. Each open
    // map has its own waiting key, so a list or map that is itself a key fills itself, never its parent.
    void add(YamlNode child) {
        if (m_open.empty()) {
            if (!m_root) m_root = std::move(child);
            return;
        }
        auto& [container, key] = m_open.back();
        auto& parent = *container.m_data;
        if (parent.kind == YamlNode::Kind::sequence) {
            parent.items.push_back(std::move(child));
        } else if (!key) {
            key = std::move(child);
        } else {
            parent.entries.emplace_back(std::move(*key), std::move(child));
            key.reset();
        }
    }

    YAML::Mark m_start;
    std::optional<YAML::Mark> m_first_alias;
    std::optional<YamlNode> m_root;
    // The lists and maps being filled, innermost last, each with the key that waits for its value (maps only).
    std::vector<std::pair<YamlNode, std::optional<YamlNode>>> m_open;
};

YamlNode parse_yaml_document(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    YamlTreeBuilder builder;
    // One document, and one yaml-cpp can read: yaml-cpp 0.7 reads a document that begins with a stray ',' as
    // empty, and would loop on that ',' for ever. The loop stops at a second document, or at a document that
    // starts where the previous one did (the parser is stuck).
    std::optional<int> previous;
    for (int count = 1; parser.HandleNextDocument(builder); ++count) {
        const auto& mark = builder.start();
        if (previous && mark.pos == *previous) {
            const auto at = static_cast<std::size_t>(mark.pos);
            throw YamlDocumentError{mark, "invalid YAML: " + (at < text.size() ? "unexpected \"" + text.substr(at, 1) + "\""
                                                                             : std::string("unexpected end"))};
        }
        if (count == 2) throw YamlDocumentError{mark, "a profile is one YAML document, this is the second"};
        // Each alias stands for its anchor's whole tree, so a small file could stand for gigabytes (a list of a
        // thousand aliases to a list of a thousand aliases ...); no profile needs one.
        if (const auto& alias = builder.first_alias())
            throw YamlDocumentError{*alias, "YAML aliases (*name) are not accepted in a profile: write the value out"};
        previous = mark.pos;
    }
    return builder.root();
}

}  // namespace profile
