#pragma once

// ResourceKind is everything the generic planner knows about one kind of
// object (domain, pool, volume, network): how to read it from the stack, how to
// turn it into libvirt XML and back, and how disruptive a change to each field
// is. The planner never includes a kind's headers; kinds are found through the
// registry (cli/kinds.cc lists them: adding a kind is one folder and one line).
//
// Specs are canonical JSON (nlohmann::json), the same shape whether they come
// from the stack (desired) or from libvirt's XML (observed), so that the diff is
// generic and the plan's JSON `before`/`after` are the specs themselves:
//   - only managed fields appear; a key that is absent is not managed;
//   - defaults are filled in by parse(), so a default never shows as a change;
//   - sizes are integers in bytes, booleans are booleans;
//   - lists whose items have an identity are objects keyed by that identity
//     (domain disks by target "vda", NICs by MAC), so items match by identity,
//     never by position;
//   - a kind's own typed struct (DomainSpec, ...) converts to and from it.

#include "providers/base/diagnostics.h"
#include "providers/base/error.h"
#include "providers/base/yaml_map.h"
#include "providers/kind/field_rules.h"
#include "providers/kind/object_id.h"
#include "providers/kind/stack_index.h"
#include "providers/kind/storage_facts.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

using Spec = nlohmann::json;

// StackObject is one object of the stack, placed on one host.
struct StackObject {
  ObjectId id;
  Spec spec;
  // The stack's name (`stack:`), set by the loader on every object: kinds
  // write it into their ownership marker (a domain's <metadata><vp:owner
  // stack="NAME"/>) when they build the create XML.
  std::string stack;
  SourceLocation where;  // the object's key in the stack file
  // Where managed fields came from, by JSON pointer ("/disks/vda/volume"),
  // for errors found after parsing (references, conflicts). Display only.
  std::map<std::string, SourceLocation> locations;

  // Where the field at `pointer` came from, or the object's key when it has
  // no location of its own.
  const SourceLocation& location(const std::string& pointer) const {
    auto it = locations.find(pointer);
    return it != locations.end() ? it->second : where;
  }
};

// `object`'s spec as its kind's typed struct (DomainSpec, PoolSpec, ...,
// through their from_json()), or why not, prefixed with the object's address.
template <class TypedSpec>
Result<TypedSpec> typed_spec(const StackObject& object) {
  auto spec = TypedSpec::from_json(object.spec);
  if (!spec) return fail(spec.error().with_context(object.id.address()));
  return spec;
}

// Reference is one object needing another (a disk's volume, a volume's pool,
// a NIC's network): the planner checks that the target is declared and creates
// it first.
struct Reference {
  // Whether the stack must declare the target. `optional`: an external object
  // is allowed (a disk naming an undeclared volume with an explicit `pool:`);
  // when the stack does declare it, it is still created first.
  // `external_unless_typo`: an external object is allowed too (a NIC on the
  // host's `default` network, which libvirt checks at define), unless its
  // name is a likely typo of one the stack declares on that host: then it is
  // an error with "did you mean".
  enum class Need { declared, optional, external_unless_typo };

  ObjectId target;
  SourceLocation where;
  Need need = Need::declared;
};

// Hold is one thing that keeps an object from being deleted safely: a
// domain whose disk uses a volume, an overlay whose backing file it is.
struct Hold {
  // Whether `virtplan destroy --force` may go on anyway: a network's foreign
  // users lose their connectivity, which a person may accept; a volume's
  // users would lose their disk, which no flag makes safe.
  enum class Forceable { no, yes };

  ObjectId holder;
  std::string how;  // "disk vda", "backing file"
  Forceable forceable = Forceable::no;
};

class ResourceKind {
public:
  virtual ~ResourceKind() = default;

  std::string_view kind() const { return m_kind; }        // "domain": addresses read domain.NAME@HOST
  std::string_view section() const { return m_section; }  // "domains": the stack's top-level key

