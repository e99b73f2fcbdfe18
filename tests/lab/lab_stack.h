#pragma once

// Stack files for lab tests: the `hosts:` entry of a lab host (its address,
// the lab's client key and known_hosts, strict host keys), a temporary file
// to hold a stack for the virtplan binary (removed by its owner), and a stack
// text loaded in process by the real loader with every kind; the small
// helpers the CLI lab tests use to name objects and read output; and the
// three steps they repeat: plan a stack text, apply it, find the plan empty.

#include "cli/kinds.h"
#include "planner/stack.h"
#include "planner/stack_files.h"
#include "planner/stack_loader.h"
#include "providers/host/shell_quote.h"
#include "tests/lab/lab_env.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace virtplan::lab {

// Whether virtplan's output says `part`.
inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A name tag unique to this test process ("a12345"): ctest runs test cases
// side by side, each in its own process.
inline std::string tag_for(char letter) { return fmt::format("{}{}", letter, getpid() % 100000); }

// "  lab1:\n    address: ssh://root@10.231.1.2:22\n    identity: ...\n..."
inline std::string host_block(const LabEnv& env, std::size_t i) {
  return fmt::format("  {}:\n    address: ssh://root@{}:22\n    identity: {}\n    known_hosts: {}\n",
                     env.hosts[i].name, env.hosts[i].address, env.client_key, env.known_hosts);
}

// A stack file under /tmp, named after this process and the text, so tests
// running at once never share one. Rewriting it with new text: write_stack_at.
inline std::string write_stack(const std::string& text) {
  const std::string path =
      fmt::format("/tmp/vp-lab-stack-{}-{}.yaml", getpid(), std::hash<std::string>{}(text));
  std::ofstream(path) << text;
  return path;
}

inline void write_stack_at(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// `virtplan plan --detailed-exitcode` of the stack file or directory `path`
// finds nothing to do.
inline void check_plan_empty(const std::string& path) {
  const auto plan = test::run_virtplan("plan --detailed-exitcode -f " + providers::shell_quote(path));
  INFO(plan.output);
  CHECK(plan.status == 0);
}

// Writes `text` to the stack file `path` and applies it: the apply succeeds
// and the plan after it is empty. Returns the apply's output.
inline std::string apply_stack(const std::string& path, const std::string& text) {
  write_stack_at(path, text);
  const auto run = test::run_virtplan("apply --auto-approve -f " + providers::shell_quote(path));
  INFO(run.output);
  CHECK(run.status == 0);
  check_plan_empty(path);
  return run.output;
}

// `virtplan apply --auto-approve` of the stack file `path`, killed (-9) once
// `reached` holds (asked every `every`, for up to `limit`), as a crash at that
// point would leave the hosts. Whether it was reached, and what the killed
// apply printed (its log at `log`).
struct KilledApply {
  bool reached = false;
  std::string output;
};
inline KilledApply apply_killed_once(const std::string& path, const std::string& log,
                                     const std::function<bool()>& reached,
                                     std::chrono::milliseconds every = std::chrono::milliseconds(100),
                                     std::chrono::milliseconds limit = std::chrono::minutes(2)) {
  auto apply = test::start_virtplan("apply --auto-approve -f " + providers::shell_quote(path), log);
  KilledApply killed;
  killed.reached = wait_until(limit, reached, every);
  kill(apply.pid, SIGKILL);
  apply.wait();
  killed.output = apply.output();
  return killed;
}

// Writes `text` to the stack file `path` and returns its plan, which must succeed.
inline std::string plan_of(const std::string& path, const std::string& text) {
  write_stack_at(path, text);
  const auto plan = test::run_virtplan("plan -f " + providers::shell_quote(path));
  INFO(plan.output);
  CHECK(plan.status == 0);
  return plan.output;
}

// Destroys what the stack file `stack` declares (forced: whatever a failed
// test left running) and removes the file, however the test ends; `extra`
// runs first on lab host 0, for what the test made by hand.
struct StackCleanup {
  const LabEnv& env;
  std::string stack;
  std::string extra = {};

  ~StackCleanup() {
    try {
      if (!extra.empty()) env.run_in(0, extra + "; true");
    } catch (...) {
    }
    test::run_virtplan("destroy --auto-approve --force -f " + stack);
    std::filesystem::remove(stack);
  }
};

// A domain defined by hand on lab host `i` (no stack owns it), never
// started: it takes `memory_mib` MiB and `vcpus` vCPUs of that host for
// placement and `virtplan hosts`; undefined again when the test ends.
struct ForeignDomain {
  const LabEnv& env;
  std::size_t i;
  std::string name;
  ForeignDomain(const LabEnv& e, std::size_t host, std::string n, std::uint64_t memory_mib, int vcpus = 1)
      : env(e), i(host), name(std::move(n)) {
    env.run_in(i, fmt::format("virsh -q define /dev/stdin <<'EOF'\n<domain type='qemu'><name>{}</name>"
                              "<memory unit='MiB'>{}</memory><vcpu>{}</vcpu>"
                              "<os><type arch='x86_64'>hvm</type></os></domain>\nEOF",
                              name, memory_mib, vcpus));
  }
  ~ForeignDomain() {
    try {
      env.run_in(i, "virsh -q undefine " + providers::shell_quote(name) + "; true");
    } catch (...) {
    }
  }
};

// Which of the first two lab hosts virsh says defines domain `name`: its
// index, or -1 when neither does.
inline int lab_host_of(const LabEnv& env, const std::string& name) {
  for (std::size_t i = 0; i < 2; ++i) {
    if (has(env.run_in(i, "virsh -q list --all --name"), name)) return static_cast<int>(i);
  }
  return -1;
}

// The stack `yaml` declares, loaded as `virtplan` loads it; a test that
// writes a stack with a mistake fails here with the loader's messages.
inline planner::Stack load_stack_text(const std::string& yaml) {
  const std::string path = write_stack(yaml);
  auto files = planner::read_stack_files(path);
  std::filesystem::remove(path);
  REQUIRE(files.has_value());
  providers::Diagnostics diags;
  planner::Stack stack = planner::StackLoader(cli::kinds()).load(*files, diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  REQUIRE(diags.empty());
  return stack;
}

}  // namespace virtplan::lab
