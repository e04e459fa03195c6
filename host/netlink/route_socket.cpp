#include "host/netlink/route_socket.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include <netlink/errno.h>

#include "host/netlink/attributes.h"

namespace host::netlink {
namespace {

#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif

// The NLMSGERR_ATTR_MSG text that follows an error when the socket asked for extended acks.
std::string extended_ack_message(const nlmsgerr* error) {
    const auto* start = reinterpret_cast<const std::uint8_t*>(error) - k_message_header_size;
    nlmsghdr outer;
    std::memcpy(&outer, start, sizeof outer);
    if (!(outer.nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    // After the nlmsgerr comes the request's payload unless the kernel capped it (NETLINK_CAP_ACK).
    std::size_t offset = k_message_header_size + sizeof(nlmsgerr);
    if (!(outer.nlmsg_flags & NLM_F_CAPPED) && error->msg.nlmsg_len > k_message_header_size)
        offset += netlink_align(error->msg.nlmsg_len - k_message_header_size);
    if (offset >= outer.nlmsg_len) return {};
    std::string text;
    for_each_attribute(Bytes(start + offset, outer.nlmsg_len - offset), [&](std::uint16_t type, Bytes payload) {
        if (type == NLMSGERR_ATTR_MSG) text = read_string(payload);
    });
    return text;
}

struct DumpState {
    void (*each)(std::span<const std::uint8_t>, void*);
    void* arg;
};

int on_valid(nl_msg* message, void* arg) {
    const auto* state = static_cast<DumpState*>(arg);
    const nlmsghdr* header = nlmsg_hdr(message);
    state->each({reinterpret_cast<const std::uint8_t*>(header), header->nlmsg_len}, state->arg);
    return NL_OK;
}

}  // namespace

RouteSocket::RouteSocket(SocketPtr socket, std::unique_ptr<KernelError> error)
    : m_socket(std::move(socket)), m_error(std::move(error)) {}

common::Result<RouteSocket> RouteSocket::open() {
    SocketPtr socket(nl_socket_alloc());
    if (!socket) return common::make_error("opening a netlink socket: out of memory");
    if (const int rc = nl_connect(socket.get(), NETLINK_ROUTE); rc < 0)
        return common::make_error(std::string("opening a netlink socket: ") + nl_geterror(rc));
    // Big dumps (a thousand links) arrive faster than they are read; the defaults would drop messages.
    nl_socket_set_buffer_size(socket.get(), 4 << 20, 1 << 20);
    const int fd = nl_socket_get_fd(socket.get());
    const int on = 1;
    // Extended acks carry the kernel's reason ("Unknown device type"); old kernels ignore both options.
    ::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    ::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
    auto error = std::make_unique<KernelError>();
    nl_socket_modify_err_cb(socket.get(), NL_CB_CUSTOM, &RouteSocket::on_error, error.get());
    return RouteSocket(std::move(socket), std::move(error));
}

int RouteSocket::on_error(sockaddr_nl*, nlmsgerr* error, void* arg) {
    auto* kernel_error = static_cast<KernelError*>(arg);
    kernel_error->error = -error->error;
    kernel_error->message = extended_ack_message(error);
    return NL_STOP;  // libnl then returns the error mapped to its own code
}

std::string RouteSocket::describe(int libnl_error) const {
    if (m_error->error == 0) return nl_geterror(libnl_error);
    std::string text = std::strerror(m_error->error);
    if (!m_error->message.empty()) text += " (" + m_error->message + ")";
    return text;
}

common::Result<std::monostate> RouteSocket::request(nl_msg* message, const std::string& what) {
    begin();
    nlmsg_hdr(message)->nlmsg_flags |= NLM_F_ACK;
    int rc = nl_send_auto(get(), message);
    if (rc >= 0) rc = nl_wait_for_ack(get());
    if (rc < 0) return common::make_error(what + ": " + describe(rc));
    return std::monostate{};
}

MessagePtr RouteSocket::dump_request(int type) {
    MessagePtr message(nlmsg_alloc_simple(type, NLM_F_DUMP));
    if (!message) return nullptr;
    // ifinfomsg, ifaddrmsg and rtmsg all start with the family: a zeroed ifinfomsg asks for every family.
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    if (nlmsg_append(message.get(), &header, sizeof header, NLMSG_ALIGNTO) < 0) return nullptr;
    if (type == RTM_GETLINK && nla_put_u32(message.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) return nullptr;
    return message;
}

common::Result<std::monostate> RouteSocket::exchange(nl_msg* request, const std::string& what, EachFn each,
                                                      void* arg) {
    begin();
    int rc = nl_send_auto(get(), request);
    if (rc >= 0) {
        nl_cb* socket_callbacks = nl_socket_get_cb(get());  // takes a reference
        CallbackPtr callbacks(nl_cb_clone(socket_callbacks));
        nl_cb_put(socket_callbacks);
        if (!callbacks) return common::make_error(what + ": out of memory");
        DumpState state{each, arg};
        nl_cb_set(callbacks.get(), NL_CB_VALID, NL_CB_CUSTOM, &on_valid, &state);
        rc = nl_recvmsgs(get(), callbacks.get());
        // libnl asks for an ACK on every request; the kernel sends it after a get's answer (not after a
        // dump's), and left unread it would pass for the answer to the next request.
        if (rc >= 0 && !(nlmsg_hdr(request)->nlmsg_flags & NLM_F_DUMP)) rc = nl_wait_for_ack(get());
    }
    if (rc >= 0) return std::monostate{};
    m_error->interrupted = rc == -NLE_DUMP_INTR;
    return common::make_error(what + ": " + describe(rc));
}

}  // namespace host::netlink
