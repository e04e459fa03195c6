// libvirt checks: daemons (over systemd), connection and capabilities, default network and pool,
// guests that will not come back after reboot, guests that ignore shutdown, open consoles.
#include <algorithm>
#include <iterator>
#include <string_view>
#include <vector>

#include "checks/catalogue.h"
#include "checks/judges.h"
#include "common/text.h"

namespace checks {
namespace {

constexpr const char* k_enable_fix =
    "systemctl enable --now libvirtd (RHEL 9's modular daemons: for d in qemu network storage; do systemctl "
    "enable --now virt${d}d.socket; done), or kvm-agent apply with a libvirt: section";

const UnitState* unit(const SystemdFacts& systemd, const std::string& name) {
    auto it = systemd.units.find(name);
    return it == systemd.units.end() || it->second.load_state == "not-found" ? nullptr : &it->second;
}

bool enabled(const UnitState* state) {
    return state && (state->unit_file_state == "enabled" || state->unit_file_state == "enabled-runtime" ||
                     state->unit_file_state == "static" || state->unit_file_state == "indirect" ||
                     state->unit_file_state == "alias");
}
bool active(const UnitState* state) {
    return state && (state->active_state == "active" || state->active_state == "reloading");
}

std::string describe(const SystemdFacts& systemd, const std::string& name) {
    const auto* state = unit(systemd, name);
    if (!state) return name + " not installed";
    return name + " " + state->active_state + "/" + (state->unit_file_state.empty() ? "-" : state->unit_file_state);
}

// A daemon is up when its service or its socket (socket activation) is both enabled and active.
struct DaemonState {
    bool installed = false, running = false, at_boot = false;
};
DaemonState daemon_state(const SystemdFacts& systemd, const std::string& daemon) {
    const auto* service = unit(systemd, daemon + ".service");
    const auto* socket = unit(systemd, daemon + ".socket");
    DaemonState state;
    state.installed = service || socket;
    state.running = active(service) || active(socket);
    state.at_boot = enabled(service) || enabled(socket);
    return state;
}

Outcome needs_connection(const HostFacts& facts, const LibvirtFacts** out) {
    const auto& fact = facts.libvirt();
    if (!fact.has_value()) return missing_fact(fact);
    if (!fact->connected || !fact->call_error.empty())
        return skip("no answer from " + fact->uri + " (see libvirt.connection)");
    *out = &fact.value();
    return pass("");
}

// `virsh_noun` is "net" or "pool": the prefix of virsh's -start/-autostart commands.
Outcome judge_object(const LibvirtObject& object, const std::string& what, const std::string& define_fix,
                     const std::string& virsh_noun, const std::string& name) {
    if (!object.defined) return warn(what + " is not defined", define_fix);
    std::vector<std::string> problems;
    if (!object.active) problems.push_back("inactive");
    if (!object.autostart) problems.push_back("not autostarted");
    const std::string state = std::string(object.active ? "active" : "inactive") + ", " +
                              (object.autostart ? "autostart" : "no autostart") +
                              (object.detail.empty() ? "" : ", " + object.detail);
    if (!problems.empty()) {
        std::string fix;
        if (!object.active) fix += "virsh " + virsh_noun + "-start " + name;
        if (!object.autostart)
            fix += std::string(fix.empty() ? "" : " && ") + "virsh " + virsh_noun + "-autostart " + name;
        return warn(what + ": " + state, fix);
    }
    return pass(what + ": " + state);
}

}  // namespace

Outcome judge_libvirt_daemon(const HostFacts& facts) {
    const auto& fact = facts.systemd();
    if (!fact.has_value()) return missing_fact(fact);
    const SystemdFacts& systemd = fact.value();
    const auto monolithic = daemon_state(systemd, "libvirtd");
    const auto qemu = daemon_state(systemd, "virtqemud");
    // RHEL 9 defaults to the modular daemons; a host uses that mode once virtqemud is enabled or running.
    const bool modular = qemu.installed && (qemu.at_boot || qemu.running) && !(monolithic.running || monolithic.at_boot);
    std::vector<std::string> names = modular ? std::vector<std::string>{"virtqemud", "virtnetworkd", "virtstoraged"}
                                             : std::vector<std::string>{"libvirtd"};
    std::vector<std::string> evidence_parts, not_running, not_at_boot;
    for (const auto& name : names) {
        const auto state = daemon_state(systemd, name);
        evidence_parts.push_back(describe(systemd, name + ".service") + ", " + describe(systemd, name + ".socket"));
        if (!state.running) not_running.push_back(name);
        if (!state.at_boot) not_at_boot.push_back(name);
    }
    const std::string evidence = std::string(modular ? "modular daemons: " : "monolithic libvirtd: ") +
                                 common::join(evidence_parts, "; ");
    if (!monolithic.installed && !qemu.installed)
        return fail("neither libvirtd nor virtqemud is installed",
                    "dnf install libvirt-daemon-kvm (Debian: apt-get install libvirt-daemon-system), then " +
                        std::string(k_enable_fix));
    if (!not_running.empty())
        return fail(evidence + " — not running: " + common::join(not_running, ", "), k_enable_fix);
    if (!not_at_boot.empty())
        return warn(evidence + " — running but not enabled at boot: " + common::join(not_at_boot, ", "),
                    "systemctl enable " + common::join(not_at_boot, " "));
    return pass(evidence);
}

Outcome judge_libvirt_connection(const HostFacts& facts) {
    const auto& fact = facts.libvirt();
    if (!fact.has_value()) return missing_fact(fact);
    const LibvirtFacts& libvirt = fact.value();
    if (!libvirt.client_library_error.empty())
        return fail(libvirt.client_library_error,
                    "dnf install libvirt-libs (Debian: apt-get install libvirt0)");
    // A daemon that has just started (or been upgraded) probes every QEMU binary on its first capabilities call,
    // which takes seconds: a bound that expires is a slow daemon, not a broken one.
    if (libvirt.timed_out)
        return warn((libvirt.connected ? "connected to " + libvirt.uri + ", but " + libvirt.call_error
                                       : "no answer from " + libvirt.uri + ": " + libvirt.connect_error) +
                        " (a daemon that has just started probes QEMU first)",
                    "run kvm-doctor again in a minute, or with a longer --timeout; if it stays slow: journalctl -u "
                    "libvirtd (or virtqemud)");
    if (!libvirt.connected)
        return fail("cannot connect to " + libvirt.uri + ": " + libvirt.connect_error,
                    std::string("start libvirt: ") + k_enable_fix);
    if (!libvirt.call_error.empty())
        return fail("connected to " + libvirt.uri + ", but " + libvirt.call_error,
                    "journalctl -u libvirtd (or virtqemud) for why the daemon is slow or stuck; systemctl restart "
                    "libvirtd (or virtqemud)");
    if (!libvirt.x86_64_guests)
        return fail("connected to " + libvirt.uri + " (" + libvirt.capabilities_summary +
                        "), but it finds no QEMU emulator for x86_64 guests",
                    "dnf install qemu-kvm (Debian: apt-get install qemu-system-x86), then restart libvirt: "
                    "systemctl restart libvirtd (or virtqemud)");
    if (!libvirt.kvm_x86_64)
        return fail("connected to " + libvirt.uri + " (" + libvirt.capabilities_summary +
                        "), but its capabilities offer no kvm domain for x86_64: guests would run emulated (TCG)",
                    "make /dev/kvm usable (see kernel.kvm-modules, dev.kvm.*), then restart libvirt so QEMU's "
                    "capabilities are probed again: systemctl restart libvirtd (or virtqemud)");
    return pass("connected to " + libvirt.uri + " (" + libvirt.capabilities_summary +
                "); capabilities offer kvm for x86_64");
}

Outcome judge_libvirt_default_network(const HostFacts& facts, const Expectations* expectations) {
    const LibvirtFacts* libvirt = nullptr;
    if (auto outcome = needs_connection(facts, &libvirt); !libvirt) return outcome;
    const LibvirtObject& network = libvirt->default_network;
    if (expectations && expectations->default_network_absent) {
        if (!network.defined) return pass("network \"default\" is not defined, as the profile asks (default-network: absent)");
        return warn(std::string("network \"default\" is defined (") + (network.active ? "active" : "inactive") +
                        "), but the profile says default-network: absent",
                    apply_fix(*expectations, "libvirt"));
    }
    return judge_object(network, "network \"default\"",
                        "virsh net-define /usr/share/libvirt/networks/default.xml && virsh net-autostart default "
                        "&& virsh net-start default (or bridge guests instead with kvm-agent's network: section)",
                        "net", "default");
}

Outcome judge_libvirt_storage_pool(const HostFacts& facts, const Expectations* expectations) {
    const LibvirtFacts* libvirt = nullptr;
    if (auto outcome = needs_connection(facts, &libvirt); !libvirt) return outcome;
    const auto& pool = libvirt->images_pool;
    const std::string name = libvirt->images_pool_name;
    const ExpectedImages* profile = expected_images(expectations);
    // The directory the facts were read for: the profile's, --images-dir's, or the default.
    const auto& images_dir = facts.images_dir();
    const std::string path = images_dir.has_value() ? images_dir->path : std::string(k_default_images_dir);
    auto outcome = judge_object(pool, "pool \"" + name + "\"",
                                profile ? apply_fix(*expectations, "storage")
                                        : "virsh pool-define-as " + name + " dir --target " + path +
                                              " && virsh pool-build " + name + " && virsh pool-start " + name +
                                              " && virsh pool-autostart " + name,
                                "pool", name);
    if (outcome.status != Status::pass) return outcome;
    if (!pool.target_exists)
        return fail("pool \"" + name + "\" path " + pool.detail + " does not exist",
                    profile ? apply_fix(*expectations, "storage") : "mkdir -p " + pool.detail + " && virsh pool-build " + name);
    std::string_view target = pool.detail;
    while (target.size() > 1 && target.back() == '/') target.remove_suffix(1);
    if (profile && target != profile->path)
        return warn("pool \"" + name + "\" holds " + pool.detail + ", but the profile puts images in " + profile->path,
                    "name another pool in storage.images.pool, or virsh pool-destroy " + name + " && virsh pool-undefine " +
                        name + " once no guest disk is in it; then " + apply_fix(*expectations, "storage"));
    return outcome;
}

Outcome judge_libvirt_autostart_disks(const HostFacts& facts) {
    const auto& domains = facts.domain_definitions();
    if (!domains.has_value()) return missing_fact(domains);
    const auto& mounts = facts.mounts();
    if (!mounts.has_value()) return missing_fact(mounts);
    const auto& persistence = facts.mount_persistence();
    if (!persistence.has_value()) return missing_fact(persistence);

    std::vector<MountEntry> at_boot;  // fstab entries without noauto
    std::copy_if(persistence->fstab.begin(), persistence->fstab.end(), std::back_inserter(at_boot), mounts_at_boot);
    std::vector<std::string> problems, fixes;
    int autostart = 0;
    for (const auto& domain : domains.value()) {
        if (!domain.autostart) continue;
        ++autostart;
        for (const auto& disk : domain.disk_files) {
            // The filesystem fstab says the disk should live on, versus the one it lives on now.
            std::optional<MountEntry> wanted = mount_containing(at_boot, disk);
            std::optional<MountEntry> current = mount_containing(mounts.value(), disk);
            const bool missing = std::count(domain.missing_disk_files.begin(), domain.missing_disk_files.end(), disk);
            if (wanted && wanted->target != "/" && (!current || current->target.size() < wanted->target.size())) {
                problems.push_back(domain.name + ": " + disk + " is on " + wanted->target + " (in /etc/fstab), which is not mounted");
                fixes.push_back("mount " + wanted->target);
            } else if (missing) {
                problems.push_back(domain.name + ": disk " + disk + " does not exist");
                fixes.push_back("restore " + disk + " or remove it from " + domain.name + " (virsh edit " + domain.name + ")");
            } else if (current && current->target != "/") {
                const bool in_fstab = std::any_of(at_boot.begin(), at_boot.end(),
                                                  [&](const MountEntry& e) { return e.target == current->target; });
                if (!in_fstab && !persistence->mount_units.count(mount_unit_name(current->target))) {
                    problems.push_back(domain.name + ": " + disk + " is on " + current->target + " (" + current->source +
                                       "), mounted now but not in /etc/fstab or a mount unit: after reboot the guest will not start");
                    fixes.push_back("add " + current->target + " to /etc/fstab: echo \"UUID=$(blkid -s UUID -o value " +
                                    current->source + ") " + current->target + " " + current->fstype +
                                    " defaults 0 0\" >> /etc/fstab");
                }
            }
        }
    }
    if (!problems.empty()) return fail(common::join(problems, "; "), common::join(fixes, "; "));
    return pass(std::to_string(autostart) + " autostart guest" + (autostart == 1 ? "" : "s") +
                ", every disk on a filesystem mounted at boot");
}

Outcome judge_libvirt_domain_acpi(const HostFacts& facts) {
    const auto& domains = facts.domain_definitions();
    if (!domains.has_value()) return missing_fact(domains);
    std::vector<std::string> without;
    for (const auto& domain : domains.value())
        if (!domain.acpi) without.push_back(domain.name);
    if (!without.empty())
        return warn(common::join(without, ", ") + (without.size() == 1 ? " has" : " have") +
                        " no <acpi/>: virsh shutdown (and host shutdown via libvirt-guests) will not stop " +
                        (without.size() == 1 ? "it" : "them"),
                    "virsh edit NAME and add <acpi/> inside <features>, for " + common::join(without, ", "));
    return pass(std::to_string(domains->size()) + " persistent guest" + (domains->size() == 1 ? "" : "s") +
                ", all with ACPI");
}

Outcome judge_qemu_vnc_listen(const HostFacts& facts) {
    const auto& fact = facts.qemu_conf();
    if (!fact.has_value()) return missing_fact(fact);
    const KeyValueConf& conf = fact.value();
    std::vector<std::string> open, fixes;
    for (const char* kind : {"vnc", "spice"}) {
        const auto* listen = conf.find(std::string(kind) + "_listen");
        if (!listen) continue;
        const bool loopback = listen->value.starts_with("127.") || listen->value == "::1" || listen->value == "localhost";
        const auto* tls = conf.find(std::string(kind) + "_tls");
        const bool tls_on = tls && common::parse_bool_word(tls->value).value_or(false);
        if (loopback || tls_on) continue;
        open.push_back(std::string(kind) + "_listen = \"" + listen->value + "\" (qemu.conf:" +
                       std::to_string(listen->line) + ") without " + kind + "_tls");
        fixes.push_back(std::string("set ") + kind + "_listen = \"127.0.0.1\"");
    }
    if (!open.empty())
        return warn(common::join(open, "; ") + ": guest consoles are open to the network unencrypted",
                    common::join(fixes, " and ") + " in /etc/libvirt/qemu.conf, restart libvirt, and reach consoles "
                    "over SSH (virt-viewer --connect qemu+ssh://HOST/system GUEST); or enable vnc_tls");
    const auto* listen = conf.find("vnc_listen");
    return pass(listen ? "vnc_listen = \"" + listen->value + "\"" : "vnc_listen unset (libvirt listens on 127.0.0.1)");
}

}  // namespace checks
