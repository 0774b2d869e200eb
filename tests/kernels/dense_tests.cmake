# Tests for copy, matmul, convs, pooling, resize, embedding, concat/slice/gather.
list(APPEND NMC_DENSE_TEST_SOURCES)
