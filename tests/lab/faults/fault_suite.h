#pragma once

// FaultSuite runs faulted applies of one stack (fault_stack.h) on the fault
// lab's host and judges each by what the host holds afterwards:
//
//   - the stack's ledger there is whole (it parses);
//   - every object on the host is foreign (there before the suite, or made
//     by the suite's "foreign client") or in the stack's ledger: nothing
//     unowned is left behind;
//   - every foreign object is exactly as it was (XML, state, content);
//   - every object of the stack that existed before is still the same
//     object (UUID; a volume's content, where the suite wrote a marker);
//   - the next apply succeeds without "already exists", the plan after it
//     is empty, and the host then holds exactly what the stack declares,
//     and the ledger lists exactly that: no entry outlives its object (a
//     foreign object made later under that name would be the stack's).
//
// A run starts from the other shape (small or full), so every run has
// creates, defines, updates or destroys for the fault to interrupt.

#include "providers/host/ledger.h"
#include "tests/lab/faults/fault_stack.h"
#include "tests/lab/faults/fault_table.h"
#include "tests/lab/faults/host_inventory.h"
#include "tests/lab/faults/running_apply.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>

namespace virtplan::lab::faults {

// What the host showed after a run: keys of objects, by what went wrong.
struct Damage {
  std::set<std::string> lost, touched, unowned, stale;

  void add(const Damage& other) {
    lost.insert(other.lost.begin(), other.lost.end());
    touched.insert(other.touched.begin(), other.touched.end());
    unowned.insert(other.unowned.begin(), other.unowned.end());
    stale.insert(other.stale.begin(), other.stale.end());
  }
};

// The fault of one run: called once the apply started; injects the fault at
// its moment, undoes it, and says whether it hit virtplan mid-apply.
using Injector = std::function<bool(RunningApply&)>;

class FaultSuite {
public:
  explicit FaultSuite(const LabEnv& env)
      : m_env(env),
        m_stack{tag_for('f'), env.hosts[0].name, 77},
        m_host_dir(fmt::format("{}/lab{}", env.dir, env.hosts[0].index)),
        m_file(fmt::format("/tmp/vp-faults-{}.yaml", m_stack.tag)) {}

  const FaultStack& stack() const { return m_stack; }
  const std::string& host_dir() const { return m_host_dir; }
  std::string ledger_file() const { return providers::Ledger::path(m_stack.stack()); }
  const std::string& file() const { return m_file; }
  void write(Shape shape) const { write_stack_at(m_file, m_stack.text(shape, host_block(m_env, 0))); }
  std::string foreign_pool() const { return "fp-" + m_stack.tag; }

  // Foreign objects made by hand (a pool with a volume holding a marker, a
  // network, a stopped domain), the baseline of everything foreign, then the
  // small stack applied and a marker written into its volume v0.
  void set_up() {
    make_foreign_objects();
    m_foreign = read_inventory(m_env, m_host_dir);
    REQUIRE(ensure(Shape::small));
    write_marker(m_host_dir + "/var-lib-virtplan/" + m_stack.pool() + "/" + m_stack.volume(0), m_stack.tag);
    for (const auto& [key, fingerprint] : read_inventory(m_env, m_host_dir)) {
      if (m_stack.keys(Shape::small).contains(key)) m_kept[key] = identity(fingerprint);
    }
    REQUIRE(m_kept.size() == m_stack.keys(Shape::small).size());
  }

  // A foreign object made during the suite joins the baseline.
  void add_foreign(const std::string& key) {
    const Inventory now = read_inventory(m_env, m_host_dir);
    REQUIRE(now.contains(key));
    m_foreign[key] = now.at(key);
  }

  // One faulted apply to `to`, judged; the row it adds to.
  FaultRow run(const std::string& label, Shape to, const Injector& inject) {
    if (!ensure(other(to))) return failed_run(label);
    write(to);
    const auto [hit, output] = interrupted("apply", label, inject);
    return judge(label, to, hit, output);
  }

