# Helpers shared by every tier: warnings, sanitizer flags, and one function per kind of test.
#
#   csp_add_gtest(name SOURCES ... [LABEL unit] [LIBS ...])   GoogleTest binary, tests discovered
#   csp_add_prop(name SOURCES ...)                              RapidCheck (+gtest) binary
#   csp_add_model(name SOURCES ... [SPLIT text...] [COST n] [COSTS text=n...])  Relacy model
#   csp_add_mutants(name SOURCES ... MUTANTS m1 m2 ...)         one CTest test per planted bug
#   csp_add_example(name SOURCES ... [PASS_REGULAR_EXPRESSION re])
#
# A sanitizer lane sets CSP_TEST_LABEL (tsan / asan), which replaces the unit/prop/example
# label of everything it builds, so `ctest -L tsan` runs the whole lane.

add_library(csp_warnings INTERFACE)
target_compile_options(csp_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion
  $<$<BOOL:${CSP_WERROR}>:-Werror>)
if(CSP_SANITIZER MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # TSan does not model standalone fences and g++ says so; fence-based code is Relacy's to judge.
  target_compile_options(csp_warnings INTERFACE -Wno-tsan)
endif()

if(CSP_SANITIZER)
  # -g1: the line tables a sanitizer's stack traces need, without full debug info, which made
  # the template-heavy tests compile a third slower (select_prop.cpp under ASan: 214 -> 139 s).
  add_compile_options(-fsanitize=${CSP_SANITIZER} -fno-omit-frame-pointer -g1)
  add_link_options(-fsanitize=${CSP_SANITIZER})
  if(CSP_SANITIZER MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  # Halt on the first report, with both stacks of a lock-order inversion (see the file).
  add_library(csp_sanitizer_options OBJECT ${PROJECT_SOURCE_DIR}/sanitizers/default_options.cpp)
  # The ASan + UBSan lane builds at -O0 (CMakePresets.json): on 2026-11-30 its tests compiled
  # in 197 s of CPU against 521 s at -O1 (wall 107 s against 271 s on two cores) and ran in 32 s
  # against 24 s. What -O0 gives up is UBSan's object-size check, which relies on the
  # optimizer's knowledge of object sizes; ASan checks every actual access either way. The
  # optimized builds are the release tree (-O2) and `make clang` (-O3). The TSan lane stays at
  # -O1: -O0 would save 34 s there, and the must-race `lazy` program, whose race needs the
  # second thread to arrive after the first has built the value, was silent in 5 runs of 5.
endif()

set(CSP_TEST_TIMEOUT 300 CACHE STRING "Seconds before CTest kills a hung test")

function(_csp_label default out)
  if(CSP_TEST_LABEL)
    set(${out} ${CSP_TEST_LABEL} PARENT_SCOPE)
  else()
    set(${out} ${default} PARENT_SCOPE)
  endif()
endfunction()

function(_csp_common target)
  target_link_libraries(${target} PRIVATE csp::csp csp_warnings)
  if(TARGET csp_sanitizer_options)
    target_link_libraries(${target} PRIVATE csp_sanitizer_options)
  endif()
endfunction()

function(csp_add_gtest name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  find_package(GTest REQUIRED)
  include(GoogleTest)
  add_executable(${name} ${ARG_SOURCES})
  _csp_common(${name})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/primitives/tests)
  target_link_libraries(${name} PRIVATE GTest::gtest_main ${ARG_LIBS})
  _csp_label(${ARG_LABEL} label)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS ${label} TIMEOUT ${CSP_TEST_TIMEOUT})
endfunction()

function(csp_add_prop name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  find_package(rapidcheck REQUIRED)
  csp_add_gtest(${name} LABEL prop SOURCES ${ARG_SOURCES}
    LIBS rapidcheck rapidcheck_gtest ${ARG_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/proptests)
endfunction()

# Relacy wants -fno-lifetime-dse (or -O1+ deletes the poison it uses to see use-after-free) and
# -fno-sized-deallocation (its operator delete replacement has no sized form). -O1 rather than
# -O2: -O2 runs the models about 17 % faster (channel_model --with=cap1: 158 against 191 s) but
# compiles channel_model.cpp in 158 s against about 100 s, so make check gains nothing. The
# models preset builds with -g1 (line tables) rather than full debug info, the same code for
# 40 % less compile time (channel_model.cpp: 174 -> 104 s). Never under a sanitizer.
function(_csp_model_target name)
  add_executable(${name} ${ARGN})
  _csp_common(${name})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/models)
  target_compile_options(${name} PRIVATE -O1 -fno-lifetime-dse -fno-sized-deallocation)
endfunction()

# SPLIT text...: one CTest entry per text, for the suites whose names contain it, and one for the
# others, so that `ctest -j` spreads a long model binary over both cores.
# COST n: the weight of the binary's entry (of its rest, when split); COSTS text=n...: a SPLIT
# entry's. With no timings of its own (a fresh clone) ctest starts the heaviest test first, so
# the weights decide which models share a core (models/CMakeLists.txt).
function(csp_add_model name)
  cmake_parse_arguments(ARG "" "TIMEOUT;COST" "SOURCES;SPLIT;COSTS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 1200)
  endif()
  # `make check-long` searches deeper (CSP_MODEL_DEEP, read by the models at run time, and
  # here when tools/check.sh configures the tree, as it does before every run): on 2026-12-03
  # its select_model ran for 20 minutes in the three-thread suites alone and hit the 1200 s
  # limit; with its deep bounds as they are now it takes 1333-1466 s, and the linearizability
  # model 855-961 s. Four times the limit there.
  if(DEFINED ENV{CSP_MODEL_DEEP})
    math(EXPR ARG_TIMEOUT "${ARG_TIMEOUT} * 4")
  endif()
  _csp_model_target(${name} ${ARG_SOURCES})
  set(rest "")
  foreach(text IN LISTS ARG_SPLIT)
    add_test(NAME model.${name}.${text} COMMAND ${name} --with=${text})
    set_tests_properties(model.${name}.${text} PROPERTIES LABELS model TIMEOUT ${ARG_TIMEOUT})
    list(APPEND rest --without=${text})
  endforeach()
  add_test(NAME model.${name} COMMAND ${name} ${rest})
  set_tests_properties(model.${name} PROPERTIES LABELS model TIMEOUT ${ARG_TIMEOUT})
  if(ARG_COST)
    set_tests_properties(model.${name} PROPERTIES COST ${ARG_COST})
  endif()
  foreach(pair IN LISTS ARG_COSTS)
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 text)
    list(GET pair 1 cost)
    set_tests_properties(model.${name}.${text} PROPERTIES COST ${cost})
  endforeach()
endfunction()

function(csp_add_mutants name)
  cmake_parse_arguments(ARG "" "" "SOURCES;MUTANTS" ${ARGN})
  _csp_model_target(${name} ${ARG_SOURCES})
  foreach(m IN LISTS ARG_MUTANTS)
    add_test(NAME mutant.${m} COMMAND ${name} ${m})
    set_tests_properties(mutant.${m} PROPERTIES LABELS mutant TIMEOUT 600)
  endforeach()
  # Every mutant the binary knows must be registered above: compare with its --list.
  add_test(NAME mutant.${name}.all_registered
    COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:${name}> "-DEXPECTED=${ARG_MUTANTS}"
            -P ${PROJECT_SOURCE_DIR}/cmake/check_list.cmake)
  set_tests_properties(mutant.${name}.all_registered PROPERTIES LABELS mutant)
endfunction()

set_property(GLOBAL PROPERTY CSP_EXAMPLES "")
function(csp_add_example name)
  cmake_parse_arguments(ARG "" "PASS_REGULAR_EXPRESSION" "SOURCES;ARGS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  _csp_common(${name})
  _csp_label(example label)
  add_test(NAME example.${name} COMMAND ${name} ${ARG_ARGS})
  set_tests_properties(example.${name} PROPERTIES LABELS ${label} TIMEOUT 120)
  if(ARG_PASS_REGULAR_EXPRESSION)
    set_tests_properties(example.${name} PROPERTIES
      PASS_REGULAR_EXPRESSION "${ARG_PASS_REGULAR_EXPRESSION}")
  endif()
  set_property(GLOBAL APPEND PROPERTY CSP_EXAMPLES ${name})
endfunction()
