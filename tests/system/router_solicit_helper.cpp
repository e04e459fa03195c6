// router-solicit-helper: sends an ICMPv6 router solicitation out of an interface every INTERVAL ms for
// DURATION ms, as a raw Ethernet frame, so it goes out even while the interface is a bridge port. QEMU's user
// network answers each one with a router advertisement to all nodes: run during an apply, one reaches nic0
// whenever NetworkManager has it released from br0 to attach it again, as a router's own advertisements can on
// a real host.
//   router-solicit-helper IFACE INTERVAL_MS DURATION_MS
// Prints how many it sent. Exit status: 0, or 1 when the interface cannot be used.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::uint16_t internet_checksum(const std::vector<std::uint8_t>& data) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (data.size() % 2) sum += static_cast<std::uint32_t>(data.back() << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

// Ethernet to 33:33:00:00:00:02, IPv6 from :: to ff02::2 (all routers) with hop limit 255, ICMPv6 type 133.
std::vector<std::uint8_t> router_solicitation(const std::array<std::uint8_t, 6>& source_mac) {
    std::array<std::uint8_t, 16> source{}, destination{};
    inet_pton(AF_INET6, "ff02::2", destination.data());
    std::vector<std::uint8_t> icmp{133, 0, 0, 0, 0, 0, 0, 0};
    std::vector<std::uint8_t> pseudo(source.begin(), source.end());
    pseudo.insert(pseudo.end(), destination.begin(), destination.end());
    pseudo.insert(pseudo.end(), {0, 0, 0, static_cast<std::uint8_t>(icmp.size()), 0, 0, 0, IPPROTO_ICMPV6});
    pseudo.insert(pseudo.end(), icmp.begin(), icmp.end());
    const auto checksum = internet_checksum(pseudo);
    icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
    icmp[3] = static_cast<std::uint8_t>(checksum & 0xff);

    std::vector<std::uint8_t> frame{0x33, 0x33, 0, 0, 0, 2};
    frame.insert(frame.end(), source_mac.begin(), source_mac.end());
    frame.insert(frame.end(), {0x86, 0xdd});
    frame.insert(frame.end(), {0x60, 0, 0, 0, 0, static_cast<std::uint8_t>(icmp.size()), IPPROTO_ICMPV6, 255});
    frame.insert(frame.end(), source.begin(), source.end());
    frame.insert(frame.end(), destination.begin(), destination.end());
    frame.insert(frame.end(), icmp.begin(), icmp.end());
    return frame;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: router-solicit-helper IFACE INTERVAL_MS DURATION_MS\n";
        return 2;
    }
    const std::string iface = argv[1];
    const auto interval = std::chrono::milliseconds(std::stoul(argv[2]));
    const auto duration = std::chrono::milliseconds(std::stoul(argv[3]));
    const unsigned index = if_nametoindex(iface.c_str());
    const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (index == 0 || fd < 0) {
        std::cerr << "router-solicit-helper: " << iface << ": " << std::strerror(errno) << "\n";
        return 1;
    }
    ifreq request{};
    std::strncpy(request.ifr_name, iface.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFHWADDR, &request) != 0) {
        std::cerr << "router-solicit-helper: the MAC of " << iface << ": " << std::strerror(errno) << "\n";
        return 1;
    }
    std::array<std::uint8_t, 6> mac{};
    std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
    const auto frame = router_solicitation(mac);

    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(index);
    to.sll_halen = ETH_ALEN;
    std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);
    std::size_t sent = 0;
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
        // A send fails while NetworkManager has the link down for a moment: the next one goes out.
        if (sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) > 0) ++sent;
        std::this_thread::sleep_for(interval);
    }
    close(fd);
    std::cout << "sent " << sent << "\n";
    return 0;
}
