// CUDA backend: device memory, host<->device transfer, and the ops it has so
// far (elementwise, softmax, norms via own kernels; matmul via cuBLAS; conv2d
// via cuDNN). Ops without a CUDA implementation return kUnsupported. All work
// goes to the default stream of the current device; synchronize() waits.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <mutex>
#include <string>

#include "cuda_kernels.h"
#include "nmc/kernels/backend.h"

namespace nmc {
namespace {

Status cuda_status(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return Status::Ok();
  return Internal(std::string(what) + ": " + cudaGetErrorString(e));
}
Status launch_status(int e, const char* what) { return cuda_status(static_cast<cudaError_t>(e), what); }
Status cublas_status(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return Status::Ok();
  return Internal(std::string(what) + ": cuBLAS status " + std::to_string(static_cast<int>(s)));
}
Status cudnn_status(cudnnStatus_t s, const char* what) {
  if (s == CUDNN_STATUS_SUCCESS) return Status::Ok();
  return Internal(std::string(what) + ": " + cudnnGetErrorString(s));
}

bool on_device_f32(const Tensor* t) {
  return t && t->defined() && t->device() == Device::kCuda && t->dtype() == DType::kF32 && t->is_contiguous();
}

// Lazily created library handles, shared by every context (cuBLAS/cuDNN handles
// are used under a mutex: one op at a time per process on this backend).
struct Handles {
  std::mutex mu;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;
};
Handles& handles() {
  static Handles h;
  return h;
}

Status unary_op(const Exec&, const UnaryArgs& a) {
  if (!on_device_f32(a.x) || !on_device_f32(a.out)) return Unsupported("cuda unary: needs contiguous f32 device tensors");
  if (a.x->shape() != a.out->shape()) return InvalidArgument("unary: x and out shapes differ");
  if (static_cast<int>(a.kind) >= static_cast<int>(UnaryKind::kCount)) return InvalidArgument("unary: unknown kind");
  return launch_status(nmc::cuda::launch_unary(a.x->data<float>(), a.out->data<float>(), a.x->numel(),
                                               static_cast<int>(a.kind), a.alpha, a.beta, nullptr),
                       "unary kernel");
}

Status binary_op(const Exec&, const BinaryArgs& a) {
  if (!on_device_f32(a.a) || !on_device_f32(a.b) || !on_device_f32(a.out))
    return Unsupported("cuda binary: needs contiguous f32 device tensors");
  if (a.a->shape() != a.out->shape()) return InvalidArgument("binary: a and out shapes differ");
  if (static_cast<int>(a.kind) >= static_cast<int>(BinaryKind::kCount)) return InvalidArgument("binary: unknown kind");
  const int r = a.a->rank(), rb = a.b->rank();
  if (rb > r) return InvalidArgument("binary: b has higher rank than a");
  nmc::cuda::BroadcastIndex bi;
  bi.rank = r;
  const Shape bs = contiguous_strides(a.b->shape());
  for (int d = 0; d < r; ++d) {
    bi.out_dims[d] = a.a->dim(d);
    const int db = d - (r - rb);
    if (db < 0) {
      bi.b_strides[d] = 0;
    } else if (a.b->dim(db) == a.a->dim(d)) {
      bi.b_strides[d] = bs[db];
    } else if (a.b->dim(db) == 1) {
      bi.b_strides[d] = 0;
    } else {
      return InvalidArgument("binary: cannot broadcast " + a.b->shape().to_string() + " to " +
                             a.a->shape().to_string());
    }
  }
  return launch_status(nmc::cuda::launch_binary(a.a->data<float>(), a.b->data<float>(), a.out->data<float>(),
                                                a.a->numel(), bi, static_cast<int>(a.kind), nullptr),
                       "binary kernel");
}

Status softmax_op(const Exec&, const SoftmaxArgs& a) {
  if (!on_device_f32(a.x) || !on_device_f32(a.out) || a.x->shape() != a.out->shape() || a.x->rank() < 1)
    return Unsupported("cuda softmax: needs contiguous f32 device tensors");
  const int64_t cols = a.x->dim(-1);
  return launch_status(nmc::cuda::launch_softmax(a.x->data<float>(), a.out->data<float>(),
                                                 cols ? a.x->numel() / cols : 0, cols, a.scale, nullptr),
                       "softmax kernel");
}

Status rms_norm_op(const Exec&, const RmsNormArgs& a) {
  if (!on_device_f32(a.x) || !on_device_f32(a.out) || a.x->shape() != a.out->shape() || a.x->rank() < 1 ||
      (a.weight && !on_device_f32(a.weight)))
    return Unsupported("cuda rms_norm: needs contiguous f32 device tensors");
  const int64_t cols = a.x->dim(-1);
  if (a.weight && a.weight->numel() != cols) return InvalidArgument("rms_norm: weight size mismatch");
  return launch_status(nmc::cuda::launch_rms_norm(a.x->data<float>(), a.weight ? a.weight->data<float>() : nullptr,
                                                  a.out->data<float>(), cols ? a.x->numel() / cols : 0, cols,
                                                  a.eps, nullptr),
                       "rms_norm kernel");
}

Status layer_norm_op(const Exec&, const LayerNormArgs& a) {
  if (!on_device_f32(a.x) || !on_device_f32(a.out) || a.x->shape() != a.out->shape() || a.x->rank() < 1 ||
      (a.weight && !on_device_f32(a.weight)) || (a.bias && !on_device_f32(a.bias)))
    return Unsupported("cuda layer_norm: needs contiguous f32 device tensors");
  const int64_t cols = a.x->dim(-1);
  if ((a.weight && a.weight->numel() != cols) || (a.bias && a.bias->numel() != cols))
    return InvalidArgument("layer_norm: weight/bias size mismatch");
  return launch_status(
      nmc::cuda::launch_layer_norm(a.x->data<float>(), a.weight ? a.weight->data<float>() : nullptr,
                                   a.bias ? a.bias->data<float>() : nullptr, a.out->data<float>(),
                                   cols ? a.x->numel() / cols : 0, cols, a.eps, nullptr),
      "layer_norm kernel");
}

// Row-major C[M,N] = A[M,K] op(B) computed as column-major C^T = op(B)^T A^T.
Status matmul_op(const Exec&, const MatmulArgs& a) {
  if (!on_device_f32(a.a) || !on_device_f32(a.out) || !a.b || a.b->device() != Device::kCuda ||
      a.b->dtype() != DType::kF32 || !a.b->is_contiguous() || (a.bias && !on_device_f32(a.bias)))
    return Unsupported("cuda matmul: needs contiguous f32 device tensors");
  if (a.a->rank() < 2 || a.b->rank() < 2) return InvalidArgument("matmul: rank < 2");
  const int64_t M = a.a->dim(-2), K = a.a->dim(-1);
  const int64_t N = a.trans_b ? a.b->dim(-2) : a.b->dim(-1);
  const int64_t Kb = a.trans_b ? a.b->dim(-1) : a.b->dim(-2);
  if (Kb != K) return InvalidArgument("matmul: inner dims differ");
  if (a.bias && (a.bias->rank() != 1 || a.bias->dim(0) != N)) return InvalidArgument("matmul: bias must be [N]");
  // b is either shared (rank 2) or has exactly a's batch dims; out is [batch..., M, N].
  if (a.b->rank() != 2 && a.b->rank() != a.a->rank())
    return Unsupported("cuda matmul: b must be rank 2 or have a's batch dims");
  if (a.out->rank() != a.a->rank()) return InvalidArgument("matmul: output rank mismatch");
  int64_t batch = 1;
  for (int d = 0; d + 2 < a.a->rank(); ++d) {
    if (a.b->rank() != 2 && a.b->dim(d) != a.a->dim(d))
      return Unsupported("cuda matmul: b's batch dims must equal a's (no partial broadcast)");
    if (a.out->dim(d) != a.a->dim(d)) return InvalidArgument("matmul: output batch dims mismatch");
    batch *= a.a->dim(d);
  }
  if (a.out->dim(-2) != M || a.out->dim(-1) != N) return InvalidArgument("matmul: output shape mismatch");
  constexpr int64_t kIntMax = 0x7fffffff;
  if (M > kIntMax || N > kIntMax || K > kIntMax || batch > kIntMax)
    return Unsupported("cuda matmul: dimension beyond cuBLAS's int range");
  if (M == 0 || N == 0 || batch == 0) return Status::Ok();
  const bool shared_b = a.b->rank() == 2;
  if (K == 0) {  // empty inner product: out = bias (or zeros)
    NMC_RETURN_IF_ERROR(cuda_status(cudaMemset(a.out->raw(), 0, a.out->nbytes()), "cudaMemset"));
    if (a.bias)
      NMC_RETURN_IF_ERROR(launch_status(
          nmc::cuda::launch_add_bias(a.out->data<float>(), a.bias->data<float>(), batch * M, N, nullptr), "bias"));
    return Status::Ok();
  }
  auto& h = handles();
  std::lock_guard<std::mutex> lk(h.mu);
  if (!h.cublas) NMC_RETURN_IF_ERROR(cublas_status(cublasCreate(&h.cublas), "cublasCreate"));
  const float alpha = a.alpha, beta = 0.f;
  NMC_RETURN_IF_ERROR(cublas_status(
      cublasSgemmStridedBatched(h.cublas, a.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(N),
                                static_cast<int>(M), static_cast<int>(K), &alpha, a.b->data<float>(),
                                static_cast<int>(a.trans_b ? K : N), shared_b ? 0 : N * K, a.a->data<float>(),
                                static_cast<int>(K), M * K, &beta, a.out->data<float>(), static_cast<int>(N), M * N,
                                static_cast<int>(batch)),
      "cublasSgemmStridedBatched"));
  if (a.bias)
    NMC_RETURN_IF_ERROR(launch_status(
        nmc::cuda::launch_add_bias(a.out->data<float>(), a.bias->data<float>(), batch * M, N, nullptr), "bias"));
  return Status::Ok();
}

// cuDNN forward convolution (symmetric zero padding only).
Status conv2d_op(const Exec&, const Conv2dArgs& a) {
  if (!on_device_f32(a.x) || !on_device_f32(a.w) || !on_device_f32(a.out) || (a.bias && !on_device_f32(a.bias)))
    return Unsupported("cuda conv2d: needs contiguous f32 device tensors");
  if (a.pad_mode != PadMode::kZeros || a.pad_top != a.pad_bottom || a.pad_left != a.pad_right)
    return Unsupported("cuda conv2d: only symmetric zero padding");
  if (a.x->rank() != 4 || a.w->rank() != 4 || a.out->rank() != 4) return InvalidArgument("conv2d: rank != 4");
  if (a.bias && (a.bias->rank() != 1 || a.bias->dim(0) != a.w->dim(0)))
    return InvalidArgument("conv2d: bias must be [out_channels]");
  if (a.groups < 1 || a.x->dim(1) != a.w->dim(1) * a.groups || a.w->dim(0) % a.groups != 0)
    return InvalidArgument("conv2d: channels do not match the weight and groups");
  constexpr int64_t kIntMax = 0x7fffffff;
  for (int d = 0; d < 4; ++d)
    if (a.x->dim(d) > kIntMax || a.w->dim(d) > kIntMax) return Unsupported("cuda conv2d: dimension too large");
  auto& h = handles();
  std::lock_guard<std::mutex> lk(h.mu);
  if (!h.cudnn) NMC_RETURN_IF_ERROR(cudnn_status(cudnnCreate(&h.cudnn), "cudnnCreate"));
  cudnnTensorDescriptor_t xd = nullptr, yd = nullptr, bd = nullptr;
  cudnnFilterDescriptor_t wd = nullptr;
  cudnnConvolutionDescriptor_t cd = nullptr;
  void* workspace = nullptr;
  auto body = [&]() -> Status {
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnCreateTensorDescriptor(&xd), "desc"));
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnCreateTensorDescriptor(&yd), "desc"));
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnCreateFilterDescriptor(&wd), "desc"));
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnCreateConvolutionDescriptor(&cd), "desc"));
    auto i = [](int64_t v) { return static_cast<int>(v); };
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                                                i(a.x->dim(0)), i(a.x->dim(1)), i(a.x->dim(2)),
                                                                i(a.x->dim(3))),
                                     "x desc"));
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                                i(a.w->dim(0)), i(a.w->dim(1)), i(a.w->dim(2)),
                                                                i(a.w->dim(3))),
                                     "w desc"));
    NMC_RETURN_IF_ERROR(cudnn_status(
        cudnnSetConvolution2dDescriptor(cd, a.pad_top, a.pad_left, a.stride_h, a.stride_w, a.dilation_h,
                                        a.dilation_w, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
        "conv desc"));
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnSetConvolutionGroupCount(cd, a.groups), "groups"));
    // Full f32 arithmetic (no TF32 tensor-core rounding), matching the reference.
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnSetConvolutionMathType(cd, CUDNN_FMA_MATH), "math type"));
    int n, c, hh, ww;
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &n, &c, &hh, &ww), "dims"));
    if (n != a.out->dim(0) || c != a.out->dim(1) || hh != a.out->dim(2) || ww != a.out->dim(3))
      return InvalidArgument("conv2d: output shape mismatch");
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, hh, ww),
                                     "y desc"));
    cudnnConvolutionFwdAlgoPerf_t perf[8];
    int found = 0;
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnGetConvolutionForwardAlgorithm_v7(h.cudnn, xd, wd, cd, yd, 8, &found, perf),
                                     "algo"));
    // First usable algorithm, preferring deterministic ones.
    const cudnnConvolutionFwdAlgoPerf_t* pick = nullptr;
    for (int i = 0; i < found && !pick; ++i)
      if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].determinism == CUDNN_DETERMINISTIC) pick = &perf[i];
    for (int i = 0; i < found && !pick; ++i)
      if (perf[i].status == CUDNN_STATUS_SUCCESS) pick = &perf[i];
    if (!pick) return Unsupported("cuda conv2d: cuDNN offers no algorithm for this case");
    size_t ws = 0;
    NMC_RETURN_IF_ERROR(cudnn_status(
        cudnnGetConvolutionForwardWorkspaceSize(h.cudnn, xd, wd, cd, yd, pick->algo, &ws), "workspace"));
    if (ws) NMC_RETURN_IF_ERROR(cuda_status(cudaMalloc(&workspace, ws), "workspace alloc"));
    const float one = 1.f, zero = 0.f;
    NMC_RETURN_IF_ERROR(cudnn_status(cudnnConvolutionForward(h.cudnn, &one, xd, a.x->raw(), wd, a.w->raw(), cd,
                                                             pick->algo, workspace, ws, &zero, yd, a.out->raw()),
                                     "cudnnConvolutionForward"));
    if (a.bias) {
      NMC_RETURN_IF_ERROR(cudnn_status(cudnnCreateTensorDescriptor(&bd), "desc"));
      NMC_RETURN_IF_ERROR(
          cudnn_status(cudnnSetTensor4dDescriptor(bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, c, 1, 1), "b desc"));
      NMC_RETURN_IF_ERROR(
          cudnn_status(cudnnAddTensor(h.cudnn, &one, bd, a.bias->raw(), &one, yd, a.out->raw()), "bias"));
    }
    return Status::Ok();
  };
  Status s = body();
  if (workspace) cudaFree(workspace);
  if (bd) cudnnDestroyTensorDescriptor(bd);
  if (cd) cudnnDestroyConvolutionDescriptor(cd);
  if (wd) cudnnDestroyFilterDescriptor(wd);
  if (yd) cudnnDestroyTensorDescriptor(yd);
  if (xd) cudnnDestroyTensorDescriptor(xd);
  return s;
}

