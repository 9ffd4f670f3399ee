# Target helpers in the spirit of absl_cc_library: one library per source folder,
# explicit deps, our warnings as errors, and layering enforced by include views.
#
# Layering: every source folder gets an include "view" directory containing one
# symlink, <view>/<folder> -> <repo>/<folder>. A library publishes only its own
# view, so a target can include "<folder>/x.hpp" only for folders it links.
# A strategy that includes "gateways/..." or "engine/..." fails to compile.

set(PEREGRINE_WARNINGS -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow -Werror
                       -Wnon-virtual-dtor -Wold-style-cast)

set(PEREGRINE_LAYERS common gateways strategies engine tools)

function(peregrine_include_view folder out_var)
  set(view ${CMAKE_BINARY_DIR}/include_views/${folder})
  if(NOT EXISTS ${view}/${folder})
    file(MAKE_DIRECTORY ${view})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${view}/${folder} SYMBOLIC)
  endif()
  set(${out_var} ${view} PARENT_SCOPE)
endfunction()

function(peregrine_apply_flags target)
  target_compile_options(${target} PRIVATE ${PEREGRINE_WARNINGS})
  if(PEREGRINE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${PEREGRINE_SANITIZE} -fno-omit-frame-pointer
                                              -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${PEREGRINE_SANITIZE})
    if(PEREGRINE_SANITIZE MATCHES "thread")
      # GCC warns that TSan does not model std::atomic_thread_fence (used inside moodycamel's
      # headers); common/tsan_annotations.hpp supplies the happens-before edges instead.
      target_compile_options(${target} PRIVATE -Wno-tsan)
    endif()
    # Lets heavy randomized tests scale their iteration counts down under instrumentation.
    target_compile_definitions(${target} PRIVATE PEREGRINE_SANITIZED=1)
  endif()
endfunction()

# peregrine_cc_library(NAME common FOLDER common SRCS ... DEPS ...)
# Creates peregrine_<NAME> with alias peregrine::<NAME>.
function(peregrine_cc_library)
  cmake_parse_arguments(A "" "NAME;FOLDER" "SRCS;DEPS" ${ARGN})
  if(NOT A_FOLDER)
    set(A_FOLDER ${A_NAME})
  endif()
  peregrine_include_view(${A_FOLDER} view)
  add_library(peregrine_${A_NAME} STATIC ${A_SRCS})
  target_include_directories(peregrine_${A_NAME} PUBLIC ${view})
  target_link_libraries(peregrine_${A_NAME} PUBLIC ${A_DEPS})
  peregrine_apply_flags(peregrine_${A_NAME})
  add_library(peregrine::${A_NAME} ALIAS peregrine_${A_NAME})
endfunction()

# peregrine_cc_binary(NAME peregrine SRCS ... DEPS ...)
function(peregrine_cc_binary)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  peregrine_apply_flags(${A_NAME})
endfunction()

# peregrine_cc_test(NAME decimal_test SRCS ... DEPS ... LABELS common [TIMEOUT s])
function(peregrine_cc_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${A_NAME} PRIVATE PEREGRINE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  peregrine_apply_flags(${A_NAME})
  # Allocation-counting tests replace global operator new/delete with malloc/free; GCC 12 then
  # flags the (correct) pairing as mismatched once TSan's inlining exposes it.
  target_compile_options(${A_NAME} PRIVATE -Wno-mismatched-new-delete)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  add_test(NAME ${A_NAME} COMMAND ${A_NAME})
  set_tests_properties(${A_NAME} PROPERTIES LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT})
endfunction()

# peregrine_cc_bench(NAME common_bench SRCS ... DEPS ...)
function(peregrine_cc_bench)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} benchmark::benchmark benchmark::benchmark_main)
  peregrine_apply_flags(${A_NAME})
endfunction()
