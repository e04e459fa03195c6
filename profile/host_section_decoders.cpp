#include "profile/host_section_decoders.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "profile/suggest.h"
#include "profile/yaml_reader.h"

namespace profile {

namespace {

// One of `choices`, or a positioned error with a suggestion.
std::string choice(const Reader& reader, const Entry& entry, std::string_view what,
                   const std::vector<std::string_view>& choices) {
    const auto word = reader.text(entry);
    if (std::find(choices.begin(), choices.end(), word) != choices.end()) return word;
    reader.fail(entry.value_position,
                "unknown " + std::string(what) + " \"" + word + "\"" + choice_hint(word, choices));
}

// A section given as `kvm:` with nothing after it reads as an empty map.
bool is_empty(const YamlNode& node) { return !node.IsDefined() || node.IsNull(); }

std::vector<std::string> word_list(Reader& reader, const Entry& entry, std::string_view what) {
    std::vector<std::string> words;
    for (const auto& [item, position] : reader.items(entry.value, entry.value_position, what, "")) {
        if (!item.IsScalar() || item.Scalar().empty())
            reader.fail(position, std::string(what) + ": each entry must be a name, not " + describe(item));
        words.push_back(item.Scalar());
    }
    return words;
}

// "20GiB", "512MiB", "1TiB": binary units, as the docs say; a bare number is bytes.
std::optional<std::uint64_t> parse_size(const std::string& text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0 || digits > 15) return std::nullopt;
    const std::uint64_t number = std::stoull(text.substr(0, digits));
    const std::string unit = text.substr(digits);
    const std::vector<std::pair<std::string_view, int>> units = {{"", 0}, {"B", 0}, {"KiB", 10}, {"MiB", 20},
                                                                 {"GiB", 30}, {"TiB", 40}};
    for (const auto& [name, shift] : units) {
        if (unit != name) continue;
        // More than 2^64 bytes would wrap to a small number (16777216TiB to 0).
        if (number > (std::numeric_limits<std::uint64_t>::max() >> shift)) return std::nullopt;
        return number << shift;
    }
    return std::nullopt;
}

// Characters a path cannot carry into an SELinux file-context rule (a regular expression), an /etc/fstab line
// or a libvirt pool: whitespace, controls, quotes and the regex operators. '.' and '+' are escaped instead.
bool unfit_path_character(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f || std::string_view("\\*?[](){}|^$\"'`").find(c) != std::string_view::npos;
}

// Directories of the system itself: relabelling one of them virt_image_t (recursively), or mounting a disk
// over it, breaks the host. The images need a directory of their own.
bool system_directory(const std::string& path) {
    static const std::set<std::string_view> k_exact = {"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib",
                                                       "/lib64", "/media", "/mnt", "/opt", "/proc", "/root",
                                                       "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var",
                                                       "/var/lib", "/var/lib/libvirt", "/var/log", "/var/tmp"};
    static const std::vector<std::string_view> k_trees = {"/bin/", "/boot/", "/dev/", "/etc/", "/lib/", "/lib64/",
                                                         "/proc/", "/run/", "/sbin/", "/sys/", "/usr/"};
    if (k_exact.count(path)) return true;
    return std::any_of(k_trees.begin(), k_trees.end(), [&](std::string_view tree) { return path.rfind(tree, 0) == 0; });
}

// What is wrong with an images path, or nothing.
std::optional<std::string> images_path_problem(const std::string& path) {
    if (path.empty() || path.front() != '/') return "path must be an absolute directory, not \"" + path + "\"";
    for (const char c : path)
        if (unfit_path_character(c))
            return "path \"" + path + "\" has a character an SELinux rule or /etc/fstab cannot carry (" +
                   (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f ? std::string("a space or control character")
                                                                        : "\"" + std::string(1, c) + "\"") + ")";
    const std::string normal = std::filesystem::path(path).lexically_normal().string();
    if (normal != path || (path.size() > 1 && path.back() == '/')) {
        std::string hint = normal.size() > 1 && normal.back() == '/' ? normal.substr(0, normal.size() - 1) : normal;
        return "path must be written plainly, without \"//\", \".\", \"..\" or a trailing \"/\" (\"" + path +
               "\" is \"" + hint + "\")";
    }
    if (system_directory(path))
        return "path \"" + path + "\" is a system directory: the images need one of their own (like "
               "/var/lib/libvirt/images or /srv/vm-images), since it is relabelled and may be mounted over";
    return std::nullopt;
}

}  // namespace

