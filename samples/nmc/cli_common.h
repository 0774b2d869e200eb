// Shared pieces of the `nmc` command-line tool: common flags, the context they
// configure, error reporting and a terminal progress bar. Public C ABI only.
#pragma once

#include <nmc/media.h>
#include <nmc/nmc.h>

#include <boost/program_options.hpp>
#include <memory>
#include <string>
#include <vector>

namespace nmc_cli {

namespace po = boost::program_options;

// Flags every subcommand accepts.
struct CommonFlags {
  int threads = 0;
  std::string backend = "auto";
  bool verbose = false;
};

void add_common_flags(po::options_description& desc, CommonFlags& flags);

// Owns an nmc_context configured from the common flags.
struct ContextDeleter {
  void operator()(nmc_context* c) const { nmc_context_free(c); }
};
using ContextPtr = std::unique_ptr<nmc_context, ContextDeleter>;

// Owns an nmc_image.
struct ImageDeleter {
  void operator()(nmc_image* i) const { nmc_image_free(i); }
};
using ImagePtr = std::unique_ptr<nmc_image, ImageDeleter>;

// Thrown by subcommands to end with a one-line error and a non-zero exit status.
struct CliError {
  std::string message;
  int exit_code = 1;
};

ContextPtr make_context(const CommonFlags& flags);
// Throws CliError "what: <status string>: <last error>" when status is an error.
void check(nmc_context* ctx, nmc_status status, const std::string& what);

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class Progress {
 public:
  Progress(std::string label, double total);
  ~Progress();
  void update(double done);

 private:
  std::string label_;
  double total_;
  bool enabled_;
  int last_permille_ = -1;
};

// Parses a subcommand's argv (after the subcommand name). Returns false when --help was shown.
bool parse_subcommand(const std::string& usage, po::options_description& desc,
                      po::positional_options_description& pos, const std::vector<std::string>& args,
                      po::variables_map& vm);

}  // namespace nmc_cli
