// Where shipped models live: name -> model folder.
#pragma once

#include <string>

#include "nmc/kernels/status.h"

namespace nmc::sdk {

// Number of shipped image rate points ("nmc-image-q1" .. "nmc-image-qN").
inline constexpr int kShippedImageQualities = 4;
std::string shipped_image_model_name(int quality);

// The folder of model `name_or_path`: an existing folder path is returned as
// is; otherwise `name` (letters, digits, '-', '_', '.') is looked up in each
// folder of NMC_MODEL_PATH (':'-separated), then in the installed
// <prefix>/share/nmc/models, then in the source tree's models/. kNotFound
// lists the places searched.
Result<std::string> find_model_folder(const std::string& name_or_path);

}  // namespace nmc::sdk