  // Reads one object's own keys into `object.spec` (and `object.locations`).
  // The planner has already read the keys it owns (`host`, `hosts`, `profile`)
  // and reports unknown keys after this returns, so a kind asks `map` for every
  // key it accepts. Every problem goes to `diags`; a partly valid spec is fine.
  virtual void parse(YamlMap& map, StackObject& object, Diagnostics& diags) const = 0;

  // Fills in what the spec takes from other objects of the stack (a domain
  // disk's pool defaults to its volume's pool), once every object is parsed
  // and before references() and check(). Most kinds need nothing.
  virtual void resolve(StackObject& /*object*/, const StackIndex& /*all*/) const {}

  // The objects this one needs (created before it, destroyed after it).
  virtual std::vector<Reference> references(const StackObject& object) const = 0;

  // Checks of one object that need the whole stack (its backing volume's
  // pool, overlapping subnets). `all` holds every object of every kind; look
  // others up through its index, never by scanning it (quadratic).
  virtual void check(const StackObject& object, const StackIndex& all, Diagnostics& diags) const = 0;

  // Checks that compare every object of this kind with the others (a MAC on
  // two domains, a volume written by two), once per load, through an index
  // the kind builds in one pass: linear, where comparing each object with
  // every other is quadratic.
  virtual void check_all(const StackIndex& all, Diagnostics& diags) const {
    (void)all;
    (void)diags;
  }

  // The XML that creates the object (libvirt's define/create document).
  virtual Result<std::string> create_xml(const StackObject& object) const = 0;

  // The spec of an object as libvirt describes it (dumpxml --inactive and
  // friends), ignoring what libvirt adds or assigns, so that an unchanged
  // object compares equal to its desired spec.
  virtual Result<Spec> parse_xml(const std::string& xml) const = 0;

  // The live inactive XML with the managed fields changed to `object`'s and
  // everything else (UUID, assigned MACs and addresses, devices added by hand)
  // kept, for an atomic redefine.
  virtual Result<std::string> update_xml(const std::string& current_xml, const StackObject& object) const = 0;

  // Fills in the desired spec what libvirt assigns when the stack leaves it
  // unset (a NIC's MAC), from the observed spec, so it is not a change.
  virtual Spec reconcile(const Spec& desired, const Spec& observed) const = 0;

  // The kind's field rules: how disruptive a change to each field is, and
  // how apply makes it live (providers/kind/field_rules.h). The plan and the
  // kind's actuator read this one table.
  virtual const FieldRules& field_rules() const = 0;

  // Whether the object runs across an apply from `observed` to `desired`
  // (a domain up before and after it): a restart-class change to one that
  // does not is a config change (providers/kind/field_rules.h). Only what
  // can run says no.
  virtual Running running(const Spec& observed, const Spec& desired) const {
    (void)observed, (void)desired;
    return Running::yes;
  }

  // How disruptive changing the field at `path` (a JSON pointer into the spec)
  // from `before` to `after` is; either may be null (added or removed).
  Impact impact(std::string_view path, const nlohmann::json& before, const nlohmann::json& after,
                Running running = Running::yes) const {
    return field_rules().impact(path, before, after, running);
  }

  // Data safety: facts the planner's generic rules read (planner/data_safety.h).
  // Whether the spec asks that the object never be destroyed or replaced:
  // `protect: true` (for a destroy, the observed spec says, from the ledger).
  virtual bool is_protected(const Spec& spec) const {
    return spec.is_object() && spec.contains("protect") && spec["protect"] == true;
  }
  // What holds the observed object `id`: destroying it (or, when
  // `replacing`, replacing it) would break or lose what they hold. The
  // planner refuses unless each holder is destroyed in the same plan.
  virtual std::vector<Hold> holds(const ObjectId& id, const Spec& observed, bool replacing) const {
    (void)id, (void)observed, (void)replacing;
    return {};
  }
  // Bytes of data lost when the observed object is destroyed (a volume's
  // capacity); nullopt when it holds no data of its own.
  virtual std::optional<std::uint64_t> data_at_risk(const Spec& observed) const {
    (void)observed;
    return std::nullopt;
  }
  // What else than bytes is lost with the observed object, as a plan names
  // it (a domain's "managed save", "NVRAM", "3 snapshots"); empty when
  // nothing. Printed beside data_at_risk() in the DATA LOSS line.
  virtual std::vector<std::string> lost_state(const Spec& observed) const {
    (void)observed;
    return {};
  }
  // Why the update or replace from `before` (observed) to `after` (desired)
  // must not be applied (a volume shrink without allow_shrink); nullopt when
  // it may.
  virtual std::optional<std::string> refusal(const Spec& before, const Spec& after) const {
    (void)before, (void)after;
    return std::nullopt;
  }

