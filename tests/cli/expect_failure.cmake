# Runs CMD with ARGS (arguments joined by |) and prints "exit=<code>" plus its output; the
# test passes when the output matches the test's regex, and fails if the
# command exited 0.
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${CMD} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit=${rc} ${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "command succeeded but was expected to fail")
endif()