Status copy_op(const Exec&, const CopyArgs& a) {
  if (!a.src || !a.dst || a.src->dtype() != a.dst->dtype() || a.src->shape() != a.dst->shape() ||
      !a.src->is_contiguous() || !a.dst->is_contiguous())
    return Unsupported("cuda copy: only same-dtype contiguous copies");
  return cuda_status(cudaMemcpy(a.dst->raw(), a.src->raw(), a.src->nbytes(), cudaMemcpyDefault), "copy");
}

const OpTable& cuda_table() {
  static const OpTable t = [] {
    OpTable r;
    r.copy = &copy_op;
    r.unary = &unary_op;
    r.binary = &binary_op;
    r.softmax = &softmax_op;
    r.rms_norm = &rms_norm_op;
    r.layer_norm = &layer_norm_op;
    r.matmul = &matmul_op;
    r.conv2d = &conv2d_op;
    return r;
  }();
  return t;
}

class CudaBackend final : public Backend {
 public:
  BackendKind kind() const override { return BackendKind::kCuda; }
  const char* name() const override { return "cuda"; }
  Device device() const override { return Device::kCuda; }
  const OpTable& ops() const override { return cuda_table(); }

  Result<Tensor> zeros(const Shape& shape, DType dtype) const override {
    const int64_t n = shape.numel();
    if (n < 0 || static_cast<size_t>(n) > kMaxTensorBytes / dtype_size(dtype))
      return LimitExceeded("device tensor too large: " + shape.to_string());
    const size_t bytes = static_cast<size_t>(n) * dtype_size(dtype);
    void* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      return OutOfMemory("cudaMalloc of " + std::to_string(bytes) + " bytes failed");
    }
    NMC_RETURN_IF_ERROR(cuda_status(e, "cudaMalloc"));
    auto st = std::make_shared<Storage>();  // owns p from here on
    st->data = p;
    st->bytes = bytes;
    st->device = Device::kCuda;
    st->release = [](void* q) { cudaFree(q); };
    NMC_RETURN_IF_ERROR(cuda_status(cudaMemset(p, 0, bytes ? bytes : 1), "cudaMemset"));
    return Tensor::on_storage(std::move(st), 0, shape, dtype);
  }

  Status transfer(const Tensor& src, Tensor& dst) const override {
    if (src.shape() != dst.shape() || src.dtype() != dst.dtype())
      return InvalidArgument("transfer: " + src.describe() + " -> " + dst.describe());
    if (!src.is_contiguous() || !dst.is_contiguous()) return InvalidArgument("transfer needs contiguous tensors");
    if (src.nbytes() == 0) return Status::Ok();
    return cuda_status(cudaMemcpy(dst.raw(), src.raw(), src.nbytes(), cudaMemcpyDefault), "cudaMemcpy");
  }

  Status synchronize() const override { return cuda_status(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }
};

struct Probe {
  bool ok = false;
  std::string reason;
};

const Probe& probe() {
  static const Probe p = [] {
    Probe r;
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
      r.reason = std::string("no CUDA device: ") + cudaGetErrorString(e);
      cudaGetLastError();
    } else if (count == 0) {
      r.reason = "no CUDA device";
    } else {
      // Kernels are built for sm_80 and sm_90: older devices cannot run them.
      cudaDeviceProp prop{};
      const cudaError_t pe = cudaGetDeviceProperties(&prop, 0);
      if (pe != cudaSuccess) {
        r.reason = std::string("cannot query the CUDA device: ") + cudaGetErrorString(pe);
      } else if (prop.major < 8) {
        r.reason = std::string(prop.name) + " has compute capability " + std::to_string(prop.major) + "." +
                   std::to_string(prop.minor) + "; nmc's CUDA kernels need 8.0 or newer";
      } else {
        r.ok = true;
      }
    }
    return r;
  }();
  return p;
}

}  // namespace

const Backend* cuda_backend() {
  static const CudaBackend b;
  return probe().ok ? &b : nullptr;
}

std::string cuda_unavailable_reason() { return probe().reason; }

}  // namespace nmc
