#pragma once
// One request to qemu-guest-agent over the chardev socket QEMU exposes on the host. Each call opens the
// socket, discards stale replies with guest-sync, sends one command and reads its one-line reply.
#include <chrono>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tests::system {

// Returns the reply's "return" member; throws std::runtime_error on a socket error, a timeout or an
// agent "error" reply. `expect_reply` is false for commands the agent answers by going away
// (guest-shutdown). The default timeout is generous: an emulated (TCG) guest busy with NetworkManager,
// firewalld and libvirtd at once has been seen to leave the agent unanswered for tens of seconds.
nlohmann::json agent_call(const std::filesystem::path& socket_path, const std::string& command,
                          const nlohmann::json& arguments = nullptr,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60), bool expect_reply = true);

// One human-monitor command ("info cpus") through QEMU's own QMP socket on the host: what QEMU says of a
// guest whose agent stopped answering. Throws like agent_call when QEMU does not answer.
std::string monitor_command(const std::filesystem::path& qmp_socket, const std::string& command_line,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Writes `text` to the stream socket at `socket_path` (the serial console's) and closes it; throws on failure.
void send_to_socket(const std::filesystem::path& socket_path, const std::string& text);

std::string base64_encode(const std::string& bytes);
std::string base64_decode(const std::string& text);

}  // namespace tests::system
