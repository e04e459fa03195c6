#include "host/networkmanager/nm_checkpoint.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

#include "common/boot_clock.h"
#include "common/owned_file.h"
#include "host/networkmanager/nm_client.h"

namespace host::networkmanager {
namespace {

// NM_CHECKPOINT_CREATE_FLAG_*: the profiles added since are deleted, the devices made since disconnected,
// and ports enslaved outside NetworkManager (the apply's netlink steps) released (NetworkManager 1.38+).
constexpr std::uint32_t k_delete_new_connections = 0x02;
constexpr std::uint32_t k_disconnect_new_devices = 0x04;
constexpr std::uint32_t k_no_preserve_external_ports = 0x10;
constexpr std::string_view k_checkpoint_prefix = "/org/freedesktop/NetworkManager/Checkpoint/";

constexpr std::string_view k_arming = "arming ";

bool all_digits(std::string_view text) {
    return !text.empty() && text.size() <= 18 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<netconfig::InterfaceAddress> parse_address(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const auto ip = netconfig::IpAddress::parse(text.substr(0, slash));
    const auto length = text.substr(slash + 1);
    if (!ip || length.empty() || length.size() > 3 ||
        !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const auto prefix = static_cast<unsigned>(std::stoul(std::string(length)));
    if (prefix > ip->max_prefix_length()) return std::nullopt;
    return netconfig::InterfaceAddress{*ip, prefix, true};
}

// The note lies in the run directory; one that root (or we) did not write is ignored, like a missing one.
CheckpointNote read_note(const std::filesystem::path& path) {
    constexpr std::size_t k_max_note_bytes = 64 * 1024;
    auto text = common::read_owned_file(path.string(), k_max_note_bytes);
    return text ? parse_checkpoint_note(*text) : CheckpointNote{};
}

}  // namespace

std::vector<std::string> checkpoints_of_run(const std::vector<PendingCheckpoint>& pending, std::int64_t since,
                                            std::int64_t until, std::uint32_t window) {
    std::vector<std::string> ours;
    for (const auto& checkpoint : pending)
        if (checkpoint.created >= since && checkpoint.created <= until &&
            (window == 0 || checkpoint.rollback_timeout == window))
            ours.push_back(checkpoint.path);
    return ours;
}

CheckpointNote parse_checkpoint_note(std::string_view text) {
    constexpr std::size_t k_max_lines = 256;
    constexpr std::size_t k_max_line = 128;
    CheckpointNote note;
    std::istringstream in{std::string(text)};
    std::string line;
    if (!std::getline(in, line) || line.size() > k_max_line) return {};
    if (line.rfind(k_arming, 0) == 0 && all_digits(std::string_view(line).substr(k_arming.size())))
        note.arming_since = std::stoll(line.substr(k_arming.size()));
    else if (line.rfind(k_checkpoint_prefix, 0) == 0 && all_digits(std::string_view(line).substr(k_checkpoint_prefix.size())))
        note.checkpoint = line;
    else
        return {};
    for (std::size_t count = 0; count < k_max_lines && std::getline(in, line); ++count) {
        if (line.size() > k_max_line) continue;
        const auto space = line.find(' ');
        if (space == std::string::npos) continue;
        auto name = netconfig::IfName::make(std::string_view(line).substr(0, space));
        const auto address = parse_address(std::string_view(line).substr(space + 1));
        if (name && address) note.leases.emplace_back(std::move(name).value(), *address);
    }
    return note;
}

NmCheckpoint::NmCheckpoint(NmCheckpointOptions options) : m_options(std::move(options)) {}

NmCheckpoint::~NmCheckpoint() = default;

std::string NmCheckpoint::not_this_run() const {
    if (!m_options.ask_network_manager) return "NetworkManager is not asked in this run";
    if (m_options.root.lexically_normal() != "/")
        return "the files go under " + m_options.root.string() + ", not to the running system";
    return {};
}

std::string NmCheckpoint::connect_if_askable() {
    if (auto why = not_this_run(); !why.empty()) return why;
    if (m_client) return m_client->why_not_ask().value_or("");
    auto client = NmClient::connect_if_askable(m_options.call_timeout);
    if (!client) return client.error().message;
    m_client = std::move(client).value();
    return {};
}

netconfig::Recovery NmCheckpoint::recover() {
    if (m_options.note.empty() || !std::filesystem::exists(m_options.note) || !connect_if_askable().empty()) return {};
    auto noted = read_note(m_options.note);
    forget_note();
    if (noted.checkpoint.empty() && !noted.arming_since) return {};
    const auto now = pending();
    if (!now) return {now.error().message, {}};
    // The noted one, or the one made since that run began to arm (killed before the answer came, or it gave up
    // waiting for it; within the time it could have come, so another tool's later one is not taken); none when
    // NetworkManager's own timeout ran out and it rolled back already.
    std::vector<std::string> ours;
    if (noted.arming_since)
        ours = checkpoints_of_run(*now, *noted.arming_since, *noted.arming_since + arming_bound_ms(), 0);
    for (const auto& checkpoint : *now)
        if (checkpoint.path == noted.checkpoint) ours.push_back(checkpoint.path);
    if (ours.empty()) return {};
    const std::string whose = " (left by an earlier run that did not finish)";
    std::string done;
    for (const auto& path : ours) {
        auto rolled = m_client->checkpoint_rollback(path);
        done += (done.empty() ? "" : "; ") +
                (rolled ? "NetworkManager rolled back " + path : rolled.error().message) + whose;
    }
    return {done, std::move(noted.leases)};
}

common::Result<std::vector<PendingCheckpoint>> NmCheckpoint::pending() {
    const auto paths = m_client->checkpoints();
    if (!paths) return paths.error();
    std::vector<PendingCheckpoint> found;
    for (const auto& path : *paths)
        if (const auto times = m_client->checkpoint_times(path))
            found.push_back({path, times->created, times->rollback_timeout});
    return found;
}

std::int64_t NmCheckpoint::arming_bound_ms() const {
    constexpr std::int64_t k_slack_ms = 5000;
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_options.create_timeout).count() +
           m_options.late_checkpoint_wait.count() + k_slack_ms;
}

common::Result<std::string> NmCheckpoint::late_checkpoint(std::int64_t since, std::chrono::seconds window) {
    const auto deadline = std::chrono::steady_clock::now() + m_options.late_checkpoint_wait;
    while (true) {
        if (const auto now = pending()) {
            const auto ours = checkpoints_of_run(*now, since, common::boottime_ms(),
                                                 static_cast<std::uint32_t>(window.count()));
            if (ours.size() == 1) return ours.front();
            if (ours.size() > 1)
                return common::make_error(std::to_string(ours.size()) +
                                          " checkpoints appeared after the call: which one is ours cannot be told");
        }
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return common::make_error("NetworkManager made no checkpoint within " +
                              std::to_string(m_options.late_checkpoint_wait.count()) + " ms after the call");
}

common::Result<bool> NmCheckpoint::arm(std::chrono::seconds window, const netconfig::Leases& leases) {
    m_unguarded = connect_if_askable();
    if (!m_unguarded.empty()) return false;
    const auto arming = common::boottime_ms();
    write_note("arming " + std::to_string(arming), leases);
    bool overran = false;
    auto created = m_client->checkpoint_create(
        window, k_delete_new_connections | k_disconnect_new_devices | k_no_preserve_external_ports,
        m_options.create_timeout, &overran);
    // An older NetworkManager knows no flag for external ports; without it they stay enslaved.
    if (!created && !overran && created.error().message.find("flag") != std::string::npos)
        created = m_client->checkpoint_create(window, k_delete_new_connections | k_disconnect_new_devices,
                                              m_options.create_timeout, &overran);
    // Not answered in time is not refused: NetworkManager may make it still (it asks polkit first). That one is
    // ours, and guards the change as if it had been answered.
    if (!created && overran) {
        if (auto late = late_checkpoint(arming, window)) created = std::move(late).value();
        else created = common::make_error(created.error().message + "; " + late.error().message);
    }
    if (!created) {
        // After an overrun the note stays: a checkpoint NetworkManager makes later is the next run's to roll back.
        if (!overran) forget_note();
        return common::make_error(created.error().message +
                                  (overran ? std::string()
                                           : " (a checkpoint another tool holds, or one an earlier run left and "
                                             "NetworkManager has not rolled back yet)"));
    }
    m_path = std::move(created).value();
    write_note(m_path, leases);
    return true;
}

void NmCheckpoint::write_note(const std::string& first_line, const netconfig::Leases& leases) const {
    if (m_options.note.empty()) return;
    std::error_code ignored;
    std::filesystem::create_directories(m_options.note.parent_path(), ignored);
    std::string text = first_line + "\n";
    for (const auto& [name, address] : leases) text += name.str() + " " + address.to_string() + "\n";
    (void)common::replace_owned_file(m_options.note.string(), text);
}

void NmCheckpoint::forget_note() const {
    if (m_options.note.empty()) return;
    std::error_code ignored;
    std::filesystem::remove(m_options.note, ignored);
}

std::string NmCheckpoint::extend(std::chrono::seconds window) {
    if (m_path.empty()) return {};
    auto adjusted = m_client->checkpoint_adjust(m_path, window);
    return adjusted ? std::string() : adjusted.error().message;
}

std::string NmCheckpoint::release() {
    if (m_path.empty()) return {};
    // Gone already when NetworkManager's own timeout ran out first and it rolled back: the verification or
    // the rollback that followed says what that did.
    auto destroyed = m_client->checkpoint_destroy(m_path);
    m_path.clear();
    forget_note();
    return destroyed ? std::string() : destroyed.error().message;
}

std::string NmCheckpoint::release_kept() {
    if (m_options.note.empty() || !std::filesystem::exists(m_options.note) || !not_this_run().empty()) return {};
    const auto noted = read_note(m_options.note);
    if (noted.checkpoint.empty()) return {};
    // A connection of our own: the watcher calls this in a process forked from the apply, whose bus
    // connection belongs to the parent. NetworkManager not running (or another namespace) leaves nothing to do.
    auto client = NmClient::connect_if_askable(m_options.call_timeout);
    if (!client) return {};
    const auto pending = (*client)->checkpoints();
    if (!pending) return pending.error().message;
    // Gone already: NetworkManager's timeout ran out and it rolled back (the window's watcher was killed).
    if (std::find(pending->begin(), pending->end(), noted.checkpoint) == pending->end()) {
        forget_note();
        return "NetworkManager's checkpoint " + noted.checkpoint + " is gone: it rolled the change back by itself";
    }
    auto destroyed = (*client)->checkpoint_destroy(noted.checkpoint);
    if (!destroyed) return destroyed.error().message;
    forget_note();
    return {};
}

}  // namespace host::networkmanager