  // Whether an object of this kind that the stack owns on one host and now
  // declares on another moves there (a `migrate`, planner/migration_plan.h)
  // rather than being destroyed and created again: a domain, whose volumes
  // that no other object uses move with it. Whether it moves live or offline
  // is running(observed, observed).
  virtual bool migrates() const { return false; }

  // Whether an object of this kind declared as `here` on one host and as
  // `there` on another is one and the same storage, seen from both (a pool on
  // an NFS export, or one the stack says is `shared: true`): what lives in it
  // moves with a migrating domain without being copied
  // (planner/migration_plan.h). Apply proves it before relying on it.
  virtual bool shares_storage(const Spec& here, const Spec& there) const {
    (void)here, (void)there;
    return false;
  }

  // What the observed object's own data lies over when it is an overlay (a
  // volume with a backing file, providers/kind/storage_facts.h): a migration
  // copies only its own data, over the base the destination holds or is
  // given first (planner/migration_plan.h). nullopt for what lies over nothing.
  virtual std::optional<VolumeBase> volume_base(const Spec& observed) const {
    (void)observed;
    return std::nullopt;
  }

  // Display only: what an update from `before` (observed) to `after`
  // (reconciled desired) does, when its fields alone do not say it (a
  // volume's new base for new clones). Printed beside the update.
  virtual std::vector<std::string> update_notes(const Spec& before, const Spec& after) const {
    (void)before, (void)after;
    return {};
  }

  // What the object takes from its host's CPUs and memory when it is
  // defined there (a domain: its vCPUs and memory, the maxima), for placement
  // (planner/placement.h); nullopt for what takes neither.
  struct HostUsage {
    int vcpus = 0;
    std::uint64_t memory = 0;  // bytes
  };
  virtual std::optional<HostUsage> host_usage(const Spec& spec) const {
    (void)spec;
    return std::nullopt;
  }

  // Display only: the words after "create" in a text plan ("qcow2 10 GiB,
  // backing base"). Empty by default.
  virtual std::string summary(const Spec& spec) const {
    (void)spec;
    return {};
  }

  // The stack's own keys that declare an object of this spec (what goes under
  // `SECTION: NAME:`, without `host:`), so that loading them back gives a spec
  // the diff finds equal to `spec`: what `virtplan import` prints. Sizes as
  // the stack writes them ("10GiB"), defaults left out. Fails for a kind
  // that cannot be written back (none of the built-in kinds) and for a spec
  // of the wrong shape.
  virtual Result<nlohmann::json> to_stack(const Spec& spec) const {
    (void)spec;
    return fail(ErrorCode::invalid, std::string(kind()) + ": cannot be written as stack YAML");
  }

  // Display only: a field's value as a person reads it ("1 GiB" for a size
  // in bytes). JSON text by default.
  virtual std::string format_value(std::string_view path, const nlohmann::json& value) const {
    (void)path;
    return value.is_string() ? value.get<std::string>() : value.dump();
  }

protected:
  ResourceKind(std::string kind, std::string section)
      : m_kind(std::move(kind)), m_section(std::move(section)) {}

private:
  std::string m_kind;
  std::string m_section;
};

}  // namespace virtplan::providers
