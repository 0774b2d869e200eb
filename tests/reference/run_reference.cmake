# ctest driver of reference_rans_compressai (cmake -P). Inputs (-D):
#   PYTHON       interpreter of the reference venv (cache variable NMC_REFERENCE_PYTHON)
#   SCRIPT       make_rans_reference.py
#   OUT_DIR      folder for the generated streams; emptied first
#   TEST_BINARY  nmc_test_entropy
# Environment: NMC_REFERENCE_SEED (optional) picks other random configurations.
# Fails (never skips) when the venv is missing, the script fails or the Catch2 test fails or does not run.
foreach(var PYTHON SCRIPT OUT_DIR TEST_BINARY)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_reference.cmake: ${var} is not set")
  endif()
endforeach()

if(NOT EXISTS "${PYTHON}")
  message(FATAL_ERROR
    "The reference Python venv is missing: ${PYTHON} does not exist.\n"
    "Create it with `bash tools/reference/setup_venv.sh` (from the source root; it makes build/reference-venv), "
    "or point the build at another interpreter with -DNMC_REFERENCE_PYTHON=/path/to/venv/bin/python.")
endif()

file(REMOVE_RECURSE "${OUT_DIR}")
set(seed_args "")
if(DEFINED ENV{NMC_REFERENCE_SEED})
  set(seed_args --seed "$ENV{NMC_REFERENCE_SEED}")
endif()
# The warning filter hides a FutureWarning torch prints when compressai is imported.
execute_process(COMMAND "${PYTHON}" -W ignore::FutureWarning "${SCRIPT}" "${OUT_DIR}" ${seed_args}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make_rans_reference.py failed (${rc}); is compressai installed in ${PYTHON}'s venv? "
                      "(bash tools/reference/setup_venv.sh)")
endif()

# The test is tagged [.reference] (hidden); the command-line tag [reference] selects it. --warn NoTests
# makes Catch2 fail instead of passing when the filter matches nothing.
execute_process(COMMAND "${CMAKE_COMMAND}" -E env "NMC_REFERENCE_DIR=${OUT_DIR}"
                        "${TEST_BINARY}" "[reference]" --warn NoTests
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nmc_test_entropy [reference] failed (${rc})")
endif()
