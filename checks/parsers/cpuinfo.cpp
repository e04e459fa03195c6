#include "checks/parsers/cpuinfo.h"

#include "common/text.h"

namespace checks {
namespace {

bool has_flag(std::string_view flags, std::string_view flag) {
    for (auto word : common::split_whitespace(flags))
        if (word == flag) return true;
    return false;
}

}  // namespace

common::Result<CpuInfo> parse_cpuinfo(std::string_view text) {
    CpuInfo info;
    int blocks = 0;
    int flag_lines = 0;
    std::size_t first_block_lines = 0, block_lines = 0;  // key lines per processor block
    for (auto line : common::lines(text)) {
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        ++block_lines;
        const auto key = common::trim(line.substr(0, colon));
        const auto value = common::trim(line.substr(colon + 1));
        if (key == "processor") {
            if (blocks == 1) first_block_lines = block_lines - 1;
            block_lines = 1;
            ++blocks;
        } else if (key == "flags") {
            ++flag_lines;
            info.vmx += has_flag(value, "vmx");
            info.svm += has_flag(value, "svm");
            info.lm += has_flag(value, "lm");
        } else if (key == "vendor_id" && info.vendor.empty()) {
            info.vendor = value;
        } else if (key == "model name" && info.model_name.empty()) {
            info.model_name = value;
        }
    }
    if (blocks == 0) return common::make_error("/proc/cpuinfo has no \"processor\" entries");
    if (flag_lines == 0) return common::make_error("/proc/cpuinfo has no \"flags\" lines");
    // A file cut off mid-way lists fewer flags lines than processors: the counts would lie.
    if (flag_lines != blocks)
        return common::make_error("/proc/cpuinfo is truncated: " + std::to_string(blocks) +
                                  " processors but " + std::to_string(flag_lines) + " flags lines");
    // The kernel prints the same keys for every CPU: a short last block was cut off (maybe mid-flags).
    if (blocks > 1 && block_lines < first_block_lines)
        return common::make_error("/proc/cpuinfo is truncated: the last processor entry has " +
                                  std::to_string(block_lines) + " lines, the first " +
                                  std::to_string(first_block_lines));
    info.cpus = blocks;
    return info;
}

}  // namespace checks
