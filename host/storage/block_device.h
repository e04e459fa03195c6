#pragma once
// Block devices through libblkid: what a profile's device spec names, and what is on it. Read-only.
#include <string>
#include <vector>

#include "common/result.h"

namespace host::storage {

// UUID=..., LABEL=... or a /dev path (a /dev/disk/by-*/ link) → the canonical device node ("/dev/vdb").
// An error names the spec: no such device, or not a block device.
common::Result<std::string> resolve_device(const std::string& spec);

enum class BlockContent { blank, filesystem, partition_table, ambivalent };

// What libblkid sees with its superblock and partition-table probes enabled together (as wipefs does).
struct BlockProbe {
    BlockContent content = BlockContent::blank;
    std::string fs_type;          // TYPE
    std::string fs_uuid;          // UUID
    std::string fs_label;         // LABEL
    std::string partition_table;  // PTTYPE
    std::string signatures;       // every signature, comma-separated (ambivalent)
};
common::Result<BlockProbe> probe_device(const std::string& node);

// Every /dev/disk/by-*/ link that resolves to `node`.
std::vector<std::string> device_links(const std::string& node);

// The canonical node of a mount source that is a device path ("/dev/mapper/x" → "/dev/dm-0"); other
// sources ("tmpfs", "UUID=...") as they are.
std::string canonical_source(const std::string& source);

}  // namespace host::storage
