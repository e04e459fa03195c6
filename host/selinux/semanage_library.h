#pragma once
// libsemanage, opened when a file-context rule is first to be added (host/dynamic/on_demand_library.h): linked,
// it brought libsepol, libaudit, libbz2 and libcap-ng into every run of kvm-agent, and only the storage section
// on an SELinux host adds a rule.
#include <string>

// libsemanage's headers (3.4) declare C functions without extern "C" of their own.
extern "C" {
#include <semanage/semanage.h>
}

#include "common/result.h"
#include "host/dynamic/on_demand_library.h"

namespace host::selinux {

// Every libsemanage function the labels adapter calls. One more: add it here, then call it as
// libsemanage().name(...).
#define KVM_SEMANAGE_FUNCTIONS(X)                                                                                   \
    X(semanage_handle_create) X(semanage_handle_destroy) X(semanage_is_connected) X(semanage_connect)               \
    X(semanage_disconnect) X(semanage_msg_set_callback) X(semanage_msg_get_level) X(semanage_begin_transaction)     \
    X(semanage_commit) X(semanage_mls_enabled) X(semanage_fcontext_key_create) X(semanage_fcontext_key_free)        \
    X(semanage_fcontext_create) X(semanage_fcontext_free) X(semanage_fcontext_set_expr)                             \
    X(semanage_fcontext_set_type) X(semanage_fcontext_set_con) X(semanage_fcontext_modify_local)                    \
    X(semanage_context_create) X(semanage_context_free) X(semanage_context_set_user) X(semanage_context_set_role)   \
    X(semanage_context_set_type) X(semanage_context_set_mls)

struct SemanageLibrary {
    KVM_SEMANAGE_FUNCTIONS(KVM_DYNAMIC_POINTER)
};

inline constexpr const char* k_semanage_soname = "libsemanage.so.2";
// Before libsemanage 3.2 (RHEL 8, Debian 11); the functions above are the same in both.
inline constexpr const char* k_semanage_older_soname = "libsemanage.so.1";

// Opens `soname` and resolves every function above; the error names the file and the package.
common::Result<SemanageLibrary> open_semanage_library(const std::string& soname);

// The process's libsemanage (k_semanage_soname, else k_semanage_older_soname), opened on the first call that
// succeeds. Thread-safe.
common::Result<const SemanageLibrary*> load_semanage();

// The library load_semanage() opened; called before, it aborts (a programming error).
const SemanageLibrary& libsemanage();

}  // namespace host::selinux
