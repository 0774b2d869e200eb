# Tests for copy, matmul, convs, pooling, resize, embedding, concat/slice/gather.
list(APPEND NMC_DENSE_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/parity_dense_matmul.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_dense_conv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_dense_copy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_dense_pool_resize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_dense_fixtures.cpp)
