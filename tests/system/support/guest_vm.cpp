#include "tests/system/support/guest_vm.h"

#include <signal.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/process.h"
#include "tests/system/support/guest_agent.h"

namespace tests::system {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::string read_small_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool host_offers_hardware_virtualization() {
    if (::access("/dev/kvm", R_OK | W_OK) != 0) return false;
    // A /dev/kvm without vmx/svm in cpuinfo is a paravirtual backend that hangs stock guest kernels.
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);)
        if (line.rfind("flags", 0) == 0)
            return line.find(" vmx") != std::string::npos || line.find(" svm") != std::string::npos;
    return false;
}

// Returns {accel argument, cpu model}. Under TCG, `max` shows the guest svm (TCG cannot offer vmx), and
// `max,-svm` once broke a boot, so "no virtualization" uses the plain qemu64 model.
std::pair<std::string, std::string> choose_accelerator(GuestCpu cpu) {
    if (host_offers_hardware_virtualization())
        return {"kvm", cpu == GuestCpu::good_kvm_host ? "host" : "host,-vmx,-svm"};
    return {"tcg,thread=multi,tb-size=512", cpu == GuestCpu::good_kvm_host ? "max" : "qemu64,-svm"};
}

pid_t qemu_pid(const fs::path& state_dir) {
    const std::string text = read_small_file(state_dir / "qemu.pid");
    return text.empty() ? -1 : static_cast<pid_t>(std::atol(text.c_str()));
}

// A QEMU that exited is dead even while its zombie waits for a late reaper.
bool process_alive(pid_t pid) { return tests::process_runs(pid); }

std::string console_tail(const fs::path& state_dir, std::size_t lines) {
    std::ifstream in(state_dir / "console.log");
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) all.push_back(line);
    std::string tail;
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) tail += all[i] + "\n";
    return tail;
}

void create_image(const std::vector<std::string>& argv) {
    const auto result = run_process(argv, 60s);
    if (result.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + result.err);
}

}  // namespace

GuestVm::GuestVm(fs::path state_dir, bool owned) : m_state_dir(std::move(state_dir)), m_owned(owned) {}

GuestVm::GuestVm(GuestVm&& other) noexcept : m_state_dir(std::move(other.m_state_dir)), m_owned(other.m_owned) {
    other.m_owned = false;
}

GuestVm& GuestVm::operator=(GuestVm&& other) noexcept {
    if (this != &other) {
        m_state_dir = std::move(other.m_state_dir);
        m_owned = other.m_owned;
        other.m_owned = false;
    }
    return *this;
}

GuestVm::~GuestVm() {
    if (!m_owned) return;
    try {
        power_off();
    } catch (...) {
        // A destructor cannot report; power_off already fell back to killing QEMU.
    }
}

fs::path socket_path(const fs::path& state_dir, const std::string& name) {
    const auto absolute = fs::absolute(state_dir).lexically_normal();
    const auto in_state = absolute / name;
    constexpr std::size_t k_sun_path = sizeof(sockaddr_un::sun_path);  // 108, with its terminating NUL
    if (in_state.string().size() < k_sun_path) return in_state;
    // FNV-1a: the same name in every program and every run, whatever the standard library's hash.
    std::uint64_t hash = 14695981039346656037ull;
    for (const unsigned char c : absolute.string()) hash = (hash ^ c) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    const fs::path short_dir = fs::path("/tmp") / ("kvm-guest-" + std::string(hex));
    std::error_code ignored;
    if (fs::create_directories(short_dir, ignored)) fs::permissions(short_dir, fs::perms::owner_all, ignored);
    return short_dir / name;
}

