// The one rule for shared pools (PoolKind::shares_storage): which pool,
// declared on two hosts, is one storage seen from both, so that a migrating
// domain's volume in it moves without a copy.

#include "storage/pool_kind.h"
#include "tests/support/kind_fixture.h"

namespace virtplan::storage {
namespace {

using nlohmann::json;
using virtplan::test::parse_object;

json pool(const std::string& yaml) {
  const auto parsed = parse_object(pool_kind(), "p", yaml);
  REQUIRE(parsed.messages().empty());
  return parsed.object.spec;
}

TEST_CASE("pool sharing: an NFS export or an iSCSI target declared alike on two hosts is shared") {
  const PoolKind& kind = pool_kind();
  const json nfs = pool("type: netfs\npath: /var/lib/virtplan/nfs\nsource: {host: nas, dir: /export}\n");
  CHECK(kind.shares_storage(nfs, nfs));
  // Mounted elsewhere on the other host: still the export.
  CHECK(kind.shares_storage(nfs, pool("type: netfs\npath: /mnt/n\nsource: {host: nas, dir: /export}\n")));
  CHECK_FALSE(kind.shares_storage(nfs, pool("type: netfs\npath: /var/lib/virtplan/nfs\n"
                                            "source: {host: nas, dir: /other}\n")));
  CHECK_FALSE(kind.shares_storage(nfs, pool("type: netfs\npath: /var/lib/virtplan/nfs\n"
                                            "source: {host: nas2, dir: /export}\n")));
  // Each host has an initiator of its own: the target is what names the storage.
  CHECK(kind.shares_storage(
      pool("type: iscsi\nsource: {host: san, iqn: iqn.2000-01.com.example:t, initiator: iqn.2000-01.h:1}\n"),
      pool(
          "type: iscsi\nsource: {host: san, iqn: iqn.2000-01.com.example:t, initiator: iqn.2000-01.h:2}\n")));
  // The stack may say otherwise.
  CHECK_FALSE(kind.shares_storage(
      nfs,
      pool("type: netfs\npath: /var/lib/virtplan/nfs\nsource: {host: nas, dir: /export}\nshared: false\n")));
}

TEST_CASE("pool sharing: a dir pool is the host's own unless both declarations say shared: true") {
  const PoolKind& kind = pool_kind();
  const json local = pool("type: dir\npath: /var/lib/virtplan/p\n");
  const json shared = pool("type: dir\npath: /var/lib/virtplan/p\nshared: true\n");
  CHECK_FALSE(kind.shares_storage(local, local));
  CHECK_FALSE(kind.shares_storage(shared, local));
  CHECK_FALSE(kind.shares_storage(local, shared));
  CHECK(kind.shares_storage(shared, shared));
  CHECK(kind.shares_storage(shared, pool("type: dir\npath: /srv/cluster/p\nshared: true\n")));
  // Another type on the other host is other storage, whatever it says.
  CHECK_FALSE(kind.shares_storage(shared, pool("type: fs\npath: /var/lib/virtplan/p\n"
                                               "source: {device: /dev/sdb}\nshared: true\n")));
  CHECK_FALSE(kind.shares_storage(pool("type: logical\nsource: {device: [/dev/sdb]}\n"),
                                  pool("type: logical\nsource: {device: [/dev/sdb]}\n")));
}

TEST_CASE("pool sharing: shared is the stack's word, not compared with the host") {
  const PoolKind& kind = pool_kind();
  const json shared = pool("type: dir\npath: /var/lib/virtplan/p\nshared: true\n");
  CHECK(shared["shared"] == true);
  json observed = pool("type: dir\npath: /var/lib/virtplan/p\n");
  observed["active"] = true;
  CHECK_FALSE(kind.reconcile(shared, observed).contains("shared"));
  CHECK(parse_object(kind, "p", "type: dir\npath: /x\nshared: maybe\n").messages().size() == 1);
}

}  // namespace
}  // namespace virtplan::storage