KvmSection decode_kvm(const YamlNode& node, Position where) {
    KvmSection section;
    if (is_empty(node)) return section;
    std::map<std::string, Position> positions;
    Reader reader(positions, "kvm");
    if (!node.IsMap()) reader.fail(where, "\"kvm\" must be a map, not " + describe(node));
    for (const auto& entry : reader.entries(node, where, "kvm", {"nested"}, "kvm"))
        if (entry.key == "nested") section.nested = reader.boolean(entry);
    return section;
}

VerifySection decode_verify(const YamlNode& node, Position where) {
    VerifySection section;
    if (is_empty(node)) return section;
    std::map<std::string, Position> positions;
    Reader reader(positions, "verify");
    if (!node.IsMap()) reader.fail(where, "\"verify\" must be a map, not " + describe(node));
    for (const auto& entry : reader.entries(node, where, "verify", {"guest-smoke"}, "verify"))
        if (entry.key == "guest-smoke") section.guest_smoke = reader.boolean(entry);
    return section;
}

PackagesSection decode_packages(const YamlNode& node, Position where) {
    PackagesSection section;
    std::map<std::string, Position> positions;
    Reader reader(positions, "packages");
    if (node.IsScalar()) {
        if (node.Scalar() != "default")
            reader.fail(where, "\"packages\" is \"default\" or a list of package names, not \"" + node.Scalar() + "\"");
        section.distribution_default = true;
        return section;
    }
    if (!node.IsSequence()) reader.fail(where, "\"packages\" is \"default\" or a list of package names, not " + describe(node));
    Entry whole{"packages", node, where, where};
    section.names = word_list(reader, whole, "packages");
    // The grammar the packages step checks again before it calls the package manager, so a name it would refuse
    // stops the profile here, before any section is applied.
    for (const auto& name : section.names)
        if (!valid_package_name(name))
            reader.fail(where, "bad package name \"" + name + "\" (letters, digits and + - . _ :, starting with a "
                               "letter or digit)");
    return section;
}

LibvirtSection decode_libvirt(const YamlNode& node, Position where) {
    LibvirtSection section;
    if (is_empty(node)) return section;
    std::map<std::string, Position> positions;
    Reader reader(positions, "libvirt");
    if (!node.IsMap()) reader.fail(where, "\"libvirt\" must be a map, not " + describe(node));
    for (const auto& entry : reader.entries(node, where, "libvirt", {"daemons", "default-network"}, "libvirt")) {
        if (entry.key == "daemons") {
            const auto word = choice(reader, entry, "libvirt daemons", {"auto", "modular", "libvirtd"});
            section.daemons = word == "auto"      ? LibvirtSection::Daemons::automatic
                              : word == "modular" ? LibvirtSection::Daemons::modular
                                                  : LibvirtSection::Daemons::monolithic;
        } else {
            section.default_network = choice(reader, entry, "default-network", {"keep", "absent"}) == "keep"
                                          ? LibvirtSection::DefaultNetwork::keep
                                          : LibvirtSection::DefaultNetwork::absent;
        }
    }
    return section;
}

SysctlSection decode_sysctl(const YamlNode& node, Position where) {
    SysctlSection section;
    if (is_empty(node)) return section;
    std::map<std::string, Position> positions;
    Reader reader(positions, "sysctl");
    if (!node.IsMap()) reader.fail(where, "\"sysctl\" must be a map of keys to values, not " + describe(node));
    for (auto it = node.entries().begin(); it != node.entries().end(); ++it) {
        const Position at = position_of(it->first.Mark());
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
        // Dotted names under /proc/sys: no path tricks, no empty parts.
        const bool good_key = !key.empty() && key.front() != '.' && key.back() != '.' &&
                              key.find("..") == std::string::npos &&
                              std::all_of(key.begin(), key.end(), [](char c) {
                                  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
                              });
        if (!good_key) reader.fail(at, "bad sysctl key \"" + key + "\" (dotted, like net.ipv4.ip_forward)");
        if (section.values.count(key)) reader.fail(at, "duplicate key \"" + key + "\"");
        // A line break or carriage return would split the line in 90-kvm-host.conf, and systemd-sysctl would
        // read the rest as a key of its own at boot.
        const auto control = [](char c) { return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f; };
        if (!it->second.IsScalar() || it->second.Scalar().empty() ||
            std::any_of(it->second.Scalar().begin(), it->second.Scalar().end(), control))
            reader.fail(position_of(it->second.Mark()), key + ": the value must be a number or a word, not " +
                                                            describe(it->second));
        section.values[key] = it->second.Scalar();
    }
    return section;
}

