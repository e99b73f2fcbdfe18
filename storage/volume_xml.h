#pragma once

// The libvirt storage volume XML of a VolumeSpec, both ways: the document
// `vol-create POOL /dev/stdin` reads, and the spec `vol-dumpxml` describes.

#include "providers/base/error.h"
#include "providers/xml/document.h"
#include "storage/volume_spec.h"

#include <string>

namespace virtplan::storage {

// Needs spec.backing_store when spec.backing is set (resolve() fills it in).
providers::Result<providers::XmlDocument> build_volume_xml(const VolumeSpec& spec, const std::string& name);

// The spec a volume document describes: format, capacity in bytes and the
// backing store, with "backing" the backing file's name when it lies in the
// volume's own directory (its pool) and its full path otherwise. Allocation,
// permissions, timestamps and the key are libvirt's and ignored.
providers::Result<VolumeSpec> read_volume_xml(const providers::XmlDocument& document);

}  // namespace virtplan::storage
