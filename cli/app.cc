#include "cli/app.h"

#include "cli/commands.h"
#include "cli/version.h"
#include "providers/host/command_trace.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

// The subcommands, in the order `virtplan --help` lists them.
constexpr Subcommand k_subcommands[] = {
    {"validate", "load and check the stack without contacting hosts", &setup_validate},
    {"hosts", "reach every host of the stack and show what it offers", &setup_hosts},
    {"plan", "observe every host and show what apply would change", &setup_plan},
    {"apply", "plan (or take a saved plan), ask, and make the hosts match the stack", &setup_apply},
    {"destroy", "destroy everything the stack owns, in reverse dependency order", &setup_destroy},
    {"show", "render a plan saved by `plan --out`, as text or JSON", &setup_show},
    {"import", "adopt an existing object into the stack and print the YAML that declares it", &setup_import},
    {"status", "a live table of the stack's objects: state, host, IP addresses", &setup_status},
    {"metrics", "domain statistics from virsh domstats, for Prometheus, InfluxDB or as JSON", &setup_metrics},
    {"domain", "lifecycle operations on one domain: start, shutdown, snapshot, backup...", &setup_domain},
    {"unlock", "break the stack's lock on a host, naming its holder first (like terraform force-unlock)",
     &setup_unlock},
    {"gc", "remove the cached images (by URL) of the stack that nothing uses any more, when asked",
     &setup_gc},
    {"schema", "print the JSON Schema of the stack format, for editors and CI", &setup_schema},
    {"man", "print the manual page (roff: virtplan man | man -l -)", &setup_man},
    {"completion", "print the bash completion script (completion bash)", &setup_completion},
    {"version", "print the version, the git commit and the libraries virtplan was built with",
     &setup_version},
};

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"virtplan: declarative infrastructure as code for KVM"};
  app.require_subcommand(1);
  // CLI11 prints the text and a newline.
  app.set_version_flag("--version", [] {
    std::string text = version_text();
    text.pop_back();
    return text;
  });
  // Before or after the subcommand: `virtplan apply --log-file x` too.
  app.fallthrough();
  std::optional<std::string> log_file;
  app.add_option("--log-file", log_file,
                 "write every command sent to a host, with its duration and exit status, to PATH "
                 "(VIRTPLAN_LOG=debug writes them to stderr)");
  std::vector<std::pair<CLI::App*, SubcommandRunner>> runners;
  for (const auto& row : k_subcommands) {
    CLI::App* command = app.add_subcommand(std::string(row.name), std::string(row.help));
    runners.emplace_back(command, row.setup(*command));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (auto tracing = providers::configure_command_trace(log_file); !tracing) {
    fmt::print(stderr, "error: {}\n", tracing.error().message());
    return 1;
  }
  for (const auto& [command, runner] : runners) {
    if (command->parsed()) {
      return runner();
    }
  }
  return 0;
}

}  // namespace virtplan::cli
