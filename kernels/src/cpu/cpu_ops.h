// The CPU backend's op table: fast paths (AVX-512 / AVX2 with run-time
// dispatch, oneDNN for conv/deconv/matmul). Entries left null use the reference.
#pragma once

#include "nmc/kernels/ops.h"

namespace nmc::cpu {

const OpTable& op_table();

// Fill the table entries each group implements (cpu_dense*.cpp, cpu_pointwise*.cpp).
void register_dense_ops(OpTable& t);      // copy, matmul, convs, pooling, resize, embedding, concat/slice/gather
void register_pointwise_ops(OpTable& t);  // unary, binary, snake, gdn, norms, softmax, rope, attention

}  // namespace nmc::cpu
