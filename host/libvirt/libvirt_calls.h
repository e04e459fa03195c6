#pragma once
// What every libvirt adapter here needs around the C API (loaded by host/libvirt/libvirt_library.h): the
// calling thread's last error as text, and libvirt's malloc'd strings and objects freed.
#include <cstdlib>
#include <memory>
#include <string>

#include "host/libvirt/libvirt_library.h"

namespace host::libvirt {

// libvirt's last error is per thread: read it on the thread that made the call.
inline std::string last_error() {
    const char* message = vir().virGetLastErrorMessage();
    return message ? message : "unknown libvirt error";
}

struct CharFreer {
    void operator()(char* text) const { std::free(text); }
};
using CString = std::unique_ptr<char, CharFreer>;

struct ConnectCloser {
    void operator()(virConnectPtr connection) const { vir().virConnectClose(connection); }
};
struct DomainFreer {
    void operator()(virDomainPtr domain) const { vir().virDomainFree(domain); }
};
struct NetworkFreer {
    void operator()(virNetworkPtr network) const { vir().virNetworkFree(network); }
};
struct PoolFreer {
    void operator()(virStoragePoolPtr pool) const { vir().virStoragePoolFree(pool); }
};
struct VolumeFreer {
    void operator()(virStorageVolPtr volume) const { vir().virStorageVolFree(volume); }
};
// A connection the calls of one run share (closed with its last user), or one a single task owns.
using Connection = std::shared_ptr<virConnect>;
using UniqueConnection = std::unique_ptr<virConnect, ConnectCloser>;
using Domain = std::unique_ptr<virDomain, DomainFreer>;
using Network = std::unique_ptr<virNetwork, NetworkFreer>;
using Pool = std::unique_ptr<virStoragePool, PoolFreer>;
using Volume = std::unique_ptr<virStorageVol, VolumeFreer>;

}  // namespace host::libvirt
