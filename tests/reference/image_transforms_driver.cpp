// nmc_image_transforms_driver: runs HyperpriorModel's stages on tensors given in a
// safetensors file and writes every intermediate to another, for the reference
// check tests/reference/check_image_transforms.py (which compares them with the
// real CompressAI). A test tool, not part of the library.
//
// Usage:
//   nmc_image_transforms_driver [--backend cpu|reference] [--threads N]
//                               MODEL.safetensors ARCH IN.safetensors OUT.safetensors
//
//   MODEL  a CompressAI state dict as tools/convert/compressai_to_safetensors.py writes it; tensors the
//          model does not use (e.g. the integer hyper-synthesis `nmc.int_h_s.*`) are ignored.
//   ARCH   mbt2018-mean | bmshj2018-hyperprior (N and M are read from the weights).
//   IN     must hold `x`: f32 [1, 3, H, W], H and W multiples of 64. When it also holds the stage inputs
//          `y`, `z`, `z_hat`, `scales` and `y_hat` (and `means` for mbt2018-mean), every stage is
//          additionally run on those (stage-wise mode, fed with the reference's own intermediates).
//   OUT    receives, from the chain x -> y -> z -> z_symbols -> z_hat -> scales/means -> indexes,
//          y_symbols -> y_hat -> x_hat as an encoder + decoder run it:
//            y, z (f32), z_symbols (i32), z_hat (f32, dequantize_z of z_symbols), scales, means (f32;
//            means only for mbt2018-mean), indexes, y_symbols (i32), y_hat (f32, dequantize_y of
//            y_symbols), x_hat (f32, clamped to [0, 1]);
//          and in stage-wise mode, each from the IN tensor named in brackets:
//            stage.z [y], stage.z_symbols and stage.z_hat [z], stage.scales and stage.means [z_hat],
//            stage.indexes [scales], stage.y_symbols and stage.y_hat [y, means], stage.x_hat [y_hat].
//   --backend  the backend the transforms run on (default cpu); quantization and indexes are host code.
//   --threads  thread pool size for the cpu backend (default 2; 0 = no pool). The reference backend
//              runs without a pool.
//
// quantize_z / quantize_y values must equal dequantize_z / dequantize_y of their symbols bit for bit;
// the driver checks that and fails otherwise. Exit status 0 on success, 1 on any error (message on
// stderr), 2 on a usage error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "nmc/codecs/image/hyperprior_config.h"
#include "nmc/codecs/image/hyperprior_model.h"
#include "nmc/kernels/backend.h"
#include "nmc/kernels/safetensors.h"
#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"
#include "nmc/kernels/thread_pool.h"

namespace {

using nmc::Exec;
using nmc::NamedTensors;
using nmc::Result;
using nmc::SafetensorsFile;
using nmc::Status;
using nmc::Tensor;
using nmc::image::HyperpriorKind;
using nmc::image::HyperpriorModel;
using nmc::image::HyperpriorParams;
using nmc::image::QuantizedLatent;

struct Options {
  std::string backend = "cpu";
  int threads = 2;
  std::string model_path, arch, in_path, out_path;
};

void usage() {
  std::fprintf(stderr,
               "usage: nmc_image_transforms_driver [--backend cpu|reference] [--threads N] "
               "MODEL.safetensors ARCH IN.safetensors OUT.safetensors\n");
}

// Parses argv; nullopt (after a message) on a usage error.
std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  std::string positional[4];
  int n_positional = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--backend" || arg == "--threads") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--backend") {
        o.backend = value;
      } else {
        char* end = nullptr;
        const long t = std::strtol(value.c_str(), &end, 10);
        if (end == value.c_str() || *end != '\0' || t < 0 || t > 256) {
          std::fprintf(stderr, "--threads: expected an integer in [0, 256], got '%s'\n", value.c_str());
          return std::nullopt;
        }
        o.threads = static_cast<int>(t);
      }
    } else if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr, "unknown or incomplete option '%s'\n", arg.c_str());
      return std::nullopt;
    } else if (n_positional < 4) {
      positional[n_positional++] = arg;
    } else {
      std::fprintf(stderr, "too many arguments\n");
      return std::nullopt;
    }
  }
  if (n_positional != 4) {
    std::fprintf(stderr, "expected 4 arguments, got %d\n", n_positional);
    return std::nullopt;
  }
  if (o.backend != "cpu" && o.backend != "reference") {
    std::fprintf(stderr, "--backend: expected cpu or reference, got '%s'\n", o.backend.c_str());
    return std::nullopt;
  }
  o.model_path = positional[0];
  o.arch = positional[1];
  o.in_path = positional[2];
  o.out_path = positional[3];
  return o;
}

// Internal error unless a and b have the same dtype, shape and bytes (both contiguous host tensors).
Status require_identical(const Tensor& a, const Tensor& b, const char* what) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape() || !a.is_contiguous() || !b.is_contiguous() ||
      std::memcmp(a.raw(), b.raw(), a.nbytes()) != 0)
    return nmc::Internal(std::string(what) + ": quantized values differ from dequantizing the symbols");
  return Status::Ok();
}

