// Reference matmul: out[..., M, N] = alpha * a[..., M, K] x op(b) + bias[N],
// with numpy broadcasting of the batch dims, double accumulation.
#include <vector>

#include "ref_dense_util.h"

namespace nmc::reference {

using namespace dense;

Status matmul(const Exec&, const MatmulArgs& p) {
  constexpr const char* kOp = "matmul";
  NMC_RETURN_IF_ERROR(check_tensor(kOp, "a", p.a, DType::kF32, -1, false));
  NMC_RETURN_IF_ERROR(check_present(kOp, "b", p.b));
  NMC_RETURN_IF_ERROR(check_tensor(kOp, "out", p.out, DType::kF32, -1, true));
  const Tensor& a = *p.a;
  const Tensor& b = *p.b;
  const Tensor& out = *p.out;
  if (b.dtype() != DType::kF32 && b.dtype() != DType::kBF16 && b.dtype() != DType::kF16)
    return InvalidArgument("matmul: b must be f32, bf16 or f16, got " + b.describe());
  if (a.rank() < 2 || b.rank() < 2)
    return InvalidArgument("matmul: a and b need rank >= 2, got " + a.describe() + " and " + b.describe());
  const int64_t m = a.dim(-2), k = a.dim(-1);
  const int64_t n = p.trans_b ? b.dim(-2) : b.dim(-1);
  const int64_t kb = p.trans_b ? b.dim(-1) : b.dim(-2);
  if (kb != k)
    return InvalidArgument("matmul: inner dims differ: a " + a.shape().to_string() + ", b " +
                           b.shape().to_string() + (p.trans_b ? " (trans_b)" : ""));
  // Broadcast batch shape, right-aligned.
  const int rank = a.rank() > b.rank() ? a.rank() : b.rank();
  Shape want;
  want.rank = rank;
  for (int i = 0; i < rank - 2; ++i) {
    const int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    const int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
    if (da != db && da != 1 && db != 1)
      return InvalidArgument("matmul: batch dims of a " + a.shape().to_string() + " and b " +
                             b.shape().to_string() + " do not broadcast");
    want[i] = da == 1 ? db : da;
  }
  want[rank - 2] = m;
  want[rank - 1] = n;
  NMC_RETURN_IF_ERROR(check_shape(kOp, "out", out, want));
  if (p.bias) {
    NMC_RETURN_IF_ERROR(check_tensor(kOp, "bias", p.bias, DType::kF32, 1, true));
    if (p.bias->dim(0) != n)
      return InvalidArgument("matmul: bias must have " + std::to_string(n) + " elements, got " +
                             p.bias->describe());
  }
  // Strides of a and b seen through the broadcast batch shape (0 where broadcast).
  Shape batch;
  batch.rank = rank - 2;
  Shape sa, sb;
  sa.rank = sb.rank = rank - 2;
  for (int i = 0; i < rank - 2; ++i) {
    batch[i] = want[i];
    const int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    sa[i] = (ia >= 0 && a.dim(ia) != 1) ? a.stride(ia) : 0;
    sb[i] = (ib >= 0 && b.dim(ib) != 1) ? b.stride(ib) : 0;
  }
  const int64_t a_sm = a.stride(-2), a_sk = a.stride(-1);
  const int64_t b_sk = p.trans_b ? b.stride(-1) : b.stride(-2);
  const int64_t b_sn = p.trans_b ? b.stride(-2) : b.stride(-1);
  const float* ap = a.data<float>();
  const float* bias = p.bias ? p.bias->data<float>() : nullptr;
  float* op = out.data<float>();
  if (out.numel() == 0) return Status::Ok();
  std::vector<double> brow(static_cast<size_t>(k));
  int64_t idx[kMaxRank] = {};
  int64_t batch_i = 0;
  do {
    const float* ab = ap + offset_of(idx, sa);
    const int64_t b_off = offset_of(idx, sb);
    float* ob = op + batch_i * m * n;
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t q = 0; q < k; ++q) brow[static_cast<size_t>(q)] = load_float(b.raw(), b.dtype(), b_off + q * b_sk + j * b_sn);
      for (int64_t i = 0; i < m; ++i) {
        double acc = 0.0;
        for (int64_t q = 0; q < k; ++q) acc += static_cast<double>(ab[i * a_sm + q * a_sk]) * brow[static_cast<size_t>(q)];
        acc *= p.alpha;
        if (bias) acc += bias[j];
        ob[i * n + j] = static_cast<float>(acc);
      }
    }
    ++batch_i;
  } while (next_index(idx, batch));
  return Status::Ok();
}

}  // namespace nmc::reference
