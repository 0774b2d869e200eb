// The loaded parameters of a hyperprior model and the loader that validates
// them (hyperprior_model.h describes the accepted state_dict names).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "nmc/codecs/entropy/cdf_tables.h"
#include "nmc/codecs/image/hyperprior_config.h"
#include "nmc/kernels/safetensors.h"
#include "nmc/kernels/tensor.h"

namespace nmc::image {

// One convolution: Conv2d (weight [C_out, C_in, k, k]) or ConvTranspose2d
// (weight [C_in, C_out, k, k]), both with bias [C_out], padding k / 2;
// transposed ones use output_padding stride - 1 so they scale H and W by stride.
struct ConvLayer {
  Tensor weight;  // f32, host, read-only (may view the checkpoint mapping)
  Tensor bias;    // f32 [C_out]
  int kernel = 0;
  int stride = 1;
  bool transposed = false;
};

// GDN (analysis) or IGDN (synthesis) with effective, already reparametrized parameters.
struct GdnLayer {
  Tensor beta;   // f32 [C], owned
  Tensor gamma;  // f32 [C, C], owned; gamma[i][j] weighs x_j^2 in the norm of channel i
  bool inverse = false;
};

struct HyperpriorWeights {
  HyperpriorKind kind = HyperpriorKind::kMeanScaleHyperprior;
  int64_t n = 0;
  int64_t m = 0;

  std::array<ConvLayer, 4> g_a;      // g_a.0, .2, .4, .6
  std::array<GdnLayer, 3> g_a_gdn;   // g_a.1, .3, .5
  std::array<ConvLayer, 4> g_s;      // g_s.0, .2, .4, .6 (transposed)
  std::array<GdnLayer, 3> g_s_igdn;  // g_s.1, .3, .5
  std::array<ConvLayer, 3> h_a;      // h_a.0, .2, .4
  std::array<ConvLayer, 3> h_s;      // h_s.0, .2 (transposed), .4

  std::vector<float> eb_medians;      // [N]: entropy_bottleneck.quantiles[c, 0, 1]
  entropy::CdfTableSet eb_tables;     // N tables, table c codes channel c
  std::vector<float> scale_table;     // gaussian_conditional.scale_table
  float scale_lower_bound = 0.11f;    // gaussian_conditional.lower_bound_scale.bound
  entropy::CdfTableSet gaussian_tables;  // one table per scale_table entry
};

// Where the loader reads tensors: lookup by name (nullptr when absent) and
// materialisation (a host tensor that keeps its backing memory alive).
struct TensorSource {
  std::function<const SafetensorsTensorInfo*(std::string_view)> find;
  std::function<Result<Tensor>(std::string_view)> tensor;
};

Result<std::shared_ptr<const HyperpriorWeights>> load_hyperprior_weights(const TensorSource& source,
                                                                         const HyperpriorConfig& config);

}  // namespace nmc::image