// The encoder + decoder chain from x; appends its tensors to `out`.
Status run_chain(const HyperpriorModel& model, const Exec& exec, const Tensor& x, NamedTensors& out) {
  const bool mean_scale = model.kind() == HyperpriorKind::kMeanScaleHyperprior;
  NMC_ASSIGN_OR_RETURN(Tensor y, model.analysis(exec, x));
  NMC_ASSIGN_OR_RETURN(Tensor z, model.hyper_analysis(exec, y));
  NMC_ASSIGN_OR_RETURN(QuantizedLatent zq, model.quantize_z(z));
  NMC_ASSIGN_OR_RETURN(Tensor z_hat, model.dequantize_z(zq.symbols));
  NMC_RETURN_IF_ERROR(require_identical(zq.values, z_hat, "z"));
  NMC_ASSIGN_OR_RETURN(HyperpriorParams params, model.hyper_synthesis(exec, z_hat));
  NMC_ASSIGN_OR_RETURN(Tensor indexes, model.gaussian_indexes(params.scales));
  const Tensor* means = mean_scale ? &params.means : nullptr;
  NMC_ASSIGN_OR_RETURN(QuantizedLatent yq, model.quantize_y(y, means));
  NMC_ASSIGN_OR_RETURN(Tensor y_hat, model.dequantize_y(yq.symbols, means));
  NMC_RETURN_IF_ERROR(require_identical(yq.values, y_hat, "y"));
  NMC_ASSIGN_OR_RETURN(Tensor x_hat, model.synthesis(exec, y_hat));

  out.emplace_back("y", y);
  out.emplace_back("z", z);
  out.emplace_back("z_symbols", zq.symbols);
  out.emplace_back("z_hat", z_hat);
  out.emplace_back("scales", params.scales);
  if (mean_scale) out.emplace_back("means", params.means);
  out.emplace_back("indexes", indexes);
  out.emplace_back("y_symbols", yq.symbols);
  out.emplace_back("y_hat", y_hat);
  out.emplace_back("x_hat", x_hat);
  return Status::Ok();
}

// Every stage on the reference's own intermediates from `in`; appends "stage.*" tensors to `out`.
Status run_stages(const HyperpriorModel& model, const Exec& exec, const SafetensorsFile& in, NamedTensors& out) {
  const bool mean_scale = model.kind() == HyperpriorKind::kMeanScaleHyperprior;
  NMC_ASSIGN_OR_RETURN(const Tensor y, in.tensor("y"));
  NMC_ASSIGN_OR_RETURN(const Tensor z, in.tensor("z"));
  NMC_ASSIGN_OR_RETURN(const Tensor z_hat, in.tensor("z_hat"));
  NMC_ASSIGN_OR_RETURN(const Tensor scales, in.tensor("scales"));
  NMC_ASSIGN_OR_RETURN(const Tensor y_hat, in.tensor("y_hat"));
  Tensor means;
  if (mean_scale) {
    NMC_ASSIGN_OR_RETURN(means, in.tensor("means"));
  }

  NMC_ASSIGN_OR_RETURN(Tensor stage_z, model.hyper_analysis(exec, y));
  NMC_ASSIGN_OR_RETURN(QuantizedLatent zq, model.quantize_z(z));
  NMC_ASSIGN_OR_RETURN(HyperpriorParams params, model.hyper_synthesis(exec, z_hat));
  NMC_ASSIGN_OR_RETURN(Tensor indexes, model.gaussian_indexes(scales));
  NMC_ASSIGN_OR_RETURN(QuantizedLatent yq, model.quantize_y(y, mean_scale ? &means : nullptr));
  NMC_ASSIGN_OR_RETURN(Tensor x_hat, model.synthesis(exec, y_hat));

  out.emplace_back("stage.z", stage_z);
  out.emplace_back("stage.z_symbols", zq.symbols);
  out.emplace_back("stage.z_hat", zq.values);
  out.emplace_back("stage.scales", params.scales);
  if (mean_scale) out.emplace_back("stage.means", params.means);
  out.emplace_back("stage.indexes", indexes);
  out.emplace_back("stage.y_symbols", yq.symbols);
  out.emplace_back("stage.y_hat", yq.values);
  out.emplace_back("stage.x_hat", x_hat);
  return Status::Ok();
}

Status run(const Options& o) {
  NMC_ASSIGN_OR_RETURN(const HyperpriorKind kind, nmc::image::parse_hyperprior_kind(o.arch));
  NMC_ASSIGN_OR_RETURN(const SafetensorsFile weights, SafetensorsFile::open(o.model_path));
  NMC_ASSIGN_OR_RETURN(const HyperpriorModel model, HyperpriorModel::load(weights, {kind, 0, 0}));
  NMC_ASSIGN_OR_RETURN(const SafetensorsFile in, SafetensorsFile::open(o.in_path));
  NMC_ASSIGN_OR_RETURN(const Tensor x, in.tensor("x"));

  const bool on_cpu = o.backend == "cpu";
  std::unique_ptr<nmc::ThreadPool> pool;
  if (on_cpu && o.threads > 0) pool = std::make_unique<nmc::ThreadPool>(o.threads);
  const Exec exec{on_cpu ? &nmc::cpu_backend() : &nmc::reference_backend(), pool.get()};

  NamedTensors out;
  NMC_RETURN_IF_ERROR(run_chain(model, exec, x, out));
  // Stage-wise mode when IN carries the reference intermediates (checked by run_stages).
  if (in.contains("y") || in.contains("z") || in.contains("z_hat") || in.contains("scales") ||
      in.contains("y_hat")) {
    NMC_RETURN_IF_ERROR(run_stages(model, exec, in, out));
  }
  return nmc::write_safetensors(o.out_path, out,
                                {{"backend", o.backend}, {"architecture", o.arch},
                                 {"N", std::to_string(model.n())}, {"M", std::to_string(model.m())}});
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Options> options = parse_args(argc, argv);
  if (!options) {
    usage();
    return 2;
  }
  const Status s = run(*options);
  if (!s.ok()) {
    std::fprintf(stderr, "nmc_image_transforms_driver: %s\n", s.to_string().c_str());
    return 1;
  }
  return 0;
}
