#include "nmc/codecs/image/hyperprior_config.h"

#include <string>

namespace nmc::image {

const char* hyperprior_kind_name(HyperpriorKind kind) {
  switch (kind) {
    case HyperpriorKind::kScaleHyperprior: return "bmshj2018-hyperprior";
    case HyperpriorKind::kMeanScaleHyperprior: return "mbt2018-mean";
  }
  return "?";
}

Result<HyperpriorKind> parse_hyperprior_kind(std::string_view name) {
  for (HyperpriorKind kind : {HyperpriorKind::kScaleHyperprior, HyperpriorKind::kMeanScaleHyperprior})
    if (name == hyperprior_kind_name(kind)) return kind;
  return InvalidArgument("hyperprior: unknown model '" + std::string(name) +
                         "' (expected 'bmshj2018-hyperprior' or 'mbt2018-mean')");
}

}  // namespace nmc::image
