#include "host/selinux/semanage_library.h"

namespace host::selinux {
namespace {

constexpr dynamic::LibraryName k_name{"libsemanage", "install libsemanage; Debian: libsemanage2"};

common::Result<SemanageLibrary> open_installed() {
    auto current = open_semanage_library(k_semanage_soname);
    if (current) return current;
    auto older = open_semanage_library(k_semanage_older_soname);
    return older ? older : current;  // the error of the current name
}

dynamic::OnDemand<SemanageLibrary> g_semanage("libsemanage", open_installed);

}  // namespace

common::Result<SemanageLibrary> open_semanage_library(const std::string& soname) {
    return dynamic::open_table<SemanageLibrary>(soname, k_name,
                                                [](SemanageLibrary& table, void* handle, std::string& missing) {
                                                    KVM_SEMANAGE_FUNCTIONS(KVM_DYNAMIC_RESOLVE)
                                                });
}

common::Result<const SemanageLibrary*> load_semanage() { return g_semanage.load(); }

const SemanageLibrary& libsemanage() { return g_semanage.get(); }

}  // namespace host::selinux
