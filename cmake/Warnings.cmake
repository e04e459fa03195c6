# One INTERFACE target carries the project's warning and sanitizer flags; every library links it.
add_library(kvm_warnings INTERFACE)
target_compile_options(kvm_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
# GCC 12 at -O3 (Release) reports -Wrestrict, -Wnull-dereference, -Warray-bounds and -Wstringop-* inside
# libstdc++'s inlined std::string, std::vector and std::copy (`"literal" + std::string`, vector::insert, a copy of
# a few bytes; e.g. GCC bug 105651, fixed in GCC 13): false positives of the inliner's value ranges, not our code.
# Other configurations and compilers keep these warnings.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  set(gcc12_inliner_false_positives -Wno-restrict -Wno-null-dereference -Wno-array-bounds -Wno-stringop-overflow
    -Wno-stringop-overread)
  target_compile_options(kvm_warnings INTERFACE "$<$<CONFIG:Release>:${gcc12_inliner_false_positives}>")
endif()
if(KVM_WERROR)
  target_compile_options(kvm_warnings INTERFACE -Werror)
endif()
if(KVM_SANITIZE)
  target_compile_options(kvm_warnings INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  target_link_options(kvm_warnings INTERFACE -fsanitize=address,undefined)
endif()