  // One faulted `virtplan destroy` of the full stack, judged: the next
  // destroy must leave nothing of the stack. The small stack's objects go
  // too, so from here on they are not checked for being kept.
  FaultRow run_destroy(const std::string& label, const Injector& inject) {
    if (!ensure(Shape::full)) return failed_run(label);
    m_kept.clear();
    const auto [hit, output] = interrupted("destroy", label, inject);
    return judge(label, std::nullopt, hit, output);
  }

  // Runs `virtplan COMMAND` with `inject` hitting it; whether it hit
  // mid-run, and what it printed.
  std::pair<bool, std::string> interrupted(const std::string& command, const std::string& label,
                                           const Injector& inject) {
    const std::string log = fmt::format("/tmp/vp-faults-{}-{}.log", m_stack.tag, ++m_runs);
    RunningApply run(command + " --auto-approve -f " + m_file, log);
    const bool hit = inject(run);
    const auto status = run.wait();
    const std::string output = run.output();
    m_shape = std::nullopt;  // whatever it did: the next apply finds out
    INFO(label << ": the faulted " << command << " printed:\n" << output);
    CHECK(status.has_value());  // it ended, whatever the fault
    std::filesystem::remove(log);
    return {hit, output};
  }

  // Judges the host after a faulted run toward `to` (nullopt: nothing, a
  // destroy), which printed `output`, then converges it with a clean run.
  FaultRow judge(const std::string& label, std::optional<Shape> to, bool hit, const std::string& output) {
    INFO(label << ": the faulted run printed:\n" << output);
    Damage damage = inspect(label + ", after the fault", Entries::may_lead_objects);
    const bool converged = converge(label, to);
    damage.add(inspect(label + ", after the next run", Entries::match_objects));
    FaultRow row = fault_row(label);
    row.runs = 1;
    row.injected = hit ? 1 : 0;
    row.converged = converged ? 1 : 0;
    row.lost = static_cast<int>(damage.lost.size());
    row.touched = static_cast<int>(damage.touched.size());
    row.unowned = static_cast<int>(damage.unowned.size());
    row.stale = static_cast<int>(damage.stale.size());
    std::cout << fmt::format(
                     "  {}: {} ({}), {}, lost {}, foreign touched {}, unowned {}, stale ledger entries {}\n",
                     label, hit ? "hit mid-apply" : "MISSED", summary_of(output),
                     converged ? "converged" : "DID NOT CONVERGE", row.lost, row.touched, row.unowned,
                     row.stale)
              << std::flush;
    return row;
  }

  // What a faulted run said it did: its summary line, else its first error.
  static std::string summary_of(const std::string& output) {
    std::istringstream in(output);
    std::string line, error;
    while (std::getline(in, line)) {
      if (line.rfind("Apply: ", 0) == 0) return line;
      if (error.empty() && line.rfind("error: ", 0) == 0) error = line;
    }
    return error.empty() ? "no summary: killed" : error;
  }

  // Applies `shape` with no fault when the host does not hold it; whether
  // that worked.
  bool ensure(Shape shape) {
    if (m_shape == shape) return true;
    write(shape);
    const auto run = test::run_virtplan("apply --auto-approve --lock-wait 60 -f " + m_file);
    INFO("applying the " << to_string(shape) << " stack without a fault printed:\n" << run.output);
    CHECK(run.status == 0);
    if (run.status == 0) m_shape = shape;
    return run.status == 0;
  }

  // A run that could not start: the stack did not reach the shape it starts from.
  static FaultRow failed_run(const std::string& label) {
    FaultRow row = fault_row(label);
    row.runs = 1;
    return row;
  }

  // Destroys the stack: only foreign objects are left, untouched.
  void tear_down() {
    const auto run = test::run_virtplan("destroy --auto-approve --lock-wait 60 -f " + m_file);
    INFO(run.output);
    CHECK(run.status == 0);
    const Inventory now = read_inventory(m_env, m_host_dir);
    for (const auto& [key, fingerprint] : now) {
      if (!foreign(key)) FAIL_CHECK("after destroy, " << key << " is still on the host");
    }
    for (const auto& [key, fingerprint] : m_foreign) {
      CHECK(now.contains(key));
      if (now.contains(key)) CHECK(now.at(key) == fingerprint);
    }
    std::filesystem::remove(m_file);
  }

