#include "host/storage/block_device.h"

#include <blkid/blkid.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

namespace host::storage {
namespace {

namespace fs = std::filesystem;

struct ProbeFreer {
    void operator()(blkid_struct_probe* probe) const { blkid_free_probe(probe); }
};
using Probe = std::unique_ptr<blkid_struct_probe, ProbeFreer>;
struct CacheFreer {
    void operator()(blkid_struct_cache* cache) const { blkid_put_cache(cache); }
};
using Cache = std::unique_ptr<blkid_struct_cache, CacheFreer>;
struct CharFreer {
    void operator()(char* text) const { std::free(text); }
};

std::string lookup(blkid_probe probe, const char* name) {
    const char* data = nullptr;
    std::size_t length = 0;
    if (blkid_probe_lookup_value(probe, name, &data, &length) != 0 || data == nullptr) return {};
    // libblkid counts the terminating NUL in the length.
    return std::string(data, length > 0 && data[length - 1] == '\0' ? length - 1 : length);
}

std::string canonical(const std::string& path) {
    std::error_code ec;
    auto resolved = fs::canonical(path, ec);
    return ec ? path : resolved.string();
}

}  // namespace

common::Result<std::string> resolve_device(const std::string& spec) {
    blkid_cache raw_cache = nullptr;
    // Tags resolve through udev's /dev/disk/by-* links first, then a scan; paths are canonicalized.
    std::unique_ptr<char, CharFreer> found(blkid_evaluate_spec(spec.c_str(), &raw_cache));
    Cache cache(raw_cache);
    if (!found) return common::make_error("no device " + spec + " (libblkid found none)");
    const std::string node = canonical(found.get());
    const std::string named = node == spec ? spec : spec + " (" + node + ")";
    struct stat info {};
    if (::stat(node.c_str(), &info) != 0) {
        if (errno == ENOENT) return common::make_error("no device " + named);
        return common::make_error("device " + named + ": " + std::strerror(errno));
    }
    if (!S_ISBLK(info.st_mode)) return common::make_error(named + " is not a block device");
    return node;
}

common::Result<BlockProbe> probe_device(const std::string& node) {
    Probe probe(blkid_new_probe_from_filename(node.c_str()));
    if (!probe) return common::make_error("probing " + node + " with libblkid: " + std::strerror(errno));
    blkid_probe_enable_superblocks(probe.get(), 1);
    blkid_probe_set_superblocks_flags(probe.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL);
    blkid_probe_enable_partitions(probe.get(), 1);
    BlockProbe result;
    const int rc = blkid_do_safeprobe(probe.get());
    if (rc == 1) return result;  // nothing found
    if (rc == -1) return common::make_error("probing " + node + " with libblkid failed");
    if (rc == -2) {
        // More than one signature: list them all with the one-at-a-time probe, as wipefs -n does.
        result.content = BlockContent::ambivalent;
        blkid_reset_probe(probe.get());
        while (blkid_do_probe(probe.get()) == 0) {
            std::string found = lookup(probe.get(), "TYPE");
            if (found.empty()) found = lookup(probe.get(), "PTTYPE");
            if (found.empty()) continue;
            if (!result.signatures.empty()) result.signatures += ", ";
            result.signatures += found;
        }
        if (result.signatures.empty()) result.signatures = "ambivalent result";
        return result;
    }
    result.partition_table = lookup(probe.get(), "PTTYPE");
    result.fs_type = lookup(probe.get(), "TYPE");
    result.fs_uuid = lookup(probe.get(), "UUID");
    result.fs_label = lookup(probe.get(), "LABEL");
    // A partition table wins: such a disk is neither formatted nor mounted whole.
    if (!result.partition_table.empty()) result.content = BlockContent::partition_table;
    else if (!result.fs_type.empty()) result.content = BlockContent::filesystem;
    else {
        result.content = BlockContent::ambivalent;
        result.signatures = "an unnamed signature";
    }
    return result;
}

std::vector<std::string> device_links(const std::string& node) {
    std::vector<std::string> links;
    std::error_code ec;
    for (const auto& dir : fs::directory_iterator("/dev/disk", ec)) {
        std::error_code inner;
        if (!dir.is_directory(inner)) continue;
        for (const auto& link : fs::directory_iterator(dir.path(), inner))
            if (canonical(link.path().string()) == node) links.push_back(link.path().string());
    }
    return links;
}

std::string canonical_source(const std::string& source) {
    return source.rfind("/dev/", 0) == 0 ? canonical(source) : source;
}

}  // namespace host::storage
