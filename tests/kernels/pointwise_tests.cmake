# Tests for unary, binary, snake, gdn, norms, softmax, rope, attention.
list(APPEND NMC_POINTWISE_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/parity_pointwise_elementwise.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_pointwise_norm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_pointwise_attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_pointwise_math.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_pointwise_fixtures.cpp)
