# One INTERFACE target carries the project's warning and sanitizer flags; every library links it.
add_library(kvm_warnings INTERFACE)
target_compile_options(kvm_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(KVM_WERROR)
  target_compile_options(kvm_warnings INTERFACE -Werror)
endif()
if(KVM_SANITIZE)
  target_compile_options(kvm_warnings INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  target_link_options(kvm_warnings INTERFACE -fsanitize=address,undefined)
endif()
