#include "host/selinux/selinux_labels.h"

#include "host/selinux/semanage_library.h"

#include <selinux/label.h>
#include <selinux/restorecon.h>
#include <selinux/selinux.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>

namespace host::selinux {
namespace {

struct LabelHandleCloser {
    void operator()(selabel_handle* handle) const { selabel_close(handle); }
};
using LabelHandle = std::unique_ptr<selabel_handle, LabelHandleCloser>;
struct ContextFreer {
    void operator()(char* context) const { freecon(context); }
};
using Context = std::unique_ptr<char, ContextFreer>;

struct SemanageCloser {
    void operator()(semanage_handle_t* handle) const {
        if (libsemanage().semanage_is_connected(handle)) libsemanage().semanage_disconnect(handle);
        libsemanage().semanage_handle_destroy(handle);
    }
};
struct FcontextKeyFreer {
    void operator()(semanage_fcontext_key_t* key) const { libsemanage().semanage_fcontext_key_free(key); }
};
struct FcontextFreer {
    void operator()(semanage_fcontext_t* record) const { libsemanage().semanage_fcontext_free(record); }
};
struct SemanageContextFreer {
    void operator()(semanage_context_t* context) const { libsemanage().semanage_context_free(context); }
};

// "system_u:object_r:virt_image_t:s0" → "virt_image_t" (the range may hold ':' too; the type is third).
std::string type_of(const char* context) {
    if (context == nullptr) return {};
    const std::string text = context;
    const auto first = text.find(':');
    const auto second = first == std::string::npos ? first : text.find(':', first + 1);
    if (second == std::string::npos) return {};
    const auto third = text.find(':', second + 1);
    return text.substr(second + 1, third == std::string::npos ? std::string::npos : third - second - 1);
}

std::string lookup_type(selabel_handle* handle, const std::string& path, int mode) {
    char* raw = nullptr;
    if (selabel_lookup(handle, &raw, path.c_str(), mode) != 0) return {};
    Context context(raw);
    return type_of(context.get());
}

// libsemanage reports through a callback; keep its last error line for our message.
__attribute__((format(printf, 3, 4))) void record_message(void* arg, semanage_handle_t* handle, const char* format,
                                                          ...) {
    if (libsemanage().semanage_msg_get_level(handle) != SEMANAGE_MSG_ERR) return;
    char buffer[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    *static_cast<std::string*>(arg) = buffer;
}

}  // namespace

common::Result<LabelState> observe_labels(const std::string& path) {
    LabelState state;
    state.enabled = is_selinux_enabled() == 1;
    if (!state.enabled) return state;
    LabelHandle handle(selabel_open(SELABEL_CTX_FILE, nullptr, 0));
    if (!handle) return common::make_error("loading the SELinux file contexts: " + std::string(std::strerror(errno)));
    state.rule_type = lookup_type(handle.get(), path, S_IFDIR);
    state.child_type = lookup_type(handle.get(), path + "/kvm-agent-probe.qcow2", S_IFREG);
    char* raw = nullptr;
    if (lgetfilecon(path.c_str(), &raw) >= 0) {
        Context label(raw);
        state.label_type = type_of(label.get());
    } else if (errno != ENOENT && errno != ENODATA && errno != ENOTSUP) {
        return common::make_error("reading the SELinux label of " + path + ": " + std::strerror(errno));
    }
    return state;
}

common::Result<bool> add_fcontext_rule(const std::string& expression, const std::string& type) {
    const std::string what = "adding the SELinux file-context rule '" + expression + "' " + type;
    auto loaded = load_semanage();
    if (!loaded) return common::make_error(what + ": " + loaded.error().message);
    const SemanageLibrary& sm = *loaded.value();
    std::unique_ptr<semanage_handle_t, SemanageCloser> handle(sm.semanage_handle_create());
    if (!handle) return common::make_error(what + ": libsemanage has no handle");
    std::string message;
    sm.semanage_msg_set_callback(handle.get(), record_message, &message);
    const auto failed = [&](const char* step) {
        return common::make_error(what + ": " + step + (message.empty() ? std::string() : ": " + message));
    };
    if (sm.semanage_connect(handle.get()) < 0) return failed("connecting to the policy store");
    if (sm.semanage_begin_transaction(handle.get()) < 0) return failed("starting a transaction");

    semanage_fcontext_key_t* raw_key = nullptr;
    if (sm.semanage_fcontext_key_create(handle.get(), expression.c_str(), SEMANAGE_FCONTEXT_ALL, &raw_key) < 0)
        return failed("making the key");
    std::unique_ptr<semanage_fcontext_key_t, FcontextKeyFreer> key(raw_key);
    semanage_fcontext_t* raw_record = nullptr;
    if (sm.semanage_fcontext_create(handle.get(), &raw_record) < 0) return failed("making the record");
    std::unique_ptr<semanage_fcontext_t, FcontextFreer> record(raw_record);
    semanage_context_t* raw_context = nullptr;
    if (sm.semanage_context_create(handle.get(), &raw_context) < 0) return failed("making the context");
    std::unique_ptr<semanage_context_t, SemanageContextFreer> context(raw_context);

    if (sm.semanage_fcontext_set_expr(handle.get(), record.get(), expression.c_str()) < 0)
        return failed("setting the path");
    sm.semanage_fcontext_set_type(record.get(), SEMANAGE_FCONTEXT_ALL);
    if (sm.semanage_context_set_user(handle.get(), context.get(), "system_u") < 0 ||
        sm.semanage_context_set_role(handle.get(), context.get(), "object_r") < 0 ||
        sm.semanage_context_set_type(handle.get(), context.get(), type.c_str()) < 0)
        return failed("setting the context");
    // MLS and MCS policies (RHEL's targeted is MCS) want a range on every context.
    if (sm.semanage_mls_enabled(handle.get()) > 0 && sm.semanage_context_set_mls(handle.get(), context.get(), "s0") < 0)
        return failed("setting the range");
    if (sm.semanage_fcontext_set_con(handle.get(), record.get(), context.get()) < 0)
        return failed("setting the context");
    if (sm.semanage_fcontext_modify_local(handle.get(), key.get(), record.get()) < 0) return failed("adding the rule");
    if (sm.semanage_commit(handle.get()) < 0) return failed("committing");
    return true;
}

common::Result<bool> restore_labels(const std::string& path) {
    // selinux_restorecon keeps one global handle; give it a fresh one so a rule added by this process counts.
    static LabelHandle current;
    LabelHandle fresh(selabel_open(SELABEL_CTX_FILE, nullptr, 0));
    if (!fresh) return common::make_error("relabelling " + path + ": loading the file contexts: " + std::strerror(errno));
    selinux_restorecon_set_sehandle(fresh.get());
    current = std::move(fresh);  // the previous handle is no longer referenced once the new one is set
    if (selinux_restorecon(path.c_str(), SELINUX_RESTORECON_RECURSE | SELINUX_RESTORECON_IGNORE_DIGEST) != 0)
        return common::make_error("relabelling " + path + " (selinux_restorecon): " + std::strerror(errno));
    return true;
}

}  // namespace host::selinux
