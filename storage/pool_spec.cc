#include "storage/pool_spec.h"

#include "storage/optional_json.h"

#include <stdexcept>

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::Result;

json adapter_to_json(const PoolAdapter& adapter) {
  json out = {{"type", adapter.type}};
  put(out, "name", adapter.name);
  put(out, "parent", adapter.parent);
  put(out, "wwnn", adapter.wwnn);
  put(out, "wwpn", adapter.wwpn);
  return out;
}

PoolAdapter adapter_from(const json& in) {
  PoolAdapter adapter;
  adapter.type = in.value("type", "scsi_host");
  adapter.name = take<std::string>(in, "name");
  adapter.parent = take<std::string>(in, "parent");
  adapter.wwnn = take<std::string>(in, "wwnn");
  adapter.wwpn = take<std::string>(in, "wwpn");
  return adapter;
}

json source_to_json(const PoolSource& source) {
  json out = json::object();
  if (!source.devices.empty()) out["device"] = source.devices;
  put(out, "host", source.host);
  put(out, "port", source.port);
  put(out, "dir", source.dir);
  put(out, "name", source.name);
  put(out, "format", source.format);
  put(out, "iqn", source.iqn);
  put(out, "initiator", source.initiator);
  if (source.adapter) out["adapter"] = adapter_to_json(*source.adapter);
  return out;
}

PoolSource source_from(const json& in) {
  PoolSource source;
  source.devices = in.value("device", std::vector<std::string>{});
  source.host = take<std::string>(in, "host");
  source.port = take<int>(in, "port");
  source.dir = take<std::string>(in, "dir");
  source.name = take<std::string>(in, "name");
  source.format = take<std::string>(in, "format");
  source.iqn = take<std::string>(in, "iqn");
  source.initiator = take<std::string>(in, "initiator");
  if (in.contains("adapter")) source.adapter = adapter_from(in.at("adapter"));
  return source;
}

PoolSpec pool_spec_from(const json& in) {
  PoolSpec spec;
  auto type = pool_type_from_string(in.at("type").get<std::string>());
  if (!type) throw std::invalid_argument("unknown pool type " + in.at("type").dump());
  spec.type = *type;
  spec.path = take<std::string>(in, "path");
  spec.autostart = take<bool>(in, "autostart");
  spec.active = take<bool>(in, "active");
  if (in.contains("source")) spec.source = source_from(in.at("source"));
  return spec;
}

}  // namespace

json PoolSpec::to_json() const {
  json out = {{"type", std::string(to_string(type))}, {"source", source_to_json(source)}};
  put(out, "path", path);
  put(out, "autostart", autostart);
  put(out, "active", active);
  return out;
}

Result<PoolSpec> PoolSpec::from_json(const json& value) {
  return providers::read_or_invalid("pool spec", [&] { return pool_spec_from(value); });
}

}  // namespace virtplan::storage
