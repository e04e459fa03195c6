#include "tests/system/support/guest_agent.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace tests::system {

namespace {

using Clock = std::chrono::steady_clock;

class AgentSocket {
public:
    AgentSocket(const std::filesystem::path& path, Clock::time_point deadline) : m_deadline(deadline) {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string text = path.string();
        if (m_fd < 0 || text.size() >= sizeof address.sun_path) fail("cannot open a socket for " + text);
        std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            fail("connecting to the guest agent at " + text + ": " + std::strerror(errno));
    }
    ~AgentSocket() {
        if (m_fd >= 0) ::close(m_fd);
    }
    AgentSocket(const AgentSocket&) = delete;
    AgentSocket& operator=(const AgentSocket&) = delete;

    void send(const nlohmann::json& message) { send_text(message.dump() + "\n"); }
    void send_text(const std::string& line) {
        std::size_t sent = 0;
        while (sent < line.size()) {
            const ssize_t n = ::send(m_fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) fail(std::string("writing to the guest agent: ") + std::strerror(errno));
            sent += static_cast<std::size_t>(n);
        }
    }

    // The next complete line, without the 0xff delimiters the agent may put before a reply.
    std::string read_line() {
        for (;;) {
            const auto newline = m_buffer.find('\n');
            if (newline != std::string::npos) {
                std::string line = m_buffer.substr(0, newline);
                m_buffer.erase(0, newline + 1);
                std::erase(line, '\xff');
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_deadline - Clock::now());
            if (left.count() <= 0) fail("the guest agent did not answer in time");
            pollfd pfd{m_fd, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[65536];
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) fail("the guest agent closed the connection");
            m_buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }

private:
    [[noreturn]] static void fail(const std::string& what) { throw std::runtime_error(what); }
    int m_fd = -1;
    Clock::time_point m_deadline;
    std::string m_buffer;
};

nlohmann::json parse_reply(const std::string& line) {
    auto reply = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (reply.is_discarded()) return nullptr;
    return reply;
}

}  // namespace

nlohmann::json agent_call(const std::filesystem::path& socket_path, const std::string& command,
                          const nlohmann::json& arguments, std::chrono::milliseconds timeout, bool expect_reply) {
    AgentSocket socket(socket_path, Clock::now() + timeout);
    // A fresh id: replies left over from an earlier, abandoned call are skipped until ours arrives.
    static unsigned counter = 0;
    const long long sync_id = (static_cast<long long>(::getpid()) << 20) + (++counter);
    socket.send({{"execute", "guest-sync"}, {"arguments", {{"id", sync_id}}}});
    for (;;) {
        const auto reply = parse_reply(socket.read_line());
        if (reply.is_object() && reply.contains("return") && reply["return"] == sync_id) break;
    }
    nlohmann::json request{{"execute", command}};
    if (!arguments.is_null()) request["arguments"] = arguments;
    socket.send(request);
    if (!expect_reply) return nullptr;
    for (;;) {
        const auto reply = parse_reply(socket.read_line());
        if (!reply.is_object()) continue;
        if (reply.contains("error"))
            throw std::runtime_error("guest agent " + command + ": " + reply["error"].value("desc", reply.dump()));
        if (reply.contains("return")) return reply["return"];
    }
}

void send_to_socket(const std::filesystem::path& socket_path, const std::string& text) {
    AgentSocket socket(socket_path, Clock::now() + std::chrono::seconds(5));
    socket.send_text(text);
}

std::string monitor_command(const std::filesystem::path& qmp_socket, const std::string& command_line,
                            std::chrono::milliseconds timeout) {
    AgentSocket socket(qmp_socket, Clock::now() + timeout);
    // The greeting, then capabilities negotiation; events may come between replies and are skipped.
    const auto reply_to = [&socket]() {
        for (;;) {
            const auto reply = parse_reply(socket.read_line());
            if (!reply.is_object()) continue;
            if (reply.contains("error"))
                throw std::runtime_error("QEMU monitor: " + reply["error"].value("desc", reply.dump()));
            if (reply.contains("return")) return reply["return"];
        }
    };
    socket.send({{"execute", "qmp_capabilities"}});
    reply_to();
    socket.send({{"execute", "human-monitor-command"}, {"arguments", {{"command-line", command_line}}}});
    const auto text = reply_to();
    return text.is_string() ? text.get<std::string>() : text.dump();
}

namespace {
constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(const std::string& bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
        out += {k_alphabet[v >> 18], k_alphabet[(v >> 12) & 63], k_alphabet[(v >> 6) & 63], k_alphabet[v & 63]};
    }
    if (i < bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += k_alphabet[v >> 18];
        out += k_alphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? k_alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string base64_decode(const std::string& text) {
    std::string out;
    unsigned accumulator = 0;
    int bits = 0;
    for (const char c : text) {
        const char* position = std::strchr(k_alphabet, c);
        if (c == '\0' || position == nullptr) continue;  // '=', newlines
        accumulator = (accumulator << 6) | static_cast<unsigned>(position - k_alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((accumulator >> bits) & 0xff);
        }
    }
    return out;
}

}  // namespace tests::system
