#include "checks/parsers/libvirt_xml.h"

namespace checks {
namespace {

// libvirt escapes these five in names and paths it writes.
std::string decode_entities(std::string_view text) {
    static constexpr std::pair<std::string_view, char> k_entities[] = {
        {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}, {"&lt;", '<'}, {"&gt;", '>'}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        bool decoded = false;
        for (const auto& [entity, c] : k_entities) {
            if (text.substr(i, entity.size()) == entity) {
                out += c;
                i += entity.size();
                decoded = true;
                break;
            }
        }
        if (!decoded) out += text[i++];
    }
    return out;
}

// The body between <tag ...> and </tag>, from `from`; npos when absent.
struct Element {
    std::string_view open_tag;  // "<disk type='file' device='disk'>"
    std::string_view body;
    std::size_t end = std::string_view::npos;
};

Element next_element(std::string_view xml, std::string_view tag, std::size_t from) {
    const std::string open = "<" + std::string(tag);
    std::size_t pos = from;
    while ((pos = xml.find(open, pos)) != std::string_view::npos) {
        const char after = pos + open.size() < xml.size() ? xml[pos + open.size()] : '\0';
        if (after == ' ' || after == '>' || after == '/' || after == '\n' || after == '\t') break;
        pos += open.size();
    }
    if (pos == std::string_view::npos) return {};
    const auto tag_end = xml.find('>', pos);
    if (tag_end == std::string_view::npos) return {};
    Element element;
    element.open_tag = xml.substr(pos, tag_end - pos + 1);
    if (element.open_tag.ends_with("/>")) {
        element.end = tag_end + 1;
        return element;
    }
    const std::string close = "</" + std::string(tag) + ">";
    const auto close_pos = xml.find(close, tag_end);
    if (close_pos == std::string_view::npos) return {};
    element.body = xml.substr(tag_end + 1, close_pos - tag_end - 1);
    element.end = close_pos + close.size();
    return element;
}

std::string attribute(std::string_view open_tag, std::string_view name) {
    for (char quote : {'\'', '"'}) {
        const std::string key = " " + std::string(name) + "=" + quote;
        const auto pos = open_tag.find(key);
        if (pos == std::string_view::npos) continue;
        const auto start = pos + key.size();
        const auto end = open_tag.find(quote, start);
        if (end == std::string_view::npos) return {};
        return decode_entities(open_tag.substr(start, end - start));
    }
    return {};
}

}  // namespace

std::string first_attribute(std::string_view xml, std::string_view tag, std::string_view name) {
    const auto element = next_element(xml, tag, 0);
    return element.end == std::string_view::npos ? std::string() : attribute(element.open_tag, name);
}

common::Result<DomainDefinition> parse_domain_xml(std::string_view xml, std::string_view file) {
    const auto domain = next_element(xml, "domain", 0);
    if (domain.end == std::string_view::npos)
        return common::make_error(std::string(file) + ": no <domain> element");
    DomainDefinition definition;
    definition.file = file;
    const auto name = next_element(domain.body, "name", 0);
    if (name.end == std::string_view::npos || name.body.empty())
        return common::make_error(std::string(file) + ": <domain> has no <name>");
    definition.name = decode_entities(name.body);
    const auto features = next_element(domain.body, "features", 0);
    definition.acpi = features.end != std::string_view::npos &&
                      next_element(features.body, "acpi", 0).end != std::string_view::npos;
    const auto devices = next_element(domain.body, "devices", 0);
    for (std::size_t pos = 0; devices.end != std::string_view::npos;) {
        const auto disk = next_element(devices.body, "disk", pos);
        if (disk.end == std::string_view::npos) break;
        pos = disk.end;
        if (attribute(disk.open_tag, "type") != "file") continue;
        if (auto source = first_attribute(disk.body, "source", "file"); !source.empty())
            definition.disk_files.push_back(source);
    }
    return definition;
}

namespace {

// Calls `visit` with the <arch> body of every <guest> for `arch` until it returns true.
template <typename Visit>
bool any_guest_arch(std::string_view capabilities_xml, std::string_view arch, Visit visit) {
    for (std::size_t pos = 0;;) {
        const auto guest = next_element(capabilities_xml, "guest", pos);
        if (guest.end == std::string_view::npos) return false;
        pos = guest.end;
        const auto arch_element = next_element(guest.body, "arch", 0);
        if (arch_element.end != std::string_view::npos && attribute(arch_element.open_tag, "name") == arch &&
            visit(arch_element.body))
            return true;
    }
}

}  // namespace

bool capabilities_offer_arch(std::string_view capabilities_xml, std::string_view arch) {
    return any_guest_arch(capabilities_xml, arch, [](std::string_view) { return true; });
}

bool capabilities_offer_kvm(std::string_view capabilities_xml, std::string_view arch) {
    return any_guest_arch(capabilities_xml, arch, [](std::string_view body) {
        for (std::size_t pos = 0;;) {
            const auto domain = next_element(body, "domain", pos);
            if (domain.end == std::string_view::npos) return false;
            pos = domain.end;
            if (attribute(domain.open_tag, "type") == "kvm") return true;
        }
    });
}

std::string pool_target_path(std::string_view pool_xml) {
    const auto target = next_element(pool_xml, "target", 0);
    if (target.end == std::string_view::npos) return {};
    const auto path = next_element(target.body, "path", 0);
    return path.end == std::string_view::npos ? std::string() : decode_entities(path.body);
}

std::vector<std::string> interface_targets(std::string_view domain_xml) {
    std::vector<std::string> taps;
    for (std::size_t pos = 0;;) {
        const auto interface = next_element(domain_xml, "interface", pos);
        if (interface.end == std::string_view::npos) return taps;
        pos = interface.end;
        taps.push_back(first_attribute(interface.body, "target", "dev"));
    }
}

}  // namespace checks
