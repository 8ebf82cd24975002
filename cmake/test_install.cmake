# Installs csp into a fresh prefix, then configures, builds and runs a tiny outside project that
# finds it with find_package(csp CONFIG REQUIRED) and links csp::csp. Run by CTest (label
# `install`) with -DCSP_BUILD_DIR, -DCSP_CONSUMER_DIR, -DCSP_WORK_DIR, -DCSP_CXX.
file(REMOVE_RECURSE "${CSP_WORK_DIR}")
set(prefix "${CSP_WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install "${CSP_BUILD_DIR}" --prefix "${prefix}")
run(${CMAKE_COMMAND} -S "${CSP_CONSUMER_DIR}" -B "${CSP_WORK_DIR}/consumer"
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CSP_CXX} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${CSP_WORK_DIR}/consumer")
run("${CSP_WORK_DIR}/consumer/consumer")
message(STATUS "an outside project built and ran against the installed csp in ${prefix}")
