#pragma once

// What a live migration leaves on a lab host of its temporary trust
// (kvm/domain_live_migration.h): a key directory /run/virtplan-migrate/UUID
// on the source and a `virtplan-migrate:UUID` line in the destination's
// authorized_keys, both named by the migrating domain's UUID. Tests look for
// their own domain's only: ctest runs lab tests side by side, and another
// test's migration may hold its key at that moment.

#include "providers/base/plain_text.h"
#include "providers/host/shell_quote.h"
#include "tests/lab/lab_env.h"

#include <fmt/format.h>

#include <string>

namespace virtplan::lab {

// The UUID of domain `name` on the first lab host that defines it ("" when
// none does): a migration keeps it.
inline std::string domain_uuid(const LabEnv& env, const std::string& name) {
  for (std::size_t i = 0; i < env.hosts.size(); ++i) {
    std::string uuid(providers::trimmed(
        env.run_in(i, "virsh -q domuuid " + providers::shell_quote(name) + " 2>/dev/null || true")));
    if (!uuid.empty()) return uuid;
  }
  return "";
}

// Nothing of the migration of the domain with UUID `uuid` is left on host i,
// for a destination user whose authorized_keys is `authorized_keys`.
inline bool no_migration_key_left(const LabEnv& env, std::size_t i, const std::string& uuid,
                                  const std::string& authorized_keys = "/root/.ssh/authorized_keys") {
  if (uuid.empty()) return false;  // a UUID not found proves nothing
  return providers::trimmed(env.run_in(
             i, fmt::format("ls -d /run/virtplan-migrate/{0} 2>/dev/null; "
                            "grep -c -F virtplan-migrate:{0} {1} 2>/dev/null; true",
                            providers::shell_quote(uuid), providers::shell_quote(authorized_keys)))) == "0";
}

}  // namespace virtplan::lab