FirewallSection decode_firewall(const YamlNode& node, Position where) {
    FirewallSection section;
    if (is_empty(node)) return section;
    std::map<std::string, Position> positions;
    Reader reader(positions, "firewall");
    if (!node.IsMap()) reader.fail(where, "\"firewall\" must be a map, not " + describe(node));
    for (const auto& entry : reader.entries(node, where, "firewall", {"zones"}, "firewall")) {
        for (const auto& [item, position] : reader.items(entry.value, entry.value_position, "zones", "firewall.zones")) {
            if (!item.IsMap()) reader.fail(position, "each zone must be a map, not " + describe(item));
            FirewallZone zone;
            const auto keys = reader.entries(item, position, "zone", {"name", "interfaces", "masquerade", "services", "ports"}, "");
            for (const auto& field : keys) {
                if (field.key == "name") zone.name = reader.text(field);
                else if (field.key == "interfaces") zone.interfaces = word_list(reader, field, "interfaces");
                else if (field.key == "masquerade") zone.masquerade = reader.boolean(field);
                else if (field.key == "services") zone.services = word_list(reader, field, "services");
                else zone.ports = word_list(reader, field, "ports");
            }
            if (zone.name.empty()) fail_missing(reader, position, "zone", "name");
            // firewalld's own limit: a zone name is a word of at most 17 characters.
            const bool word = std::all_of(zone.name.begin(), zone.name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
            });
            if (!word || zone.name.size() > 17)
                reader.fail(position, "bad zone name \"" + zone.name + "\" (letters, digits, _ and -, at most 17)");
            reader.set_subject(zone.name);
            for (const auto& port : zone.ports) {
                const auto slash = port.find('/');
                const std::string protocol = slash == std::string::npos ? "" : port.substr(slash + 1);
                const std::string range = port.substr(0, slash);
                const bool numbers = !range.empty() && std::all_of(range.begin(), range.end(), [](char c) {
                    return std::isdigit(static_cast<unsigned char>(c)) || c == '-';
                });
                if (!numbers || (protocol != "tcp" && protocol != "udp" && protocol != "sctp" && protocol != "dccp"))
                    reader.fail(position, "bad port \"" + port + "\" (expected PORT[-PORT]/tcp|udp|sctp|dccp, like 5900-5999/tcp)");
            }
            for (const auto& other : section.zones)
                if (other.name == zone.name) reader.fail(position, "zone listed twice");
            section.zones.push_back(std::move(zone));
            reader.set_subject("firewall");
        }
    }
    return section;
}

StorageSection decode_storage(const YamlNode& node, Position where) {
    StorageSection section;
    if (is_empty(node)) return section;
    std::map<std::string, Position> positions;
    Reader reader(positions, "storage");
    if (!node.IsMap()) reader.fail(where, "\"storage\" must be a map, not " + describe(node));
    for (const auto& entry : reader.entries(node, where, "storage", {"images"}, "storage")) {
        ImagesStorage images;
        reader.set_subject("storage.images");
        if (!is_empty(entry.value)) {
            if (!entry.value.IsMap()) reader.fail(entry.value_position, "\"images\" must be a map, not " + describe(entry.value));
            for (const auto& field : reader.entries(entry.value, entry.value_position, "images",
                                                   {"path", "device", "filesystem", "format", "min-free",
                                                    "selinux-type", "pool"},
                                                   "storage.images")) {
                if (field.key == "path") {
                    images.path = reader.text(field);
                    if (auto problem = images_path_problem(images.path)) reader.fail(field.value_position, *problem);
                } else if (field.key == "device") {
                    const auto device = reader.text(field);
                    const bool known = device.rfind("UUID=", 0) == 0 || device.rfind("LABEL=", 0) == 0 ||
                                       device.rfind("/dev/", 0) == 0;
                    if (!known || device.find("..") != std::string::npos)
                        reader.fail(field.value_position, "bad device \"" + device +
                                                              "\" (expected UUID=..., LABEL=... or /dev/disk/by-id/...)");
                    images.device = device;
                } else if (field.key == "filesystem") {
                    images.filesystem = choice(reader, field, "filesystem", {"xfs", "ext4"});
                } else if (field.key == "format") {
                    images.format = choice(reader, field, "format", {"never", "if-blank"}) == "never"
                                        ? ImagesStorage::Format::never
                                        : ImagesStorage::Format::if_blank;
                } else if (field.key == "min-free") {
                    const auto text = reader.text(field);
                    const auto size = parse_size(text);
                    if (!size) reader.fail(field.value_position, "bad size \"" + text + "\" (expected a number with KiB, MiB, GiB or TiB, like 20GiB)");
                    images.min_free_bytes = *size;
                } else if (field.key == "selinux-type") {
                    images.selinux_type = reader.text(field);
                } else {
                    images.pool = reader.text(field);
                }
            }
        }
        section.images = images;
        reader.set_subject("storage");
    }
    return section;
}

}  // namespace profile
