#include "storage/pool_actuator.h"

#include "providers/host/host_session.h"
#include "storage/pool_kind.h"
#include "storage/pool_type.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::ActuatorOutcome;
using providers::ActuatorStep;
using providers::Error;
using providers::ErrorCode;
using providers::fail;
using providers::HostSession;
using providers::live_way;
using providers::Result;
using providers::Spec;
using providers::step_error;

// A dir pool's start and build only check and make a directory: quick enough
// for the host's shared virsh. Other types mount, log in or scan devices,
// which may take long.
bool quick_to_start(const Spec& spec) { return spec.value("type", "") == "dir"; }

// Starts the pool; a pool whose directory is missing is built and started
// again. Returns whether it built the directory.
Result<bool> start(const ActuatorStep& step, HostSession& host, const Spec& spec, std::string_view done) {
  const std::string& name = step.desired.id.name;
  auto run = [&](std::string_view subcommand) {
    std::vector<std::string> args{std::string(subcommand), "--pool", name};
    return quick_to_start(spec) ? host.virsh().run_quick(std::move(args)) : host.virsh().run(std::move(args));
  };
  auto started = run("pool-start");
  if (started) return false;
  if (!pool_owns_directory(spec))
    return fail(step_error(step, fmt::format("{}, not started", done), started.error()));
  auto built = run("pool-build");
  if (!built) {
    return fail(step_error(
        step, fmt::format("{}, not built or started", done),
        Error(built.error().code(), started.error().message() + "; then " + built.error().message())));
  }
  auto restarted = run("pool-start");
  if (!restarted)
    return fail(step_error(step, fmt::format("{} and built, not started", done), restarted.error()));
  return true;
}

Result<void> set_autostart(const ActuatorStep& step, HostSession& host, bool on, std::string_view done) {
  std::vector<std::string> args{"pool-autostart", "--pool", step.desired.id.name};
  if (!on) args.push_back("--disable");
  auto set = host.virsh().run(args);
  if (!set) {
    return fail(
        step_error(step, fmt::format("{}, autostart not {}", done, on ? "set" : "unset"), set.error()));
  }
  return {};
}

json built_data(bool built) {
  json data = json::object();
  if (built) data["built"] = true;
  return data;
}

// The state line of `virsh pool-info`: "running", "inactive", "building"...
std::string pool_state(const std::string& info) {
  std::istringstream lines(info);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("State:")) {
      std::string state = line.substr(6);
      state.erase(0, state.find_first_not_of(" \t"));
      return state;
    }
  }
  return {};
}

std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \t") != std::string::npos) ++n;
  }
  return n;
}

}  // namespace

Result<ActuatorOutcome> PoolActuator::create(const ActuatorStep& step, HostSession& host) const {
  const Spec& spec = step.desired.spec;
  auto xml = pool_kind().create_xml(step.desired);
  if (!xml) return fail(step_error(step, "not defined", xml.error()));
  auto defined = host.virsh().run({"pool-define", "/dev/stdin"}, *xml);
  if (!defined) return fail(step_error(step, "not defined", defined.error()));
  // `active: false`: defined only, as the stack says it is to be
  const bool active = spec.value("active", true);
  auto built = active ? start(step, host, spec, "defined") : Result<bool>(false);
  if (!built) return fail(built.error());
  if (spec.value("autostart", true)) {
    auto set = set_autostart(step, host, true, active ? "defined and started" : "defined");
    if (!set) return fail(set.error());
  }
  return ActuatorOutcome{built_data(*built), {}};
}

