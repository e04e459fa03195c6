#include "host/dynamic/on_demand_library.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace host::dynamic {

common::Result<void*> open(const std::string& soname, const LibraryName& name) {
    void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        return common::make_error(std::string(name.what) + " cannot be loaded: " +
                                  (why ? std::string(why) : soname + ": unknown error") + " (" + name.install + ")");
    }
    return handle;  // open for the life of the process
}

void* resolve(void* handle, const char* symbol, std::string& missing) {
    void* address = dlsym(handle, symbol);
    if (!address) missing += (missing.empty() ? "" : ", ") + std::string(symbol);
    return address;
}

common::Result<std::monostate> complete(void* handle, const std::string& soname, const LibraryName& name,
                                        const std::string& missing) {
    if (missing.empty()) return std::monostate{};
    dlclose(handle);
    const std::string hint = name.when_lacking ? std::string(" (") + name.when_lacking + ")" : "";
    return common::make_error(std::string(name.what) + " " + soname + " lacks " + missing + hint + " (" + name.install +
                              ")");
}

void called_before_load(const char* library) {
    std::fprintf(stderr, "kvm-host-agent: internal error: a %s call before its library was loaded\n", library);
    std::abort();
}

}  // namespace host::dynamic