GuestVm GuestVm::boot(const BootOptions& options) {
    for (const char* file : {"base.qcow2", "vmlinuz", "initrd.img"})
        if (!fs::exists(options.image_dir / file))
            throw std::runtime_error("no " + std::string(file) + " in " + options.image_dir.string());
    fs::create_directories(options.state_dir);
    const fs::path& state = options.state_dir;
    for (const char* stale : {"overlay.qcow2", "data.qcow2", "console.log", "qemu.pid"}) fs::remove(state / stale);
    for (const char* stale : {"qga.sock", "qmp.sock", "console.sock"}) fs::remove(socket_path(state, stale));
    create_image({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                  fs::absolute(options.image_dir / "base.qcow2").string(), (state / "overlay.qcow2").string()});
    create_image({"qemu-img", "create", "-q", "-f", "qcow2", (state / "data.qcow2").string(), options.data_disk_size});

    const auto [accel, cpu_model] = choose_accelerator(options.cpu);
    const bool emulated = accel.rfind("kvm", 0) != 0;
    std::ofstream(state / "accel.txt") << (emulated ? "tcg" : "kvm") << " " << cpu_model << "\n";
    const int cpus = options.cpus > 0 ? options.cpus : emulated ? 1 : 2;

    std::vector<std::string> argv = {
        "qemu-system-x86_64", "-machine", "q35", "-accel", accel, "-cpu", cpu_model,
        "-smp", std::to_string(cpus), "-m", std::to_string(options.memory_mib),
        "-nodefaults", "-display", "none", "-daemonize", "-pidfile", (state / "qemu.pid").string(),
        "-kernel", (options.image_dir / "vmlinuz").string(), "-initrd", (options.image_dir / "initrd.img").string(),
        "-append", "root=/dev/vda rw console=ttyS0 systemd.show_status=0 nokaslr" +
                       (options.extra_append.empty() ? std::string() : " " + options.extra_append),
        "-drive", "file=" + (state / "overlay.qcow2").string() + ",if=virtio,format=qcow2,cache=unsafe",
        "-drive", "file=" + (state / "data.qcow2").string() + ",if=virtio,format=qcow2,cache=unsafe",
        "-device", "virtio-serial-pci",
        "-chardev", "socket,id=qga,path=" + socket_path(state, "qga.sock").string() + ",server=on,wait=off",
        "-device", "virtserialport,chardev=qga,name=org.qemu.guest_agent.0",
        // The serial console is a socket (a root shell for debugging) that also logs to console.log.
        "-chardev", "socket,id=console,path=" + socket_path(state, "console.sock").string() +
                        ",server=on,wait=off,logfile=" + (state / "console.log").string(),
        "-serial", "chardev:console",
        // QEMU's monitor, for diagnosing a guest that stopped answering (GuestVm::diagnose).
        "-qmp", "unix:" + socket_path(state, "qmp.sock").string() + ",server=on,wait=off",
        // nic0: the uplink (user network, gateway 10.0.2.2); nic1 and nic2: an isolated segment for bonds; a
        // third NIC on that segment (52:54:00:4b:00:03, no name of its own) for the tests' DHCP and RA server,
        // which they move into a network namespace of its own.
        "-netdev", "user,id=uplink", "-device", "virtio-net-pci,netdev=uplink,mac=52:54:00:4b:00:00",
        "-netdev", "hubport,id=lan1,hubid=1", "-device", "virtio-net-pci,netdev=lan1,mac=52:54:00:4b:00:01",
        "-netdev", "hubport,id=lan2,hubid=1", "-device", "virtio-net-pci,netdev=lan2,mac=52:54:00:4b:00:02",
        "-netdev", "hubport,id=lan3,hubid=1", "-device", "virtio-net-pci,netdev=lan3,mac=52:54:00:4b:00:03",
        "-device", "virtio-rng-pci"};
    const auto share = [&argv](const fs::path& dir, const std::string& tag) {
        if (dir.empty()) return;
        argv.insert(argv.end(), {"-fsdev", "local,id=" + tag + ",path=" + fs::absolute(dir).string() +
                                               ",security_model=none,readonly=on",
                                 "-device", "virtio-9p-pci,fsdev=" + tag + ",mount_tag=" + tag});
    };
    share(options.build_dir, "build");
    share(options.source_dir, "src");

    const auto started = run_process(argv, 60s);
    if (started.exit_code != 0) throw std::runtime_error("qemu-system-x86_64 did not start: " + started.err);
    GuestVm guest(state, /*owned=*/true);
    guest.wait_until_running(Clock::now() + options.boot_timeout);
    return guest;
}

std::optional<GuestVm> GuestVm::attach(const fs::path& state_dir) {
    if (!process_alive(qemu_pid(state_dir)) || !fs::exists(socket_path(state_dir, "qga.sock"))) return std::nullopt;
    return GuestVm(state_dir, /*owned=*/false);
}

