#pragma once

// CloudInitVolumes derives each cloud-init seed volume from its domain: for a
// domain with `cloud_init:` (whose seed CD-ROM the domain kind adds as volume
// "<domain>-cidata"), the volume object
//
//   volume.<domain>-cidata@HOST  {"pool": <the CD-ROM's pool>, "format": "raw",
//                                 "cloud_init": CloudInitSeed::to_spec()}
//
// so the plan shows the seed and the domain depends on it. Files the domain
// names (user_data: ./web.yaml) are read here, relative to the stack file
// that declares the domain; an inline map becomes "#cloud-config" text. The
// seed's hostname is the domain's name. Changed user-data changes
// /cloud_init/sha256, which the volume kind treats as a replace; the volume
// actuator builds the image with CloudInitSeed::from_spec(...).image() and
// records {"cloud_init": spec["cloud_init"]} as ledger data, so the observed
// spec compares equal.

#include "providers/kind/object_expander.h"

namespace virtplan::storage {

class CloudInitVolumes : public providers::ObjectExpander {
public:
  std::vector<providers::StackObject> expand(const providers::StackObject& object,
                                             providers::Diagnostics& diags) const override;
};

}  // namespace virtplan::storage
