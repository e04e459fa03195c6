#include "tests/support/prometheus.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "tests/support/process.h"

namespace tests {
namespace {

// A port nothing listens on now: the kernel's pick for a socket bound to port 0.
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

// One HTTP/1.0 GET: the body, or "" with `error` set.
std::string http_get(int port, const std::string& path, std::string& error) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        error = std::string("connect: ") + std::strerror(errno);
        ::close(fd);
        return "";
    }
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        error = "send failed";
        ::close(fd);
        return "";
    }
    std::string response;
    char buffer[65536];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    const auto body = response.find("\r\n\r\n");
    if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos) {
        error = "not an HTTP response: " + response.substr(0, 200);
        return "";
    }
    if (response.find(" 200 ") > response.find("\r\n")) {
        error = response.substr(0, response.find("\r\n"));
        return "";
    }
    return response.substr(body + 4);
}

}  // namespace

std::string promtool_problems(const std::string& path) {
    // promtool reads the exposition text from standard input.
    const auto checked = run_process({"bash", "-c", "promtool check metrics < \"$1\"", "check", path});
    if (checked.exit_code == 0 && checked.out.empty() && checked.err.empty()) return "";
    return "exit " + std::to_string(checked.exit_code) + ": " + checked.out + checked.err;
}

std::string NodeExporter::program() {
    for (const char* name : {"prometheus-node-exporter", "node_exporter"})
        if (have_program(name)) return name;
    return "";
}

NodeExporter::NodeExporter(const std::string& directory) : m_port(free_port()) {
    const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(m_port);
    const std::string textfile = "--collector.textfile.directory=" + directory;
    const std::string binary = program();
    m_pid = ::fork();
    if (m_pid == 0) {
        const char* argv[] = {binary.c_str(), "--collector.disable-defaults", "--collector.textfile",
                              textfile.c_str(), listen.c_str(), nullptr};
        ::execvp(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
}

NodeExporter::~NodeExporter() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
}

std::string NodeExporter::scrape() {
    // It listens a moment after it starts: wait for that, not for a fixed time.
    for (int attempt = 0; attempt < 200; ++attempt) {
        m_error.clear();
        auto body = http_get(m_port, "/metrics", m_error);
        if (!body.empty()) return body;
        if (m_error.rfind("connect:", 0) != 0) return "";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
}

}  // namespace tests