void GuestVm::wait_until_running(Clock::time_point deadline) const {
    const auto socket = socket_path(m_state_dir, "qga.sock");
    for (;;) {
        if (!process_alive(qemu_pid(m_state_dir)))
            throw std::runtime_error("QEMU exited during boot; console:\n" + console_tail(m_state_dir, 30));
        try {
            agent_call(socket, "guest-ping", nullptr, 3s);
            break;
        } catch (const std::exception&) {
            if (Clock::now() > deadline)
                throw std::runtime_error("the guest agent did not answer; console:\n" + console_tail(m_state_dir, 30));
            std::this_thread::sleep_for(1s);
        }
    }
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
    const auto state = run({"systemctl", "is-system-running", "--wait"}, std::max(left, std::chrono::seconds(5)));
    const std::string word = state.out.substr(0, state.out.find('\n'));
    if (word != "running" && word != "degraded")
        throw std::runtime_error("the guest's systemd reports '" + word + "' after boot");
    // NetworkManager brings the uplink up a few seconds after systemd says running (it waits for firewalld
    // first): tests that read or change the network start from a connected host.
    run({"nm-online", "-s", "-q", "-t", "120"}, std::chrono::seconds(130));
}

nlohmann::json GuestVm::agent(const std::string& command, const nlohmann::json& arguments) const {
    try {
        return agent_call(socket_path(m_state_dir, "qga.sock"), command, arguments);
    } catch (const std::exception& error) {
        throw std::runtime_error(std::string(error.what()) + " (" + command + ")\n" + diagnose());
    }
}

std::string GuestVm::diagnose() const {
    if (!process_alive(qemu_pid(m_state_dir))) return "QEMU has exited; console:\n" + console_tail(m_state_dir, 40);
    std::string out = "QEMU still runs.\n";
    // Where the vCPUs are (halted, in the kernel, in a nested guest) by QEMU's own account.
    const auto qmp = socket_path(m_state_dir, "qmp.sock");
    try {
        out += monitor_command(qmp, "info status") + monitor_command(qmp, "info cpus");
        std::istringstream registers(monitor_command(qmp, "info registers -a"));
        for (std::string line; std::getline(registers, line);)
            if (line.rfind("CPU#", 0) == 0 || line.rfind("RIP=", 0) == 0 || line.find("HLT=") != std::string::npos ||
                line.rfind("EFER=", 0) == 0)
                out += line + "\n";
    } catch (const std::exception& error) {
        out += "QEMU's monitor did not answer either (" + std::string(error.what()) + "): QEMU itself is stuck.\n";
    }
    // The console is a root shell: the guest kernel's list of blocked tasks and its CPUs' backtraces, if the
    // guest still runs its shell.
    try {
        send_to_socket(socket_path(m_state_dir, "console.sock"),
                       "\necho w > /proc/sysrq-trigger; echo l > /proc/sysrq-trigger; "
                       "ps -eo pid,stat,wchan:24,etime,args --sort=-pcpu | head -25\n");
        std::this_thread::sleep_for(5s);
    } catch (const std::exception& error) {
        out += "The console did not take the keys: " + std::string(error.what()) + "\n";
    }
    return out + "console:\n" + console_tail(m_state_dir, 150);
}

GuestResult GuestVm::run(const std::vector<std::string>& argv, std::chrono::seconds timeout) const {
    nlohmann::json args = nlohmann::json::array();
    for (std::size_t i = 1; i < argv.size(); ++i) args.push_back(argv[i]);
    const auto started = agent("guest-exec", {{"path", argv.at(0)}, {"arg", args}, {"capture-output", true}});
    const auto pid = started.at("pid").get<long long>();
    const auto deadline = Clock::now() + timeout;
    // Emulated guests have left their agent silent for a minute and more, with nothing on the console; whether
    // they were stalled or hung is not known yet (docs/testing.md). One that comes back within four minutes
    // goes on, with the diagnosis of its first silence on stderr; one that does not fails with a second one.
    bool silent_now = false;
    Clock::time_point silent_since{};
    for (auto pause = 20ms;; pause = std::min(pause * 2, std::chrono::milliseconds(250))) {
        nlohmann::json status;
        try {
            status = agent_call(socket_path(m_state_dir, "qga.sock"), "guest-exec-status", {{"pid", pid}});
            if (silent_now)
                std::cerr << "note: the guest agent answered again after "
                          << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - silent_since).count()
                          << " s of silence\n";
            silent_now = false;
        } catch (const std::exception& error) {
            const bool first = !silent_now;
            if (first) silent_since = Clock::now() - 60s;  // the call's own timeout
            silent_now = true;
            const auto silent = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - silent_since);
            const std::string what = std::string(error.what()) + " for " + std::to_string(silent.count()) +
                                     " s (guest-exec-status of " + argv.at(0) + ")";
            if (!process_alive(qemu_pid(m_state_dir)) || silent > 240s || Clock::now() > deadline)
                throw std::runtime_error(what + "\n" + diagnose());
            if (first) std::cerr << "note: " << what << "; waiting for it\n" << diagnose();
            continue;
        }
        if (status.value("exited", false)) {
            GuestResult result;
            result.exit_code = status.contains("exitcode") ? status["exitcode"].get<int>() : -1;
            result.out = base64_decode(status.value("out-data", ""));
            result.err = base64_decode(status.value("err-data", ""));
            return result;
        }
        if (Clock::now() > deadline)
            throw std::runtime_error("guest command " + argv.at(0) + " did not finish within " +
                                     std::to_string(timeout.count()) + " s");
        std::this_thread::sleep_for(pause);
    }
}

