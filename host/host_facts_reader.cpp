#include "host/host_facts_reader.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "checks/parsers/accounts.h"
#include "checks/parsers/bonding.h"
#include "checks/parsers/key_value_conf.h"
#include "checks/parsers/network_definitions.h"
#include "checks/parsers/proc_tables.h"
#include "common/text.h"

namespace host {
namespace {

using checks::Fact;
using checks::ReadError;
using checks::Unavailable;

// The modules and parameters the checks ask about; nothing else under /sys/module is read.
constexpr const char* k_modules[] = {"kvm", "kvm_intel", "kvm_amd", "kvm_pvm", "irqbypass",
                                     "vhost_net", "tun", "br_netfilter"};
constexpr const char* k_module_parameters[] = {"nested", "sev", "sev_es", "sev_snp", "tdx"};
constexpr const char* k_cgroup_v1_controllers[] = {"cpu", "cpuacct", "cpuset", "memory", "devices",
                                                   "blkio", "freezer", "pids", "net_cls"};
// systemd-sysctl's directories, highest priority first.
constexpr const char* k_sysctl_dirs[] = {"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
                                         "/usr/lib/sysctl.d", "/lib/sysctl.d"};
constexpr const char* k_unit_dirs[] = {"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system",
                                       "/lib/systemd/system"};
// Where persistent network definitions live: NetworkManager's keyfiles (/etc is the admin's, /usr/lib the
// vendor's; /run holds in-memory ones, which a reboot forgets), RHEL's ifcfg files, libvirt's networks.
constexpr const char* k_keyfile_dirs[] = {"/etc/NetworkManager/system-connections",
                                          "/usr/lib/NetworkManager/system-connections"};
constexpr const char* k_ifcfg_dir = "/etc/sysconfig/network-scripts";
constexpr const char* k_libvirt_networks_dir = "/etc/libvirt/qemu/networks";
constexpr std::size_t k_small_file = 64 * 1024;
constexpr std::size_t k_cpuinfo_limit = 16 * 1024 * 1024;

// A fact as the checks get it: a root-only input refused to an unprivileged run makes them SKIP (checks/fact.h).
template <typename T>
Fact<T> as_read(Fact<T> fact) {
    return checks::unavailable_when_unprivileged(std::move(fact), ::geteuid() == 0);
}

// The fact in `slot`, read by the first caller; callers at the same time wait for that read.
template <typename Slot, typename Read>
const auto& once(Slot& slot, Read&& read) {
    std::call_once(slot.once, [&] { slot.fact.emplace(read()); });
    return *slot.fact;
}

// As once(), for a fact a root-only input may refuse (as_read).
template <typename Slot, typename Read>
const auto& cached(Slot& slot, Read&& read) {
    using FactType = typename decltype(slot.fact)::value_type;
    return once(slot, [&] { return as_read(FactType(read())); });
}

bool is_directory(const common::HostRoot& root, const std::string& path) {
    auto node = root.stat_node(path);
    return node.ok() && node.value() && node.value()->kind == common::NodeKind::directory;
}

std::optional<std::uint64_t> little_endian_u64(const std::string& bytes) {
    if (bytes.size() != 8) return std::nullopt;
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    return value;
}

}  // namespace

HostFactsReader::HostFactsReader(const common::HostRoot& root, LiveServices live, std::string images_dir,
                                 std::string images_pool)
    : m_root(root), m_live(std::move(live)), m_images_dir(std::move(images_dir)), m_images_pool(std::move(images_pool)) {}

const Fact<checks::CpuInfo>& HostFactsReader::cpuinfo() const {
    return cached(m_cpuinfo, [&] { return read_cpuinfo(); });
}

Fact<checks::CpuInfo> HostFactsReader::read_cpuinfo() const {
    auto text = m_root.read_text("/proc/cpuinfo", k_cpuinfo_limit);
    if (!text) return ReadError{text.error().message};
    auto parsed = checks::parse_cpuinfo(text.value());
    if (!parsed) return ReadError{parsed.error().message};
    return parsed.value();
}

const Fact<std::string>& HostFactsReader::kernel_arch() const {
    return cached(m_kernel_arch, [&]() -> Fact<std::string> {
        if (auto text = m_root.read_text("/proc/sys/kernel/arch", k_small_file); text.ok())
            return std::string(common::trim(text.value()));
        if (!m_root.is_live()) return Unavailable{"no /proc/sys/kernel/arch under the root"};
        struct utsname names {};
        if (::uname(&names) != 0) return ReadError{std::string("uname: ") + std::strerror(errno)};
        return std::string(names.machine);
    });
}

const Fact<checks::KernelModules>& HostFactsReader::kernel_modules() const {
    return cached(m_kernel_modules, [&] { return read_kernel_modules(); });
}

Fact<checks::KernelModules> HostFactsReader::read_kernel_modules() const {
    checks::KernelModules modules;
    std::set<std::string> loaded;
    if (m_root.exists("/proc/modules")) {
        auto text = m_root.read_text("/proc/modules");
        if (!text) return ReadError{text.error().message};
        loaded = checks::parse_proc_modules(text.value());
    } else {
        modules.has_proc_modules = false;
    }
    for (const char* name : k_modules) {
        checks::ModuleInfo info;
        const std::string sys_dir = std::string("/sys/module/") + name;
        if (loaded.count(name)) info.load = checks::ModuleLoad::loaded;
        else if (is_directory(m_root, sys_dir))
            // A loadable module has an initstate file; a built-in one with parameters has only the directory.
            info.load = m_root.exists(sys_dir + "/initstate") ? checks::ModuleLoad::loaded : checks::ModuleLoad::builtin;
        if (info.load != checks::ModuleLoad::absent) {
            for (const char* parameter : k_module_parameters) {
                auto value = m_root.read_text(sys_dir + "/parameters/" + parameter, 4096);
                if (value) info.parameters[parameter] = std::string(common::trim(value.value()));
            }
        }
        modules.modules[name] = std::move(info);
    }
    return modules;
}

const Fact<checks::DeviceNode>& HostFactsReader::device(const std::string& path) const {
    return cached(m_devices.entry(path), [&] { return read_device(path); });
}

Fact<checks::DeviceNode> HostFactsReader::read_device(const std::string& path) const {
    auto node = m_root.stat_node(path);
    if (!node) return ReadError{node.error().message};
    checks::DeviceNode device;
    device.path = path;
    if (!node.value()) return device;
    const auto& info = *node.value();
    device.exists = true;
    device.is_char_device = info.kind == common::NodeKind::char_device;
    device.major = info.major;
    device.minor = info.minor;
    device.mode = info.mode;
    device.uid = info.uid;
    device.gid = info.gid;
    const auto passwd = m_root.read_text("/etc/passwd");
    const auto group = m_root.read_text("/etc/group");
    device.owner = checks::user_name(passwd ? checks::parse_passwd(passwd.value()) : std::vector<checks::Account>{}, info.uid);
    device.group = checks::group_name(group ? checks::parse_group(group.value()) : std::vector<checks::Group>{}, info.gid);
    return device;
}

const Fact<checks::QemuIdentity>& HostFactsReader::qemu_identity() const {
    return cached(m_qemu_identity, [&] { return read_qemu_identity(); });
}

Fact<checks::QemuIdentity> HostFactsReader::read_qemu_identity() const {
    const auto passwd_text = m_root.read_text("/etc/passwd");
    if (!passwd_text) return ReadError{passwd_text.error().message};
    const auto group_text = m_root.read_text("/etc/group");
    if (!group_text) return ReadError{group_text.error().message};
    const auto accounts = checks::parse_passwd(passwd_text.value());
    const auto groups = checks::parse_group(group_text.value());

    checks::QemuIdentity identity;
    identity.source = "distro default";
    // RHEL builds libvirt with qemu:qemu, Debian with libvirt-qemu:libvirt-qemu.
    if (checks::find_account(accounts, "qemu")) identity.user = identity.group = "qemu";
    else identity.user = identity.group = "libvirt-qemu";
    if (const auto& conf = qemu_conf(); conf.has_value()) {
        if (const auto* user = conf->find("user")) identity.user = user->value, identity.source = "qemu.conf";
        if (const auto* group = conf->find("group")) identity.group = group->value, identity.source = "qemu.conf";
    } else if (!conf.is_unavailable()) {
        return ReadError{conf.reason()};
    }
    // qemu.conf accepts "+UID"/"+GID" for numeric ids.
    if (identity.user.starts_with('+')) {
        if (auto uid = common::parse_uint(identity.user.substr(1))) identity.uid = static_cast<unsigned>(*uid);
    } else if (const auto* account = checks::find_account(accounts, identity.user)) {
        identity.uid = account->uid;
        identity.supplementary_gids.insert(account->gid);
    }
    if (identity.group.starts_with('+')) {
        if (auto gid = common::parse_uint(identity.group.substr(1))) identity.gid = static_cast<unsigned>(*gid);
    } else if (const auto* group = checks::find_group(groups, identity.group)) {
        identity.gid = group->gid;
    }
    for (const auto& group : groups)
        if (std::count(group.members.begin(), group.members.end(), identity.user))
            identity.supplementary_gids.insert(group.gid);
    return identity;
}

const Fact<checks::MemInfo>& HostFactsReader::meminfo() const {
    return cached(m_meminfo, [&]() -> Fact<checks::MemInfo> {
        auto text = m_root.read_text("/proc/meminfo");
        if (!text) return ReadError{text.error().message};
        auto total = checks::parse_meminfo_total(text.value());
        if (!total) return ReadError{total.error().message};
        return checks::MemInfo{total.value()};
    });
}

const Fact<checks::OsRelease>& HostFactsReader::os_release() const {
    return cached(m_os_release, [&]() -> Fact<checks::OsRelease> {
        // os-release(5): /etc/os-release, falling back to /usr/lib/os-release only when it does not exist.
        std::string path = "/etc/os-release";
        if (!m_root.exists(path)) {
            if (!m_root.exists("/usr/lib/os-release"))
                return ReadError{"neither /etc/os-release nor /usr/lib/os-release exists"};
            path = "/usr/lib/os-release";
        }
        auto text = m_root.read_text(path, k_small_file);
        if (!text) return ReadError{text.error().message};
        auto parsed = checks::parse_os_release(text.value());
        if (!parsed) return ReadError{path + ": " + parsed.error().message};
        return parsed.value();
    });
}

const Fact<std::vector<checks::MountEntry>>& HostFactsReader::mounts() const {
    return cached(m_mounts, [&]() -> Fact<std::vector<checks::MountEntry>> {
        if (!m_root.is_live() && !m_root.exists("/proc/mounts"))
            return Unavailable{"no /proc/mounts under the root: an offline system has no mounts to read"};
        auto text = m_root.read_text("/proc/mounts");
        if (!text) return ReadError{text.error().message};
        auto parsed = checks::parse_mount_table(text.value(), "/proc/mounts");
        if (!parsed) return ReadError{parsed.error().message};
        return parsed.value();
    });
}

const Fact<checks::CgroupFacts>& HostFactsReader::cgroups() const {
    return cached(m_cgroups, [&] { return read_cgroups(); });
}

Fact<checks::CgroupFacts> HostFactsReader::read_cgroups() const {
    const auto& table = mounts();
    if (!table.has_value()) return table.is_unavailable() ? Fact<checks::CgroupFacts>(Unavailable{table.reason()})
                                                          : Fact<checks::CgroupFacts>(ReadError{table.reason()});
    checks::CgroupFacts cgroups;
    for (const auto& mount : table.value()) {
        if (mount.fstype == "cgroup") {
            for (auto option : common::split(mount.options, ','))
                for (const char* controller : k_cgroup_v1_controllers)
                    if (option == controller) cgroups.v1_controllers.insert(controller);
        } else if (mount.fstype == "cgroup2" && (!cgroups.v2_mount || mount.target == "/sys/fs/cgroup")) {
            cgroups.v2_mount = mount.target;
        }
    }
    if (cgroups.v2_mount) {
        auto text = m_root.read_text(*cgroups.v2_mount + "/cgroup.controllers", k_small_file);
        if (!text) return ReadError{text.error().message};
        for (auto name : common::split_whitespace(common::trim(text.value()))) cgroups.v2_controllers.emplace(name);
    }
    return cgroups;
}

const Fact<checks::IommuFacts>& HostFactsReader::iommu() const {
    return cached(m_iommu, [&] { return read_iommu(); });
}

Fact<checks::IommuFacts> HostFactsReader::read_iommu() const {
    checks::IommuFacts iommu;
    iommu.dmar_table = m_root.exists("/sys/firmware/acpi/tables/DMAR");
    iommu.ivrs_table = m_root.exists("/sys/firmware/acpi/tables/IVRS");
    if (auto groups = m_root.list_dir("/sys/kernel/iommu_groups")) iommu.iommu_groups = groups.value().size();
    auto cmdline = m_root.read_text("/proc/cmdline", k_small_file);
    if (!cmdline) return ReadError{cmdline.error().message};
    iommu.cmdline = common::trim(cmdline.value());
    return iommu;
}

const Fact<checks::FirmwareMsrs>& HostFactsReader::firmware_msrs() const {
    return cached(m_firmware_msrs, [&] { return read_firmware_msrs(); });
}

Fact<checks::FirmwareMsrs> HostFactsReader::read_firmware_msrs() const {
    // The msr driver exposes each MSR at the file offset equal to its index.
    constexpr std::uint64_t k_feature_control = 0x3a;
    constexpr std::uint64_t k_vm_cr = 0xc0010114;
    checks::FirmwareMsrs msrs;
    const auto& cpu = cpuinfo();
    const bool amd = cpu.has_value() && (cpu->vendor == "AuthenticAMD" || cpu->vendor == "HygonGenuine");
    const char* device = "/dev/cpu/0/msr";
    if (!m_root.exists(device)) {
        msrs.unreadable_reason = std::string("no ") + device + " (modprobe msr to allow the check)";
        return msrs;
    }
    auto bytes = m_root.read_bytes_at(device, amd ? k_vm_cr : k_feature_control, 8);
    if (!bytes) {
        msrs.unreadable_reason = bytes.error().message;
        return msrs;
    }
    (amd ? msrs.vm_cr : msrs.feature_control) = little_endian_u64(bytes.value());
    return msrs;
}

const Fact<checks::KvmProbeResult>& HostFactsReader::kvm_probe() const {
    return cached(m_kvm_probe, [&]() -> Fact<checks::KvmProbeResult> {
        if (!m_live.kvm) return Unavailable{m_live.reason};
        return m_live.kvm->run_probe();
    });
}

const Fact<checks::SysctlValue>& HostFactsReader::sysctl(const std::string& key) const {
    return cached(m_sysctls.entry(key), [&] { return read_sysctl(key); });
}

Fact<checks::SysctlValue> HostFactsReader::read_sysctl(const std::string& key) const {
    checks::SysctlValue value;
    std::string proc_path = "/proc/sys/" + key;
    std::replace(proc_path.begin() + 10, proc_path.end(), '.', '/');
    if (m_root.exists(proc_path)) {
        auto text = m_root.read_text(proc_path, k_small_file);
        if (!text) return ReadError{text.error().message};
        value.runtime = std::string(common::trim(text.value()));
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> listings;
    for (const char* dir : k_sysctl_dirs)
        if (auto names = m_root.list_dir(dir)) listings.emplace_back(dir, names.value());
    std::vector<std::string> order = checks::sysctl_file_order(listings);
    order.emplace_back("/etc/sysctl.conf");
    std::vector<checks::SysctlFile> files;
    for (const auto& path : order) {
        if (!m_root.exists(path)) continue;
        auto text = m_root.read_text(path, 1024 * 1024);
        if (!text) return ReadError{text.error().message};
        files.push_back({path, std::move(text).value()});
    }
    if (auto setting = checks::effective_sysctl(files, key)) {
        value.persisted = setting->value;
        value.persisted_source = setting->source;
    }
    return value;
}

const Fact<checks::KeyValueConf>& HostFactsReader::qemu_conf() const {
    return cached(m_qemu_conf, [&]() -> Fact<checks::KeyValueConf> {
        const char* path = "/etc/libvirt/qemu.conf";
        if (!m_root.exists(path)) return Unavailable{"no /etc/libvirt/qemu.conf: libvirt's QEMU driver is not installed"};
        auto text = m_root.read_text(path, 1024 * 1024);
        if (!text) return ReadError{text.error().message};
        auto parsed = checks::parse_libvirt_conf(text.value(), path);
        if (!parsed) return ReadError{parsed.error().message};
        return parsed.value();
    });
}

const Fact<std::vector<checks::DomainDefinition>>& HostFactsReader::domain_definitions() const {
    return cached(m_domains, [&] { return read_domain_definitions(); });
}

Fact<std::vector<checks::DomainDefinition>> HostFactsReader::read_domain_definitions() const {
    // Persistent QEMU guests are the XML files libvirt keeps here; autostart ones have a link in autostart/.
    const std::string dir = "/etc/libvirt/qemu";
    std::vector<checks::DomainDefinition> domains;
    if (!is_directory(m_root, dir)) return domains;
    auto names = m_root.list_dir(dir);
    if (!names) return ReadError{names.error().message};
    std::set<std::string> autostart;
    if (auto links = m_root.list_dir(dir + "/autostart")) autostart.insert(links.value().begin(), links.value().end());
    for (const auto& name : names.value()) {
        if (!name.ends_with(".xml")) continue;
        const std::string path = dir + "/" + name;
        auto text = m_root.read_text(path, 4 * 1024 * 1024);
        if (!text) return ReadError{text.error().message};
        auto domain = checks::parse_domain_xml(text.value(), path);
        if (!domain) return ReadError{domain.error().message};
        domain.value().autostart = autostart.count(name) > 0;
        for (const auto& disk : domain.value().disk_files)
            if (!m_root.exists(disk)) domain.value().missing_disk_files.push_back(disk);
        domains.push_back(std::move(domain).value());
    }
    return domains;
}

const Fact<checks::MountPersistence>& HostFactsReader::mount_persistence() const {
    return cached(m_mount_persistence, [&] { return read_mount_persistence(); });
}

Fact<checks::MountPersistence> HostFactsReader::read_mount_persistence() const {
    checks::MountPersistence persistence;
    if (m_root.exists("/etc/fstab")) {
        auto text = m_root.read_text("/etc/fstab", 1024 * 1024);
        if (!text) return ReadError{text.error().message};
        auto table = checks::parse_mount_table(text.value(), "/etc/fstab");
        if (!table) return ReadError{table.error().message};
        persistence.fstab = std::move(table).value();
    }
    for (const char* dir : k_unit_dirs)
        if (auto names = m_root.list_dir(dir))
            for (const auto& name : names.value())
                if (name.ends_with(".mount")) persistence.mount_units.insert(name);
    return persistence;
}

const Fact<checks::ImagesDirFacts>& HostFactsReader::images_dir() const {
    return cached(m_images_dir_facts, [&] { return read_images_dir(); });
}

Fact<checks::ImagesDirFacts> HostFactsReader::read_images_dir() const {
    checks::ImagesDirFacts dir;
    dir.path = m_images_dir;
    dir.exists = is_directory(m_root, dir.path);
    if (!dir.exists) return dir;
    const auto& table = mounts();
    if (!table.has_value()) return table.is_unavailable() ? Fact<checks::ImagesDirFacts>(Unavailable{table.reason()})
                                                          : Fact<checks::ImagesDirFacts>(ReadError{table.reason()});
    dir.mount = checks::mount_containing(table.value(), dir.path);
    if (auto usage = m_root.fs_usage(dir.path)) {
        dir.total_bytes = usage.value().total_bytes;
        dir.available_bytes = usage.value().available_bytes;
    }
    if (auto label = m_root.read_xattr(dir.path, "security.selinux")) dir.selinux_label = label.value();
    return dir;
}

const Fact<checks::SelinuxFacts>& HostFactsReader::selinux() const {
    return cached(m_selinux, [&] { return read_selinux(); });
}

Fact<checks::SelinuxFacts> HostFactsReader::read_selinux() const {
    checks::SelinuxFacts selinux;
    if (!m_root.exists("/sys/fs/selinux/enforce")) return selinux;
    selinux.enabled = true;
    auto enforce = m_root.read_text("/sys/fs/selinux/enforce", 64);
    if (!enforce) return ReadError{enforce.error().message};
    selinux.enforcing = common::trim(enforce.value()) == "1";
    // The local rules live under the policy the config names ("targeted" on RHEL, "default" on Debian).
    auto config = m_root.read_text("/etc/selinux/config", k_small_file);
    const std::string policy = checks::selinux_policy_type(config ? config.value() : "");
    if (auto rules = m_root.read_text("/etc/selinux/" + policy + "/contexts/files/file_contexts.local", 1024 * 1024))
        selinux.local_fcontext_rules = rules.value();
    return selinux;
}

const Fact<checks::SystemdFacts>& HostFactsReader::systemd() const {
    return cached(m_systemd, [&]() -> Fact<checks::SystemdFacts> {
        if (!m_live.service_manager) return Unavailable{m_live.reason};
        return m_live.service_manager->unit_states({"libvirtd.service", "libvirtd.socket", "virtqemud.service",
                                                    "virtqemud.socket", "virtnetworkd.service", "virtnetworkd.socket",
                                                    "virtstoraged.service", "virtstoraged.socket"});
    });
}

const Fact<checks::FirewallFacts>& HostFactsReader::firewall() const {
    return cached(m_firewall, [&]() -> Fact<checks::FirewallFacts> {
        if (!m_live.firewall) return Unavailable{m_live.reason};
        return m_live.firewall->status();
    });
}

const Fact<checks::LibvirtFacts>& HostFactsReader::libvirt() const {
    return cached(m_libvirt, [&]() -> Fact<checks::LibvirtFacts> {
        if (!m_live.hypervisor) return Unavailable{m_live.reason};
        return m_live.hypervisor->inspect(m_images_pool);
    });
}

const Fact<netconfig::NetworkState>& HostFactsReader::network() const {
    return cached(m_network, [&]() -> Fact<netconfig::NetworkState> {
        if (!m_live.network) return Unavailable{m_live.reason};
        return m_live.network->observe();
    });
}

const Fact<checks::NetworkDefinitions>& HostFactsReader::network_definitions() const {
    return cached(m_network_definitions, [&] { return read_network_definitions(); });
}

Fact<checks::NetworkDefinitions> HostFactsReader::read_network_definitions() const {
    checks::NetworkDefinitions found;
    // Reads every file of `dir` that `wanted` accepts; a directory that does not exist has nothing to say.
    const auto read_dir = [&](const std::string& dir, auto wanted, auto parse) -> std::optional<std::string> {
        if (!is_directory(m_root, dir)) return std::nullopt;
        auto names = m_root.list_dir(dir);
        if (!names) return names.error().message;
        for (const auto& name : names.value()) {
            if (!wanted(name)) continue;
            const std::string path = dir + "/" + name;
            auto node = m_root.stat_node(path);
            if (!node) return node.error().message;
            if (!node.value() || node.value()->kind != common::NodeKind::regular) continue;
            auto text = m_root.read_text(path, k_small_file);
            if (!text) return text.error().message;
            if (auto definition = parse(text.value(), path)) found.definitions.push_back(std::move(*definition));
        }
        return std::nullopt;
    };
    const auto keyfile = [](const std::string& text, const std::string& path) {
        return std::optional(checks::parse_nm_keyfile(text, path));
    };
    for (const char* dir : k_keyfile_dirs)
        if (auto problem = read_dir(dir, [](const std::string& name) { return name.ends_with(".nmconnection"); }, keyfile))
            return ReadError{*problem};
    if (auto problem = read_dir(
            k_ifcfg_dir, [](const std::string& name) { return !checks::is_ignored_ifcfg_name(name); },
            [](const std::string& text, const std::string& path) { return std::optional(checks::parse_ifcfg(text, path)); }))
        return ReadError{*problem};
    if (auto problem = read_dir(
            k_libvirt_networks_dir, [](const std::string& name) { return name.ends_with(".xml"); },
            [](const std::string& text, const std::string& path) -> std::optional<checks::NetworkDefinition> {
                const auto bridge = checks::libvirt_network_bridge(text);
                if (bridge.empty()) return std::nullopt;
                checks::NetworkDefinition definition;
                definition.path = path;
                definition.source = "libvirt";
                definition.interface = bridge;
                definition.type = "bridge";
                const auto slash = path.rfind('/');
                definition.id = path.substr(slash + 1, path.size() - slash - 1 - 4);
                return definition;
            }))
        return ReadError{*problem};
    checks::resolve_definition_references(found.definitions);
    return found;
}

const Fact<checks::BondingStatus>& HostFactsReader::bonding(const std::string& bond) const {
    return cached(m_bonding.entry(bond), [&] { return read_bonding(bond); });
}

Fact<checks::BondingStatus> HostFactsReader::read_bonding(const std::string& bond) const {
    if (bond.empty() || bond.find('/') != std::string::npos || bond == "." || bond == "..")
        return ReadError{"\"" + bond + "\" is not a bond name"};
    const std::string path = "/proc/net/bonding/" + bond;
    if (!m_root.exists(path)) return Unavailable{"no " + path};
    auto text = m_root.read_text(path, k_small_file);
    if (!text) return ReadError{text.error().message};
    auto status = checks::parse_proc_net_bonding(text.value());
    if (!status) return ReadError{path + ": " + status.error().message};
    return status.value();
}

const Fact<checks::FirewallZoneFacts>& HostFactsReader::firewall_zone(const std::string& zone) const {
    return once(m_firewall_zones.entry(zone), [&]() -> Fact<checks::FirewallZoneFacts> {
        if (!m_live.firewall) return Unavailable{m_live.reason};
        return m_live.firewall->zone(zone);
    });
}

void HostFactsReader::adopt(const checks::ObservedFacts& observed) {
    if (observed.libvirt_units)
        once(m_systemd, [&]() -> Fact<checks::SystemdFacts> { return *observed.libvirt_units; });
    if (observed.firewall) once(m_firewall, [&]() -> Fact<checks::FirewallFacts> { return *observed.firewall; });
    for (const auto& [name, zone] : observed.firewall_zones)
        once(m_firewall_zones.entry(name), [&]() -> Fact<checks::FirewallZoneFacts> { return zone; });
}

const Fact<checks::InterfaceZone>& HostFactsReader::firewall_interface_zone(const std::string& interface) const {
    return once(m_interface_zones.entry(interface), [&]() -> Fact<checks::InterfaceZone> {
        if (!m_live.firewall) return Unavailable{m_live.reason};
        return m_live.firewall->zone_of_interface(interface);
    });
}

const Fact<checks::GuestSmokeFacts>& HostFactsReader::guest_smoke(const std::vector<std::string>& bridges) const {
    return once(m_guest_smokes.entry(bridges), [&]() -> Fact<checks::GuestSmokeFacts> {
        if (!m_live.guest_booter) return Unavailable{m_live.reason};
        return m_live.guest_booter->boot_smoke_guest(m_images_pool, bridges);
    });
}

}  // namespace host
