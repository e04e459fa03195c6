#pragma once
// A NETLINK_ROUTE socket over libnl, and the owners of libnl's C handles. The socket belongs to the network
// namespace of the thread that opened it, for its whole life. Kernel errors keep their errno text and the
// kernel's extended-ack message ("Operation not supported (Unknown device type)"); libnl's own failures are
// described by nl_geterror.
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "common/result.h"

namespace host::netlink {

template <auto Free>
struct FreeWith {
    template <typename T>
    void operator()(T* handle) const { Free(handle); }
};
using SocketPtr = std::unique_ptr<nl_sock, FreeWith<nl_socket_free>>;
using MessagePtr = std::unique_ptr<nl_msg, FreeWith<nlmsg_free>>;
using CachePtr = std::unique_ptr<nl_cache, FreeWith<nl_cache_free>>;
using CallbackPtr = std::unique_ptr<nl_cb, FreeWith<nl_cb_put>>;
using AddressPtr = std::unique_ptr<nl_addr, FreeWith<nl_addr_put>>;
using IfAddressPtr = std::unique_ptr<rtnl_addr, FreeWith<rtnl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, FreeWith<rtnl_route_put>>;
using NextHopPtr = std::unique_ptr<rtnl_nexthop, FreeWith<rtnl_route_nh_free>>;

class RouteSocket {
public:
    // Connects in the calling thread's network namespace.
    static common::Result<RouteSocket> open();

    nl_sock* get() const { return m_socket.get(); }

    // Sends a request (NLM_F_ACK is added) and waits for the kernel's answer.
    // On failure the error reads "<what>: <reason>".
    common::Result<std::monostate> request(nl_msg* message, const std::string& what);

    // Runs a libnl call that talks to the kernel through this socket (rtnl_addr_add, rtnl_route_add...),
    // turning its negative return code into "<what>: <reason>".
    template <typename Call>
    common::Result<std::monostate> call(const std::string& what, Call libnl_call) {
        begin();
        const int rc = libnl_call(get());
        if (rc < 0) return common::make_error(what + ": " + describe(rc));
        return std::monostate{};
    }

    // Sends `request` (a get or a dump) and decodes each answer (one whole netlink message, as bytes) with
    // `decode`, which returns std::optional<T>; nullopt answers are left out.
    template <typename T, typename Decode>
    common::Result<std::vector<T>> query(nl_msg* request, const std::string& what, Decode decode) {
        std::vector<T> items;
        auto each = [&](std::span<const std::uint8_t> bytes) {
            if (auto item = decode(bytes)) items.push_back(std::move(*item));
        };
        auto done = exchange(request, what, &invoke<decltype(each)>, &each);
        if (!done) return done.error();
        return items;
    }

    // Dumps all objects of `type` (RTM_GETLINK...) through query(). A dump that the kernel marks interrupted
    // (the table changed meanwhile) is read again from the start.
    template <typename T, typename Decode>
    common::Result<std::vector<T>> dump(int type, const std::string& what, Decode decode) {
        for (int attempt = 1;; ++attempt) {
            MessagePtr request = dump_request(type);
            if (!request) return common::make_error(what + ": out of memory");
            auto items = query<T>(request.get(), what, decode);
            if (items || !m_error->interrupted || attempt == k_dump_attempts) return items;
        }
    }

    // The kernel's error for the last call, or libnl's text for `libnl_error`.
    std::string describe(int libnl_error) const;
    // The errno the kernel answered the last call with; 0 when it did not refuse it.
    int kernel_errno() const { return m_error->error; }

private:
    struct KernelError {
        int error = 0;  // positive errno
        std::string message;
        bool interrupted = false;  // a dump the kernel marked NLM_F_DUMP_INTR
    };
    static constexpr int k_dump_attempts = 5;
    using EachFn = void (*)(std::span<const std::uint8_t>, void*);
    template <typename Each>
    static void invoke(std::span<const std::uint8_t> bytes, void* each) { (*static_cast<Each*>(each))(bytes); }

    RouteSocket(SocketPtr socket, std::unique_ptr<KernelError> error);
    void begin() { *m_error = KernelError{}; }
    static MessagePtr dump_request(int type);
    common::Result<std::monostate> exchange(nl_msg* request, const std::string& what, EachFn each, void* arg);
    static int on_error(sockaddr_nl*, nlmsgerr* error, void* arg);

    SocketPtr m_socket;
    std::unique_ptr<KernelError> m_error;  // where on_error writes; stable across moves
};

}  // namespace host::netlink
