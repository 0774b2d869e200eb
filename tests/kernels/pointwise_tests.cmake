# Tests for unary, binary, snake, gdn, norms, softmax, rope, attention.
list(APPEND NMC_POINTWISE_TEST_SOURCES)