  void remove_foreign_objects() {
    m_env.run_in(0, fmt::format("virsh -q undefine {0}; virsh -q net-destroy {1}; virsh -q net-undefine {1}; "
                                "for v in $(virsh -q vol-list --pool {2} | awk '{{print $1}}'); do "
                                "virsh -q vol-delete --pool {2} $v; done; virsh -q pool-destroy {2}; "
                                "virsh -q pool-delete {2}; virsh -q pool-undefine {2}; true",
                                "fd-" + m_stack.tag, "fn-" + m_stack.tag, foreign_pool()));
  }

  static void write_marker(const std::string& file, const std::string& text) {
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(out.good());
    out << "virtplan fault suite marker " << text;
  }

private:
  static Shape other(Shape shape) { return shape == Shape::small ? Shape::full : Shape::small; }

  bool foreign(const std::string& key) const {
    return m_foreign.contains(key) || key.rfind("volume/" + foreign_pool() + "/", 0) == 0;
  }

  void make_foreign_objects() {
    const std::string& tag = m_stack.tag;
    m_env.run_in(
        0, fmt::format("set -e; virsh -q pool-define-as {0} dir --target /var/lib/virtplan/{0} >/dev/null; "
                       "virsh -q pool-build {0} >/dev/null; virsh -q pool-start {0} >/dev/null; "
                       "virsh -q vol-create-as {0} fv-{1} 1M --format raw >/dev/null",
                       foreign_pool(), tag));
    write_marker(m_host_dir + "/var-lib-virtplan/" + foreign_pool() + "/fv-" + tag, "foreign " + tag);
    const std::string network = fmt::format(
        "<network><name>fn-{0}</name><bridge name='vpfn{1}'/><ip address='10.78.0.1' prefix='24'/></network>",
        tag, tag.substr(0, 8));
    const std::string domain = fmt::format(
        "<domain type='qemu'><name>fd-{0}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>",
        tag);
    m_env.run_in(
        0, fmt::format("set -e; echo {} | virsh -q net-define /dev/stdin >/dev/null; "
                       "virsh -q net-start fn-{} >/dev/null; echo {} | virsh -q define /dev/stdin >/dev/null",
                       providers::shell_quote(network), tag, providers::shell_quote(domain)));
  }

  // The stack's ledger on the host as JSON; null when there is none.
  nlohmann::json ledger_now(const std::string& when) {
    std::ifstream in(m_host_dir + "/var-lib-virtplan/ledger/" + m_stack.stack() + ".json");
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().empty()) return nullptr;
    auto parsed = providers::Ledger::parse(m_stack.stack(), text.str());
    INFO(when << ": the ledger:\n" << text.str());
    CHECK(parsed.has_value());
    if (!parsed) return nullptr;
    return nlohmann::json::parse(text.str());
  }

  // Whether the ledger lists the object of inventory key "KIND/.../NAME",
  // keyed "KIND.NAME". A volume ("volume/POOL/NAME") is the ledger's only as "volume.POOL/NAME"
  // (or, from a format 1 ledger, "volume.NAME"): a same-named volume in
  // another pool is another object.
  static bool in_ledger(const nlohmann::json& ledger, const std::string& key) {
    if (ledger.is_null()) return false;
    const std::string kind = key.substr(0, key.find('/'));
    const std::string qualified = key.substr(key.find('/') + 1);  // "POOL/NAME" or "NAME"
    const std::string name = key.substr(key.rfind('/') + 1);
    const auto& objects = ledger.at("objects");
    return objects.contains(kind + "." + qualified) || objects.contains(kind + "." + name);
  }

