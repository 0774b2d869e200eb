// nmc: the command-line tool. `nmc <command> [options]`; every command accepts
// --threads, --backend, --verbose and --help; `nmc --version` prints versions.
// Exit status: 0 on success, 1 on failure (one-line error on stderr), 2 on usage errors.
#include <nmc/nmc.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

const Command kCommands[] = {
    {"info", "describe an image, audio, video, checkpoint or nmc stream", nmc_cli::cmd_info},
    {"convert", "decode media with nmc's I/O and write PNG / WAV / PNG frames", nmc_cli::cmd_convert},
    {"image", "learned image compression: image encode IN OUT --quality Q, image decode IN OUT.png", nmc_cli::cmd_image},
    {"vlm", "ask a LLaVA-OneVision model about images / a video: vlm --model DIR --image F --prompt TEXT", nmc_cli::cmd_vlm},
};

void print_usage() {
  std::printf("usage: nmc <command> [options]\n\ncommands:\n");
  for (const auto& c : kCommands) std::printf("  %-10s %s\n", c.name, c.summary);
  std::printf("\ncommon options: --threads N, --backend auto|cpu|cuda|reference, --verbose, --help\n"
              "nmc --version prints the library version and build.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage();
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--version" || cmd == "version") {
    std::printf("nmc %s (header %d.%d.%d)\n%s\n", nmc_version_string(), NMC_VERSION_MAJOR, NMC_VERSION_MINOR,
                NMC_VERSION_PATCH, nmc_build_info());
    std::printf("backends: cpu%s\n", nmc_backend_available(NMC_BACKEND_CUDA) ? ", cuda" : "");
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    print_usage();
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& a : args) {
    if (a == "--version") {
      std::printf("nmc %s\n", nmc_version_string());
      return 0;
    }
  }
  for (const auto& c : kCommands) {
    if (cmd != c.name) continue;
    try {
      return c.run(args);
    } catch (const nmc_cli::CliError& e) {
      std::fprintf(stderr, "nmc %s: %s\n", c.name, e.message.c_str());
      return e.exit_code;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "nmc %s: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "nmc: unknown command '%s' (see nmc --help)\n", cmd.c_str());
  return 2;
}
