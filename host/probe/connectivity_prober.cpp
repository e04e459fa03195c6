#include "host/probe/connectivity_prober.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

namespace host::probe {

namespace {

using Clock = std::chrono::steady_clock;
using netconfig::IpFamily;

struct FdCloser {
    void operator()(const int* fd) const {
        ::close(*fd);
        delete fd;
    }
};
using Fd = std::unique_ptr<int, FdCloser>;

netconfig::OpResult failure(const std::string& what) { return common::make_error(what); }
std::string errno_text() { return std::strerror(errno); }

std::uint16_t icmp_checksum(const unsigned char* data, std::size_t length) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < length; i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (length % 2) sum += static_cast<std::uint32_t>(data[length - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return htons(static_cast<std::uint16_t>(~sum));
}

int milliseconds_left(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Is `reply` (as a raw ICMP socket delivers it: IPv4 with its header, IPv6 without) our echo reply?
bool is_our_reply(const unsigned char* reply, std::size_t length, IpFamily family, std::uint16_t id,
                  std::uint16_t sequence) {
    std::size_t offset = 0;
    if (family == IpFamily::v4) {
        if (length < 1) return false;
        offset = static_cast<std::size_t>(reply[0] & 0x0f) * 4;
    }
    if (length < offset + 8) return false;
    const unsigned char* icmp = reply + offset;
    const unsigned char echo_reply = family == IpFamily::v4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
    const auto field = [icmp](int at) { return static_cast<std::uint16_t>(icmp[at] << 8 | icmp[at + 1]); };
    return icmp[0] == echo_reply && field(4) == id && field(6) == sequence;
}

}  // namespace

netconfig::OpResult ConnectivityProber::ping_gateway(const netconfig::IfName& via, const netconfig::IpAddress& gateway,
                                                     std::chrono::milliseconds timeout) {
    const bool v4 = gateway.family == IpFamily::v4;
    const std::string what = "pinging " + gateway.to_string() + " on " + via.str();
    const int raw = ::socket(v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
                             v4 ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6));
    if (raw < 0) return failure(what + ": " + errno_text());
    const Fd fd(new int(raw));
    // Bound to the device: the answer must come over the interface the default route now uses.
    if (::setsockopt(raw, SOL_SOCKET, SO_BINDTODEVICE, via.str().c_str(), static_cast<socklen_t>(via.str().size())) != 0)
        return failure(what + ": binding to the interface: " + errno_text());

    sockaddr_storage target{};
    socklen_t target_length = 0;
    if (v4) {
        auto* address = reinterpret_cast<sockaddr_in*>(&target);
        address->sin_family = AF_INET;
        std::memcpy(&address->sin_addr, gateway.bytes.data(), 4);
        target_length = sizeof(sockaddr_in);
    } else {
        auto* address = reinterpret_cast<sockaddr_in6*>(&target);
        address->sin6_family = AF_INET6;
        std::memcpy(&address->sin6_addr, gateway.bytes.data(), 16);
        target_length = sizeof(sockaddr_in6);
    }

    const auto id = static_cast<std::uint16_t>(::getpid() & 0xffff);
    const auto deadline = Clock::now() + timeout;
    // One echo every 250 ms until the deadline: a bridge port may still be in the forwarding delay or the
    // neighbour entry may be resolving when the first one leaves.
    for (std::uint16_t sequence = 1; Clock::now() < deadline; ++sequence) {
        if (auto why = interrupted()) return failure(what + ": " + *why);
        unsigned char request[16] = {};
        request[0] = v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
        request[4] = static_cast<unsigned char>(id >> 8);
        request[5] = static_cast<unsigned char>(id & 0xff);
        request[6] = static_cast<unsigned char>(sequence >> 8);
        request[7] = static_cast<unsigned char>(sequence & 0xff);
        std::memcpy(request + 8, "kvmagent", 8);
        if (v4) {  // the kernel fills in the ICMPv6 checksum itself
            const std::uint16_t sum = icmp_checksum(request, sizeof request);
            std::memcpy(request + 2, &sum, 2);
        }
        if (::sendto(raw, request, sizeof request, 0, reinterpret_cast<sockaddr*>(&target), target_length) < 0 &&
            errno != EHOSTUNREACH && errno != ENETUNREACH)
            return failure(what + ": " + errno_text());
        const auto round_end = std::min(deadline, Clock::now() + std::chrono::milliseconds(250));
        for (int left = milliseconds_left(round_end); left > 0; left = milliseconds_left(round_end)) {
            pollfd pfd{raw, POLLIN, 0};
            if (::poll(&pfd, 1, left) <= 0) break;
            unsigned char reply[1500];
            sockaddr_storage from{};
            socklen_t from_length = sizeof from;
            const ssize_t n = ::recvfrom(raw, reply, sizeof reply, 0, reinterpret_cast<sockaddr*>(&from), &from_length);
            if (n > 0 && is_our_reply(reply, static_cast<std::size_t>(n), gateway.family, id, sequence))
                return netconfig::op_ok();
        }
    }
    return failure(what + ": no echo reply within " + std::to_string(timeout.count()) + " ms");
}

netconfig::OpResult ConnectivityProber::connect_tcp(const std::string& host, std::uint16_t port,
                                                    std::chrono::milliseconds timeout) {
    const std::string what = "connecting to " + host + " port " + std::to_string(port);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        return failure(what + ": " + ::gai_strerror(rc));
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
    const auto deadline = Clock::now() + timeout;
    std::string last_error = "no address";
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        const int raw = ::socket(address->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (raw < 0) continue;
        const Fd fd(new int(raw));
        if (::connect(raw, address->ai_addr, address->ai_addrlen) == 0) return netconfig::op_ok();
        if (errno == ECONNREFUSED) return netconfig::op_ok();  // the path works; only the port is closed
        if (errno != EINPROGRESS) {
            last_error = errno_text();
            continue;
        }
        // In slices of a quarter second, to notice an interruption.
        int ready = 0;
        for (int left = milliseconds_left(deadline); left > 0 && ready == 0; left = milliseconds_left(deadline)) {
            if (auto why = interrupted()) return failure(what + ": " + *why);
            pollfd pfd{raw, POLLOUT, 0};
            ready = ::poll(&pfd, 1, std::min(left, 250));
        }
        if (ready <= 0) {
            last_error = "no answer within " + std::to_string(timeout.count()) + " ms";
            continue;
        }
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(raw, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error == 0 || error == ECONNREFUSED) return netconfig::op_ok();
        last_error = std::strerror(error);
    }
    return failure(what + ": " + last_error);
}

}  // namespace host::probe
