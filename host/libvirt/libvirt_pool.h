#pragma once
// Storage pools over the libvirt C API, read-write (qemu:///system): look one up, define, build, start,
// autostart, refresh. Every call runs under a deadline; the connection is opened on first use and kept.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace host::libvirt {

struct PoolState {
    bool defined = false;
    std::string type;  // "dir", "fs", "logical"...
    std::string path;  // <target><path>
    bool active = false;
    bool autostart = false;
};

class LibvirtPools {
public:
    LibvirtPools(std::string uri, std::chrono::milliseconds call_timeout);
    ~LibvirtPools();
    LibvirtPools(const LibvirtPools&) = delete;
    LibvirtPools& operator=(const LibvirtPools&) = delete;

    common::Result<PoolState> inspect(const std::string& name);
    // Names of the pools (other than `except`) whose target path is `path`.
    common::Result<std::vector<std::string>> pools_at_path(const std::string& path, const std::string& except);
    // virStoragePoolDefineXML; `name` is only for messages.
    common::Result<bool> define(const std::string& name, const std::string& xml);
    // virStoragePoolBuild, then virStoragePoolCreate.
    common::Result<bool> build_and_start(const std::string& name);
    common::Result<bool> set_autostart(const std::string& name);
    // virStoragePoolRefresh of an active pool (after a filesystem is mounted under it); inactive: nothing.
    common::Result<bool> refresh(const std::string& name);

private:
    struct Connection;
    common::Result<std::shared_ptr<Connection>> connection();

    std::string m_uri;
    std::chrono::milliseconds m_timeout;
    std::shared_ptr<Connection> m_connection;
};

}  // namespace host::libvirt
