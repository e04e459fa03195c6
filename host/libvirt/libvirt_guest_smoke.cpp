#include "host/libvirt/libvirt_guest_smoke.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "checks/guest_smoke.h"
#include "checks/parsers/libvirt_xml.h"
#include "common/bounded_call.h"
#include "common/text.h"
#include "host/libvirt/libvirt_calls.h"
#include "host/lock/run_lock.h"

namespace host::libvirt {
namespace {

namespace fs = std::filesystem;
using checks::GuestSmokeFacts;
using checks::SmokeStep;
using Clock = std::chrono::steady_clock;

// The console holds one short line; anything longer is not the smoke guest's.
constexpr std::size_t k_console_cap = 4096;
constexpr auto k_poll_interval = std::chrono::milliseconds(20);

std::string read_console(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text(k_console_cap, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

// The last few hundred bytes of a file (QEMU's log of the domain).
std::string read_tail(const fs::path& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return "";
    const auto size = static_cast<std::streamoff>(in.tellg());
    const std::streamoff keep = std::min<std::streamoff>(size, 600);
    in.seekg(size - keep);
    std::string text(static_cast<std::size_t>(keep), '\0');
    in.read(text.data(), keep);
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

// The bridge a link is a port of, from sysfs ("" none). The name comes from libvirt's XML: only a plain link
// name is looked up.
std::string master_of(const std::string& link) {
    if (link.empty() || link.size() > 15 || link.find('/') != std::string::npos || link == "." || link == "..")
        return "";
    std::error_code ec;
    const auto target = fs::read_symlink(fs::path("/sys/class/net") / link / "master", ec);
    return ec ? "" : target.filename().string();
}

// Destroys the domains, deletes the volumes and removes the console files an earlier run left (killed before it
// could), recording each.
void remove_leftovers(virConnectPtr connection, virStoragePoolPtr pool, const fs::path& console_dir,
                      std::vector<std::string>& removed) {
    virDomainPtr* domains = nullptr;
    const int domain_count = vir().virConnectListAllDomains(connection, &domains, 0);
    for (int i = 0; i < domain_count; ++i) {
        Domain domain(domains[i]);
        const char* name = vir().virDomainGetName(domain.get());
        if (!name || !checks::is_smoke_object(name)) continue;
        if (vir().virDomainIsActive(domain.get()) == 1) vir().virDomainDestroy(domain.get());
        if (vir().virDomainIsPersistent(domain.get()) == 1) vir().virDomainUndefine(domain.get());
        removed.push_back(std::string("domain ") + name);
    }
    std::free(domains);
    if (pool) {
        virStorageVolPtr* volumes = nullptr;
        const int volume_count = vir().virStoragePoolListAllVolumes(pool, &volumes, 0);
        for (int i = 0; i < volume_count; ++i) {
            Volume volume(volumes[i]);
            const char* name = vir().virStorageVolGetName(volume.get());
            if (name && checks::is_smoke_object(name) && vir().virStorageVolDelete(volume.get(), 0) == 0)
                removed.push_back(std::string("volume ") + name);
        }
        std::free(volumes);
    }
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(console_dir, ec)) {
        const auto name = entry.path().filename().string();
        if (!checks::is_smoke_object(name) || !entry.is_regular_file(ec)) continue;
        // QEMU's log of a killed run's domain goes with it, without a word of its own.
        if (fs::remove(entry.path(), ec) && entry.path().extension() != ".log")
            removed.push_back("file " + entry.path().string());
    }
}

// A run that stopped at `step`: what it was asked, where it stopped, and why.
GuestSmokeFacts stopped_at(const std::string& pool, const std::vector<std::string>& bridges, SmokeStep step,
                           std::string error) {
    GuestSmokeFacts facts;
    facts.pool = pool;
    facts.bridges = bridges;
    facts.failed_step = step;
    facts.error = std::move(error);
    return facts;
}

struct Run {
    GuestSmokeSettings settings;
    std::string pool_name;
    std::vector<std::string> bridges;

    GuestSmokeFacts operator()() const {
        GuestSmokeFacts facts;
        facts.pool = pool_name;
        facts.bridges = bridges;
        // Stops at `step`, keeping what the run found so far (the leftovers it removed).
        const auto failed = [&facts](SmokeStep step, std::string error) {
            facts.failed_step = step;
            facts.error = std::move(error);
            return facts;
        };
        if (auto loaded = load_libvirt(); !loaded) return failed(SmokeStep::connect, loaded.error().message);
        auto lock_file = settings.lock_file ? settings.lock_file() : common::make_error("no lock file");
        if (!lock_file) return failed(SmokeStep::lock, lock_file.error().message);
        auto lock = RunLock::acquire(*lock_file);
        if (!lock) return failed(SmokeStep::lock, lock.error().message);

        UniqueConnection connection(vir().virConnectOpen(settings.uri.c_str()));
        if (!connection) return failed(SmokeStep::connect, settings.uri + ": " + last_error());
        Pool pool(vir().virStoragePoolLookupByName(connection.get(), pool_name.c_str()));
        remove_leftovers(connection.get(), pool.get(), settings.console_dir, facts.leftovers_removed);
        if (!pool) return failed(SmokeStep::pool, "no pool " + pool_name + ": " + last_error());
        if (vir().virStoragePoolIsActive(pool.get()) != 1) return failed(SmokeStep::pool, "pool " + pool_name + " is not active");
        if (CString xml{vir().virStoragePoolGetXMLDesc(pool.get(), 0)}) facts.images_path = checks::pool_target_path(xml.get());

        const std::string name = std::string(checks::k_smoke_prefix) + std::to_string(::getpid()) + "-" +
                                 std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000);
        const std::string volume_xml = "<volume><name>" + name + ".img</name><capacity unit='MiB'>1</capacity>"
                                       "<target><format type='raw'/></target></volume>";
        Volume volume(vir().virStorageVolCreateXML(pool.get(), volume_xml.c_str(), 0));
        if (!volume) return failed(SmokeStep::volume, "creating a volume in pool " + pool_name + ": " + last_error());
        facts.volume = name + ".img";
        CString disk(vir().virStorageVolGetPath(volume.get()));

        const fs::path console = fs::path(settings.console_dir) / (name + ".console");
        const fs::path qemu_log = fs::path(settings.console_dir) / (name + ".log");
        facts.domain = name;
        facts.xml = checks::smoke_domain_xml({name, settings.guest_kernel, disk ? disk.get() : "", console.string(),
                                              bridges});
        boot(connection.get(), facts, console);
        // libvirt appends "shutting down" to QEMU's log while it stops a domain: remove the log once the
        // transient domain is gone, or the append would make the file again.
        for (const auto gone_by = Clock::now() + settings.call_timeout; Clock::now() < gone_by;) {
            if (!Domain(vir().virDomainLookupByName(connection.get(), name.c_str()))) break;
            std::this_thread::sleep_for(k_poll_interval);
        }

        // Cleanup, whatever happened (boot() ended the domain): the volume, the console, QEMU's log.
        if (vir().virStorageVolDelete(volume.get(), 0) != 0)
            facts.cleanup_failures.push_back("volume " + facts.volume + ": " + last_error());
        // QEMU's log says why a guest that started never wrote its line: its end goes into the error.
        if (facts.failed_step == SmokeStep::boot) {
            const auto log = read_tail(qemu_log);
            if (!log.empty()) facts.error += "; QEMU's log ends: \"" + common::escape_controls(log, 600) + "\"";
        }
        std::error_code ec;
        fs::remove(console, ec);
        fs::remove(qemu_log, ec);
        return facts;
    }

    // Starts the domain paused (its taps exist, the guest has not run), reads what libvirt made, runs the vCPU
    // and waits for the console line. AUTODESTROY: should this process die, libvirt ends the domain with the
    // connection.
    void boot(virConnectPtr connection, GuestSmokeFacts& facts, const fs::path& console) const {
        Domain domain(vir().virDomainCreateXML(connection, facts.xml.c_str(),
                                         VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY));
        if (!domain) {
            facts.failed_step = SmokeStep::start;
            facts.error = last_error();
            return;
        }
        if (CString live{vir().virDomainGetXMLDesc(domain.get(), 0)}) {
            facts.domain_type = checks::first_attribute(live.get(), "domain", "type");
            const auto taps = checks::interface_targets(live.get());
            for (std::size_t i = 0; i < taps.size() && i < bridges.size(); ++i)
                facts.taps.push_back({taps[i], bridges[i], master_of(taps[i])});
        }
        const auto start = Clock::now();
        if (vir().virDomainResume(domain.get()) != 0) {
            facts.failed_step = SmokeStep::start;
            facts.error = "resuming the guest: " + last_error();
        }
        while (facts.failed_step == SmokeStep::none) {
            const bool running = vir().virDomainIsActive(domain.get()) == 1;
            const auto text = read_console(console);
            if (auto signature = checks::smoke_console_signature(text)) {
                facts.hypervisor = *signature;
                facts.time_to_marker = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
                break;
            }
            const bool timed_out = Clock::now() - start > settings.boot_timeout;
            if (running && !timed_out) {
                std::this_thread::sleep_for(k_poll_interval);
                continue;
            }
            facts.failed_step = SmokeStep::boot;
            facts.error = (running ? "no console line within " + std::to_string(settings.boot_timeout.count() / 1000) + " s"
                                   : std::string("the guest ended before its console line")) +
                          (text.empty() ? std::string() : ": \"" + common::escape_controls(text) + "\"");
        }
        if (vir().virDomainIsActive(domain.get()) == 1 && vir().virDomainDestroy(domain.get()) != 0 &&
            vir().virDomainIsActive(domain.get()) == 1)
            facts.cleanup_failures.push_back("domain " + facts.domain + ": " + last_error());
    }
};

}  // namespace

LibvirtGuestSmoke::LibvirtGuestSmoke(GuestSmokeSettings settings) : m_settings(std::move(settings)) {}

checks::Fact<checks::GuestSmokeFacts> LibvirtGuestSmoke::boot_smoke_guest(const std::string& pool,
                                                                          const std::vector<std::string>& bridges) {
    // A guest on the host's bridges and a volume in its pool need libvirt's system instance, read-write.
    if (::geteuid() != 0) return checks::Unavailable{std::string("it boots a guest through libvirt: ") + checks::k_needs_root};
    std::error_code ec;
    if (!fs::is_regular_file(m_settings.guest_kernel, ec))
        return stopped_at(pool, bridges, SmokeStep::smoke_guest, m_settings.guest_kernel + ": no such file");
    // A handful of libvirt calls and the boot: a hung daemon costs the bound, not the run. An abandoned run still
    // ends its domain when the process exits (AUTODESTROY), and the next run removes its volume.
    const auto bound = m_settings.call_timeout * 8 + m_settings.boot_timeout;
    auto ran = common::call_with_deadline<GuestSmokeFacts>(Run{m_settings, pool, bridges}, bound);
    if (ran) return *ran;
    return stopped_at(pool, bridges, SmokeStep::start, "libvirt did not finish within " + std::to_string(bound.count() / 1000) + " s");
}

}  // namespace host::libvirt
