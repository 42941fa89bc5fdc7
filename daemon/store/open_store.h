#pragma once

#include <memory>

#include "config/config.h"
#include "store/store.h"

namespace roseyd::store {

// The store `config` names: the SQLite file config.DatabasePath() (the only
// kind so now), keeping the position of stream service.jetstream.stream.
// Opens nothing itself; OpenWriter and OpenReader throw StartupError.
std::unique_ptr<Store> OpenStore(const Config& config);

}  // namespace roseyd::store
