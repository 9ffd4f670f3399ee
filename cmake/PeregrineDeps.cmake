# Third-party dependencies, all from Debian 12 packages (installed by tools/setup).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(simdjson REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(absl REQUIRED)
find_package(msgpack REQUIRED)  # target msgpackc-cxx
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(ZLIB REQUIRED)
pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1)
pkg_check_modules(CRYPTOPP REQUIRED IMPORTED_TARGET libcrypto++)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)

# moodycamel queues are header-only and ship no CMake config in Debian.
find_path(READERWRITERQUEUE_INCLUDE_DIR readerwriterqueue/readerwriterqueue.h REQUIRED)
find_path(CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h REQUIRED)
add_library(peregrine_moodycamel INTERFACE)
target_include_directories(peregrine_moodycamel SYSTEM INTERFACE ${READERWRITERQUEUE_INCLUDE_DIR}
                                                                 ${CONCURRENTQUEUE_INCLUDE_DIR})
add_library(peregrine::moodycamel ALIAS peregrine_moodycamel)

if(PEREGRINE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(PEREGRINE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