void GuestVm::write_file(const std::string& guest_path, const std::string& content) const {
    const auto handle = agent("guest-file-open", {{"path", guest_path}, {"mode", "w"}});
    constexpr std::size_t k_chunk = 48 * 1024;
    for (std::size_t offset = 0; offset < content.size(); offset += k_chunk)
        agent("guest-file-write", {{"handle", handle}, {"buf-b64", base64_encode(content.substr(offset, k_chunk))}});
    agent("guest-file-close", {{"handle", handle}});
}

std::string GuestVm::read_file(const std::string& guest_path) const {
    const auto handle = agent("guest-file-open", {{"path", guest_path}, {"mode", "r"}});
    std::string content;
    for (;;) {
        const auto chunk = agent("guest-file-read", {{"handle", handle}, {"count", 65536}});
        content += base64_decode(chunk.value("buf-b64", ""));
        if (chunk.value("eof", true) || chunk.value("count", 0) == 0) break;
    }
    agent("guest-file-close", {{"handle", handle}});
    return content;
}

std::string GuestVm::boot_id() const { return read_file("/proc/sys/kernel/random/boot_id"); }

void GuestVm::reboot(std::chrono::seconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    const std::string before = boot_id();
    agent_call(socket_path(m_state_dir, "qga.sock"), "guest-shutdown", {{"mode", "reboot"}}, 10s, /*expect_reply=*/false);
    for (;;) {
        if (Clock::now() > deadline)
            throw std::runtime_error("the guest did not come back from a reboot; console:\n" +
                                     console_tail(m_state_dir, 30));
        std::this_thread::sleep_for(1s);
        try {
            if (boot_id() != before) break;
        } catch (const std::exception&) {
            // The agent is down while the guest reboots.
        }
    }
    wait_until_running(deadline);
}

void GuestVm::power_off() {
    const pid_t pid = qemu_pid(m_state_dir);
    m_owned = false;
    if (!process_alive(pid)) return;
    try {
        agent_call(socket_path(m_state_dir, "qga.sock"), "guest-shutdown", {{"mode", "powerdown"}}, 5s, false);
    } catch (const std::exception&) {
        // An unresponsive guest is killed below.
    }
    for (int i = 0; i < 120 && process_alive(pid); ++i) std::this_thread::sleep_for(250ms);
    if (process_alive(pid)) ::kill(pid, SIGKILL);
}

std::string GuestVm::accelerator() const {
    std::string text = read_small_file(m_state_dir / "accel.txt");
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

fs::path state_root() {
    const char* dir = std::getenv("KVM_SYSTEM_STATE_ROOT");
    return dir ? fs::path(dir) : fs::path();
}

fs::path shared_state_dir() {
    const auto root = state_root();
    return root.empty() ? root : root / "shared";
}

std::string unavailable_reason(const fs::path& state_dir) {
    std::string reason = read_small_file(state_dir / "unavailable");
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    return reason;
}

void record_unavailable(const fs::path& state_dir, const std::string& reason) {
    fs::create_directories(state_dir);
    std::ofstream(state_dir / "unavailable") << reason << "\n";
}

fs::path recorded_image_dir(const fs::path& state_root) {
    std::string dir = read_small_file(state_root / "image-dir");
    while (!dir.empty() && dir.back() == '\n') dir.pop_back();
    return dir;
}

}  // namespace tests::system
