#pragma once

// PoolActuator creates, updates and destroys storage pools through virsh.
//
// create: pool-define (XML on stdin), pool-start, and pool-autostart when the
// spec asks. A pool whose type keeps its volumes in a directory (dir, fs,
// netfs) and whose start fails is built (`pool-build` without flags only
// makes the directory: it never formats) and started again; the ledger then
// remembers {"built": true}, so destroy removes the directory virtplan made
// and never one that was there before.
//
// update: a redefine (pool-dumpxml --inactive -> PoolKind::update_xml ->
// pool-define, same UUID) only when a field other than autostart/active
// changed (those are replaces, so normally never); then start when it should
// be active and is not, then autostart on or off.
//
// destroy: pool-destroy when active, pool-delete when virtplan built it and it
// holds no volumes (rmdir: the files of volumes made by hand are never
// removed), pool-undefine. A pool that is already gone is done.

#include "providers/kind/actuator.h"

namespace virtplan::storage {

class PoolActuator : public providers::KindActuator {
public:
  std::string_view kind() const override { return "pool"; }
  providers::Result<providers::ActuatorOutcome> create(const providers::ActuatorStep& step,
                                                       providers::HostSession& host) const override;
  providers::Result<providers::ActuatorOutcome> update(const providers::ActuatorStep& step,
                                                       providers::HostSession& host) const override;
  providers::Result<providers::ActuatorOutcome> destroy(const providers::ActuatorStep& step,
                                                        providers::HostSession& host) const override;
  providers::Result<bool> exists(const providers::ObjectId& id, providers::HostSession& host) const override;
};

}  // namespace virtplan::storage
