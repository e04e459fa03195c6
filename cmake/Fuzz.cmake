# Coverage-guided fuzzing of the parsers (tests/fuzz). Needs clang: its fuzzer runtime drives the targets.
option(KVM_FUZZ "Build the fuzz targets (clang only)" OFF)
if(KVM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KVM_FUZZ=ON needs clang (found ${CMAKE_CXX_COMPILER_ID}): configure a fresh build "
      "directory with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  # Every library links kvm_warnings, so this instruments all of them; the runtime (with main) is linked into
  # the fuzz targets only. UB aborts like a crash so the fuzzer reports it.
  target_compile_options(kvm_warnings INTERFACE -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(kvm_warnings INTERFACE -fsanitize=address,undefined)
  # The libraries the targets link are defined later: CMake resolves target names when it generates.
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/fuzz ${PROJECT_BINARY_DIR}/tests/fuzz)
endif()
