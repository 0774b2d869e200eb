// Registers the dense op group's CPU fast paths (cpu_dense_*.cpp). pool2d and
// resize_bilinear have no CPU path of their own yet and use the reference.
#include "cpu_dense_ops.h"
#include "cpu_ops.h"

namespace nmc::cpu {

void register_dense_ops(OpTable& t) {
  t.copy = &cpu::copy;
  t.matmul = &cpu::matmul;
  t.conv1d = &cpu::conv1d;
  t.conv2d = &cpu::conv2d;
  t.conv_transpose1d = &cpu::conv_transpose1d;
  t.conv_transpose2d = &cpu::conv_transpose2d;
  t.embedding = &cpu::embedding;
  t.concat = &cpu::concat;
  t.slice = &cpu::slice;
  t.gather = &cpu::gather;
}

}  // namespace nmc::cpu
