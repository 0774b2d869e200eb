// nmc info FILE... [--json]: describe each file with nmc_file_describe.
#include <nmc/info.h>

#include <cstdio>
#include <vector>

#include "cli_common.h"
#include "commands.h"

namespace nmc_cli {

int cmd_info(const std::vector<std::string>& args) {
  CommonFlags common;
  std::vector<std::string> files;
  bool json = false;
  po::options_description desc("nmc info options");
  add_common_flags(desc, common);
  desc.add_options()("json", po::bool_switch(&json), "print one JSON object per file")(
      "file", po::value<std::vector<std::string>>(&files)->required(), "files or model folders");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (!parse_subcommand("usage: nmc info FILE... [--json]", desc, pos, args, vm)) return 0;

  ContextPtr ctx = make_context(common);
  for (const auto& f : files) {
    size_t needed = 0;
    nmc_file_kind kind = NMC_FILE_UNKNOWN;
    const auto fmt = json ? NMC_DESCRIBE_JSON : NMC_DESCRIBE_TEXT;
    nmc_status st = nmc_file_describe(ctx.get(), f.c_str(), fmt, nullptr, 0, &needed, &kind);
    if (st != NMC_ERR_BUFFER_TOO_SMALL) check(ctx.get(), st, f);
    std::vector<char> buf(needed);
    check(ctx.get(), nmc_file_describe(ctx.get(), f.c_str(), fmt, buf.data(), buf.size(), &needed, &kind), f);
    if (!json && files.size() > 1) std::printf("== %s\n", f.c_str());
    std::printf("%s\n", buf.data());
  }
  return 0;
}

}  // namespace nmc_cli