Result<ActuatorOutcome> PoolActuator::update(const ActuatorStep& step, HostSession& host) const {
  const Spec& spec = step.desired.spec;
  const std::string& name = step.desired.id.name;
  bool was_built = step.before.is_object() && step.before.value("built", false);
  // A field without a live way (the plan makes those a replace; an
  // adoption may bring them here) is written by a redefine.
  bool redefine = std::any_of(step.fields.begin(), step.fields.end(),
                              [](const auto& f) { return live_way(pool_field_rules(), f).empty(); });
  std::string done = "nothing changed";
  if (redefine) {
    auto current = host.virsh().run({"pool-dumpxml", "--inactive", "--pool", name});
    if (!current) return fail(step_error(step, done, current.error()));
    auto xml = pool_kind().update_xml(*current, step.desired);
    if (!xml) return fail(step_error(step, done, xml.error()));
    auto defined = host.virsh().run({"pool-define", "/dev/stdin"}, *xml);
    if (!defined) return fail(step_error(step, done, defined.error()));
    done = "redefined";
  }
  bool built_now = false;
  const bool active = step.before.is_object() ? step.before.value("active", true) : true;
  const bool want_active = spec.value("active", true);
  if (!active && want_active) {
    auto built = start(step, host, spec, done);
    if (!built) return fail(built.error());
    built_now = *built;
    done = done == "nothing changed" ? "started" : done + " and started";
  } else if (active && !want_active) {
    // Stopped, not undefined: `active: false` keeps the pool and its volumes.
    auto stopped = host.virsh().run({"pool-destroy", "--pool", name});
    if (!stopped) return fail(step_error(step, done, stopped.error()));
    done = done == "nothing changed" ? "stopped" : done + " and stopped";
  }
  bool autostart_changed = std::any_of(step.fields.begin(), step.fields.end(), [](const auto& f) {
    return live_way(pool_field_rules(), f) == pool_live::autostart;
  });
  if ((autostart_changed || redefine) && spec.contains("autostart")) {
    auto set = set_autostart(step, host, spec["autostart"].get<bool>(), done);
    if (!set) return fail(set.error());
  }
  return ActuatorOutcome{built_data(was_built || built_now), {}};
}

Result<ActuatorOutcome> PoolActuator::destroy(const ActuatorStep& step, HostSession& host) const {
  const std::string& name = step.desired.id.name;
  const bool built = step.before.is_object() && step.before.value("built", false);
  auto looked = host.virsh().batch(
      {{"pool-info", "--pool", name}, {"pool-refresh", "--pool", name}, {"vol-list", "--pool", name}});
  if (!looked[0]) {
    // Gone already (a destroy that crashed after pool-undefine): done.
    if (looked[0].error().code() == ErrorCode::not_found) return ActuatorOutcome{};
    return fail(step_error(step, "nothing done", looked[0].error()));
  }
  const bool running = pool_state(*looked[0]) == "running";
  // Volumes are only known while the pool runs; an inactive pool's directory
  // is left to rmdir, which refuses one that is not empty.
  std::optional<std::size_t> volumes;
  if (running && looked[2]) volumes = count_lines(*looked[2]);
  const bool remove_directory = built && pool_owns_directory(step.before) && volumes.value_or(0) == 0;

  std::vector<std::vector<std::string>> commands;
  if (running) commands.push_back({"pool-destroy", "--pool", name});
  if (remove_directory) commands.push_back({"pool-delete", "--pool", name});
  commands.push_back({"pool-undefine", "--pool", name});
  auto results = host.virsh().batch(commands);

  ActuatorOutcome outcome;
  std::size_t i = 0;
  // A pool may stop between the look and the destroy: one whose directory
  // another host's pool of the same shared directory just deleted (libvirt's
  // refresh stops it). Stopped is what the destroy wanted.
  if (running && !results[i++] && results[0].error().message().find("is not active") == std::string::npos) {
    return fail(step_error(step, "still defined and active", results[0].error()));
  }
  std::string path = step.before.is_object() ? step.before.value("path", "") : "";
  if (remove_directory) {
    const auto& deleted = results[i++];
    if (!deleted) {
      outcome.warnings.push_back(fmt::format("{}: directory {} kept: {}", step.desired.id.address(), path,
                                             deleted.error().message()));
    }
  } else if (built && volumes.value_or(0) > 0) {
    outcome.warnings.push_back(
        fmt::format("{}: directory {} kept: it holds {} volume{} the stack "
                    "does not own",
                    step.desired.id.address(), path, *volumes, *volumes == 1 ? "" : "s"));
  }
  if (!results[i]) {
    return fail(step_error(step, running ? "stopped, still defined" : "still defined", results[i].error()));
  }
  return outcome;
}

providers::Result<bool> PoolActuator::exists(const providers::ObjectId& id,
                                             providers::HostSession& host) const {
  return providers::existence_from(host.virsh().run({"pool-info", "--pool", id.name}));
}

}  // namespace virtplan::storage
