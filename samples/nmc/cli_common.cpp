#include "cli_common.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace nmc_cli {

void add_common_flags(po::options_description& desc, CommonFlags& f) {
  desc.add_options()
      ("threads", po::value<int>(&f.threads)->default_value(0), "worker threads (0 = all cores)")
      ("backend", po::value<std::string>(&f.backend)->default_value("auto"), "auto | cpu | cuda | reference")
      ("verbose,v", po::bool_switch(&f.verbose), "log what the library does")
      ("help,h", "show this help");
}

// Errors come back as statuses and the tool prints them once itself, so the
// callback shows them only with --verbose (user != nullptr).
static void log_to_stderr(void* verbose, nmc_log_level level, const char* message) {
  static const char* names[] = {"error", "warning", "info", "debug"};
  if (level == NMC_LOG_ERROR && !verbose) return;
  if (level < NMC_LOG_ERROR || level > NMC_LOG_DEBUG) return;
  std::fprintf(stderr, "nmc [%s] %s\n", names[level], message);
}

ContextPtr make_context(const CommonFlags& flags) {
  nmc_context_settings s;
  nmc_context_default_settings(&s);
  if (flags.backend == "auto") s.backend = NMC_BACKEND_AUTO;
  else if (flags.backend == "cpu") s.backend = NMC_BACKEND_CPU;
  else if (flags.backend == "cuda") s.backend = NMC_BACKEND_CUDA;
  else if (flags.backend == "reference") s.backend = NMC_BACKEND_REFERENCE;
  else throw CliError{"unknown backend '" + flags.backend + "' (auto, cpu, cuda, reference)"};
  if (flags.threads < 0) throw CliError{"--threads must be >= 0"};
  s.num_threads = flags.threads;
  s.log_level = flags.verbose ? NMC_LOG_DEBUG : NMC_LOG_WARNING;
  s.log_callback = log_to_stderr;
  static int verbose_tag;
  s.log_user = flags.verbose ? &verbose_tag : nullptr;
  nmc_context* ctx = nullptr;
  const nmc_status st = nmc_context_create(&s, &ctx);
  if (st != NMC_OK) {
    std::string msg = std::string("cannot create context: ") + nmc_status_string(st);
    if (st == NMC_ERR_BACKEND_UNAVAILABLE) msg += " (backend " + flags.backend + ")";
    throw CliError{msg};
  }
  return ContextPtr(ctx);
}

void check(nmc_context* ctx, nmc_status status, const std::string& what) {
  if (status >= 0) return;
  std::string msg = what + ": " + nmc_status_string(status);
  const char* detail = nmc_context_last_error(ctx);
  if (detail && *detail) msg += std::string(": ") + detail;
  throw CliError{msg};
}

Progress::Progress(std::string label, double total)
    : label_(std::move(label)), total_(total), enabled_(isatty(STDERR_FILENO) && total > 0) {}

Progress::~Progress() {
  if (enabled_ && last_permille_ >= 0) std::fprintf(stderr, "\n");
}

void Progress::update(double done) {
  if (!enabled_) return;
  int pm = static_cast<int>(1000.0 * done / total_);
  pm = pm < 0 ? 0 : (pm > 1000 ? 1000 : pm);
  if (pm == last_permille_) return;
  last_permille_ = pm;
  const int width = 30, filled = pm * width / 1000;
  std::fprintf(stderr, "\r%s [%.*s%*s] %5.1f%%", label_.c_str(), filled, "##############################",
               width - filled, "", pm / 10.0);
  std::fflush(stderr);
}

bool parse_subcommand(const std::string& usage, po::options_description& desc,
                      po::positional_options_description& pos, const std::vector<std::string>& args,
                      po::variables_map& vm) {
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw CliError{std::string(e.what()) + " (see --help)", 2};
  }
  return true;
}

}  // namespace nmc_cli
