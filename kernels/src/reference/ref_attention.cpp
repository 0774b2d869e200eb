// Reference scaled dot-product attention: the plain algorithm, one query row
// at a time, scores and weighted sums in double over the row's visible keys.
// Memory: O(Tk) scratch for one row of scores.
#include <algorithm>
#include <cmath>
#include <vector>

#include "nmc/kernels/ops.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::reference {

Status attention(const Exec&, const AttentionArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_attention(args));
  const Tensor &q = *args.q, &o = *args.out;
  const pointwise::AttentionParts parts = pointwise::attention_parts(args);
  const int64_t nb = q.dim(0), tq = q.dim(1), hq = q.dim(2), d = q.dim(3);
  const int64_t tk = parts.total(), hkv = args.k->dim(2), dv = args.v->dim(3);
  const int64_t group = hq / hkv;
  const double scale = args.scale != 0.0f ? args.scale : 1.0 / std::sqrt(static_cast<double>(d));
  std::vector<double> s(static_cast<size_t>(tk));
  std::vector<double> acc(static_cast<size_t>(dv));
  // Row j of part tensor t (k or v) for batch b, kv head g.
  auto row = [](const Tensor& t, int64_t b, int64_t j, int64_t g) {
    return t.data<float>() + b * t.stride(0) + j * t.stride(1) + g * t.stride(2);
  };
  for (int64_t b = 0; b < nb; ++b) {
    for (int64_t i = 0; i < tq; ++i) {
      const pointwise::KeyRange kr = pointwise::visible_keys(args, i + args.q_offset, tk);
      for (int64_t h = 0; h < hq; ++h) {
        const int64_t g = h / group;
        const float* qr = q.data<float>() + b * q.stride(0) + i * q.stride(1) + h * q.stride(2);
        float* orow = o.data<float>() + b * o.stride(0) + i * o.stride(1) + h * o.stride(2);
        double m = -INFINITY;
        for (const auto& part : parts.parts) {
          const int64_t lo = std::max(kr.lo, part.first), hi = std::min(kr.hi, part.first + part.k->dim(1));
          for (int64_t j = lo; j < hi; ++j) {
            const float* kr_ = row(*part.k, b, j - part.first, g);
            double dot = 0;
            for (int64_t c = 0; c < d; ++c) dot += static_cast<double>(qr[c]) * kr_[c];
            s[j] = dot * scale;
            m = std::fmax(m, s[j]);
          }
        }
        for (auto& a : acc) a = 0;
        double sum = 0;
        for (const auto& part : parts.parts) {
          const int64_t lo = std::max(kr.lo, part.first), hi = std::min(kr.hi, part.first + part.k->dim(1));
          for (int64_t j = lo; j < hi; ++j) {
            const double p = std::exp(s[j] - m);
            sum += p;
            const float* vr = row(*part.v, b, j - part.first, g);
            for (int64_t c = 0; c < dv; ++c) acc[c] += p * vr[c];
          }
        }
        const double part_lse = sum > 0 ? m + std::log(sum) : -INFINITY;
        float* lse = args.lse ? args.lse->data<float>() + (b * tq + i) * hq + h : nullptr;
        const pointwise::AttentionMerge mg =
            args.accumulate ? pointwise::attention_merge(*lse, part_lse) : pointwise::AttentionMerge{0.0, 1.0, part_lse};
        for (int64_t c = 0; c < dv; ++c) {
          const double part = sum > 0 ? acc[c] / sum : 0.0;
          orow[c] = static_cast<float>((mg.keep != 0.0 ? mg.keep * orow[c] : 0.0) + mg.take * part);
        }
        if (lse) *lse = static_cast<float>(mg.lse);
      }
    }
  }
  return Status::Ok();
}

}  // namespace nmc::reference
