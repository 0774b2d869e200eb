# Runs CMD with ARGS (arguments joined by |), prints "exit=<code>" and its
# output (the test's PASS_REGULAR_EXPRESSION is matched against that), and
# fails unless the exit status is as expected: EXPECT=success needs 0,
# EXPECT=failure needs non-zero.
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${CMD} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit=${rc} ${out}${err}")
if(EXPECT STREQUAL "success" AND NOT rc EQUAL 0)
  message(FATAL_ERROR "command failed (exit ${rc}) but was expected to succeed")
elseif(EXPECT STREQUAL "failure" AND rc EQUAL 0)
  message(FATAL_ERROR "command succeeded but was expected to fail")
endif()
