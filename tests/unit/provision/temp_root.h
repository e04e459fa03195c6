#pragma once
// A throwaway host tree for the provisioning steps' tests: write files at host paths, read them back.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace tests::provision {

class TempRoot {
public:
    TempRoot() {
        std::string pattern = (std::filesystem::temp_directory_path() / "kvm-steps-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        m_path = pattern;
    }
    ~TempRoot() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::string root() const { return m_path.string(); }
    std::filesystem::path at(const std::string& host_path) const { return m_path / host_path.substr(1); }

    void write(const std::string& host_path, const std::string& content) const {
        std::filesystem::create_directories(at(host_path).parent_path());
        std::ofstream(at(host_path), std::ios::binary | std::ios::trunc) << content;
    }
    std::optional<std::string> read(const std::string& host_path) const {
        std::ifstream in(at(host_path), std::ios::binary);
        if (!in) return std::nullopt;
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    bool exists(const std::string& host_path) const { return std::filesystem::exists(at(host_path)); }

private:
    std::filesystem::path m_path;
};

}  // namespace tests::provision
