#include "host/selinux/semanage_library.h"

namespace host::selinux {
namespace {

constexpr dynamic::LibraryName k_name{"libsemanage", "install libsemanage; Debian: libsemanage2"};

common::Result<SemanageLibrary> open_installed() { return open_semanage_library(k_semanage_soname); }

dynamic::OnDemand<SemanageLibrary> g_semanage(open_installed);

}  // namespace

common::Result<SemanageLibrary> open_semanage_library(const std::string& soname) {
    auto opened = dynamic::open(soname, k_name);
    if (!opened) return opened.error();
    void* handle = opened.value();
    SemanageLibrary table;
    std::string missing;
    KVM_SEMANAGE_FUNCTIONS(KVM_DYNAMIC_RESOLVE)
    if (auto complete = dynamic::complete(handle, soname, k_name, missing); !complete) return complete.error();
    return table;
}

common::Result<const SemanageLibrary*> load_semanage() { return g_semanage.load(); }

const SemanageLibrary& libsemanage() {
    const auto* loaded = g_semanage.loaded();
    if (!loaded) dynamic::called_before_load("libsemanage");
    return *loaded;
}

}  // namespace host::selinux