  // Whether the ledger may list objects the host does not hold: after a
  // fault, yes (intents saved before creates that never ran); once an apply
  // converged, no: an entry without its object is stale, and a foreign
  // object made later under its name would be taken for the stack's.
  enum class Entries { may_lead_objects, match_objects };

  Damage inspect(const std::string& when, Entries expect) {
    const Inventory now = read_inventory(m_env, m_host_dir);
    const nlohmann::json ledger = ledger_now(when);
    Damage damage;
    if (expect == Entries::match_objects && !ledger.is_null()) {
      for (const auto& item : ledger.at("objects").items()) {
        if (held_by_stack(now, item.key())) continue;
        damage.stale.insert(item.key());
        FAIL_CHECK(when << ": the ledger lists " << item.key() << ", which is not on the host");
      }
    }
    for (const auto& [key, fingerprint] : now) {
      if (foreign(key) || in_ledger(ledger, key)) continue;
      damage.unowned.insert(key);
      FAIL_CHECK(when << ": " << key << " is on the host but neither foreign nor in the stack's ledger");
    }
    for (const auto& [key, fingerprint] : m_foreign) {
      if (!now.contains(key)) {
        damage.lost.insert(key);
        damage.touched.insert(key);
        FAIL_CHECK(when << ": the foreign " << key << " is gone");
      } else if (now.at(key) != fingerprint) {
        damage.touched.insert(key);
        FAIL_CHECK(when << ": the foreign " << key << " changed from\n"
                        << fingerprint << "to\n"
                        << now.at(key));
      }
    }
    for (const auto& [key, id] : m_kept) {
      if (now.contains(key) && identity(now.at(key)) == id) continue;
      damage.lost.insert(key);
      FAIL_CHECK(when << ": the stack's " << key << " was lost (gone or made again)");
    }
    return damage;
  }

  // Whether the host holds a non-foreign object for ledger key "KIND.NAME"
  // (NAME possibly qualified, as in_ledger() reads it).
  bool held_by_stack(const Inventory& now, const std::string& ledger_key) const {
    const nlohmann::json one = {{"objects", {{ledger_key, nullptr}}}};
    for (const auto& [key, fingerprint] : now) {
      if (!foreign(key) && in_ledger(one, key)) return true;
    }
    return false;
  }

  // The next apply succeeds without "already exists", the plan after it is
  // empty, and the host holds exactly the stack in `shape` (inspect() then
  // checks that the ledger lists exactly that). With no shape, the next
  // destroy succeeds and leaves nothing of the stack.
  bool converge(const std::string& label, std::optional<Shape> shape) {
    const std::string command = shape ? "apply" : "destroy";
    const auto rerun = test::run_virtplan(command + " --auto-approve --lock-wait 60 -f " + m_file);
    const auto plan =
        shape ? test::run_virtplan("plan --detailed-exitcode -f " + m_file) : test::VirtplanRun{0, ""};
    INFO(label << ": the next " << command << " printed:\n"
               << rerun.output << "\nand the plan after it:\n"
               << plan.output);
    CHECK(rerun.status == 0);
    CHECK_FALSE(has(rerun.output, "already exists"));
    CHECK(plan.status == 0);
    std::set<std::string> held;
    for (const auto& [key, fingerprint] : read_inventory(m_env, m_host_dir)) {
      if (!foreign(key)) held.insert(key);
    }
    const std::set<std::string> wanted = shape ? m_stack.keys(*shape) : std::set<std::string>{};
    CHECK(held == wanted);
    const bool ok =
        rerun.status == 0 && !has(rerun.output, "already exists") && plan.status == 0 && held == wanted;
    m_shape = ok ? shape : std::nullopt;  // unknown: the next run applies afresh
    return ok;
  }

  const LabEnv& m_env;
  FaultStack m_stack;
  std::string m_host_dir;
  std::string m_file;
  std::optional<Shape> m_shape;
  Inventory m_foreign;                        // key -> fingerprint of everything foreign
  std::map<std::string, std::string> m_kept;  // the small stack's keys -> identity
  int m_runs = 0;
};

}  // namespace virtplan::lab::faults
