#pragma once
// SELinux file labels: what the policy and the file system say about a directory (libselinux), a persistent
// local file-context rule (libsemanage, as `semanage fcontext -a` does), and a relabel (selinux_restorecon).
#include <string>

#include "common/result.h"

namespace host::selinux {

struct LabelState {
    bool enabled = false;    // is_selinux_enabled(): a policy is loaded (permissive or enforcing)
    std::string rule_type;   // the type the file contexts give `path` (a directory); "" when none
    std::string child_type;  // ...and a regular file under it
    std::string label_type;  // the type `path` is labelled with now; "" when it is missing or unlabelled
};

// Reads nothing but the loaded file contexts and the path's label; with SELinux disabled only `enabled`.
common::Result<LabelState> observe_labels(const std::string& path);

// Adds (or replaces) the local rule `expression` → system_u:object_r:<type>:s0 in one semanage transaction.
// The error carries libsemanage's own message (an unknown type, a read-only store).
common::Result<bool> add_fcontext_rule(const std::string& expression, const std::string& type);

// selinux_restorecon(path, recursive), with file contexts loaded afresh (a rule added a moment ago counts).
common::Result<bool> restore_labels(const std::string& path);

}  // namespace host::selinux
