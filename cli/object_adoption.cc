#include "cli/object_adoption.h"

#include "kvm/domain_redefine_dump.h"
#include "providers/host/ledger.h"
#include "providers/virsh/runner.h"
#include "providers/xml/owner_marker.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

namespace virtplan::cli {
namespace {

using providers::Result;

// How a kind that carries the marker is read and redefined.
struct MarkerCommands {
  std::vector<std::string> dump;    // prints the inactive XML
  std::vector<std::string> define;  // reads XML on stdin
};

std::optional<MarkerCommands> marker_commands(const providers::ObjectId& id) {
  // With --security-info: the redefine keeps a console's password.
  if (id.kind == "domain")
    return MarkerCommands{kvm::domain_redefine_dump(id.name), {"define", "/dev/stdin"}};
  if (id.kind == "network") {
    return MarkerCommands{{"net-dumpxml", "--inactive", "--network", id.name}, {"net-define", "/dev/stdin"}};
  }
  return std::nullopt;  // pools and volumes: libvirt drops their <metadata>
}

Result<void> write_marker(const std::string& stack, const providers::HostConfig& host,
                          providers::Transport& transport, const MarkerCommands& commands) {
  providers::VirshRunner virsh(transport, host.libvirt_uri, host.become);
  auto xml = virsh.run(commands.dump);
  if (!xml) return providers::fail(xml.error());
  auto marked = providers::with_owner_marker(*xml, stack);
  if (!marked) return providers::fail(marked.error());
  auto defined = virsh.run(commands.define, *marked);
  if (!defined) return providers::fail(defined.error());
  return {};
}

}  // namespace

Result<std::string> adopt_object(const std::string& stack, const providers::HostConfig& host,
                                 providers::Transport& transport, const providers::ObjectId& id) {
  auto ledger = providers::Ledger::load(transport, stack, host.become);
  if (!ledger) return providers::fail(ledger.error().with_context(id.address() + ": reading the ledger"));
  // An intent (a create that failed, then the object made by hand) becomes
  // created too: adopting is saying the object is there and the stack's.
  if (auto entry = ledger->find(id); !entry || entry->state != providers::LedgerState::created) {
    ledger->mark_created(id);
    if (auto saved = ledger->save(transport, host.become); !saved) {
      return providers::fail(saved.error().with_context(id.address() + ": not adopted: writing the ledger"));
    }
  }
  const auto commands = marker_commands(id);
  if (!commands) return std::string("ledger");
  if (auto marked = write_marker(stack, host, transport, *commands); !marked) {
    return providers::fail(marked.error().with_context(
        id.address() + ": recorded in the ledger (owned), but the <metadata> marker was not written"));
  }
  return std::string("ledger and <metadata> marker");
}

}  // namespace virtplan::cli
