// CPU driver for attention: sets up the flash-attention work items
// (cpu_attention_impl.h) and schedules them dynamically over the pool, the
// costliest (latest query blocks under causal masks) first. Each thread owns
// one scratch buffer of attention_scratch_floats() floats; memory is O(tokens).
#include <atomic>
#include <cmath>
#include <vector>

#include "cpu/cpu_pointwise_ops.h"
#include "nmc/kernels/thread_pool.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::cpu {

Status attention_with(const PointwiseKernels* k, const Exec& exec, const AttentionArgs& args) {
  if (!k) return Unsupported("attention: no AVX2/AVX-512 on this CPU");
  NMC_RETURN_IF_ERROR(pointwise::validate_attention(args));
  const Tensor &q = *args.q, &o = *args.out;
  const pointwise::AttentionParts parts = pointwise::attention_parts(args);
  // Key positions are compared as floats in the kernel: exact below 2^24.
  if (parts.total() >= (int64_t{1} << 24)) return Unsupported("attention: more than 2^24 keys");
  std::vector<AttentionKvPart> kv;
  for (const auto& part : parts.parts) {
    AttentionKvPart x;
    x.k = part.k->data<float>();
    x.v = part.v->data<float>();
    x.k_sb = part.k->stride(0), x.k_st = part.k->stride(1), x.k_sh = part.k->stride(2);
    x.v_sb = part.v->stride(0), x.v_st = part.v->stride(1), x.v_sh = part.v->stride(2);
    x.first = part.first;
    x.n = part.k->dim(1);
    kv.push_back(x);
  }
  AttentionProblem p;
  p.q = q.data<float>();
  p.out = o.data<float>();
  p.lse = args.lse ? args.lse->data<float>() : nullptr;
  p.accumulate = args.accumulate;
  p.parts = kv.data();
  p.num_parts = static_cast<int64_t>(kv.size());
  p.q_sb = q.stride(0), p.q_st = q.stride(1), p.q_sh = q.stride(2);
  p.o_sb = o.stride(0), p.o_st = o.stride(1), p.o_sh = o.stride(2);
  p.batch = q.dim(0), p.tq = q.dim(1), p.hq = q.dim(2), p.d = q.dim(3);
  p.tk = parts.total(), p.hkv = args.k->dim(2), p.dv = args.v->dim(3);
  p.group = p.hq / p.hkv;
  const double scale = args.scale != 0.0f ? args.scale : 1.0 / std::sqrt(static_cast<double>(p.d));
  p.scale_log2e = static_cast<float>(scale * 1.4426950408889634074);
  p.mask = &args;
  p.queries_per_item = p.group >= 64 ? 1 : 64 / p.group;
  p.rows_padded = (p.queries_per_item * p.group + 15) / 16 * 16;
  p.ld_o = (p.dv + 15) / 16 * 16;
  p.num_qblocks = (p.tq + p.queries_per_item - 1) / p.queries_per_item;
  const int64_t items = p.num_items();
  if (items == 0 || p.dv == 0) return Status::Ok();

  const int64_t threads = exec.pool ? exec.pool->num_threads() : 1;
  const auto scratch_floats = static_cast<size_t>(attention_scratch_floats(p));
  std::atomic<int64_t> next{0};
  parallel_for(exec.pool, threads < items ? threads : items, 1, [&](int64_t, int64_t) {
    std::vector<float> scratch(scratch_floats);
    for (int64_t w = next.fetch_add(1); w < items; w = next.fetch_add(1)) k->attention_item(p, w, scratch.data());
  });
  return Status::Ok();
}

}  // namespace nmc::cpu
