// Subcommands of the nmc tool. Each takes the arguments after its name and
// returns the exit status; failures throw nmc_cli::CliError.
#pragma once

#include <string>
#include <vector>

namespace nmc_cli {
int cmd_info(const std::vector<std::string>& args);
int cmd_convert(const std::vector<std::string>& args);
int cmd_image(const std::vector<std::string>& args);
int cmd_vlm(const std::vector<std::string>& args);
}  // namespace nmc_cli
