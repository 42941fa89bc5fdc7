#pragma once

#include <memory>

#include "config/config.h"
#include "store/store.h"

namespace roseyd::store {

// The store `config` names: PostgreSQL at store.url when it is set, else the
// SQLite file config.DatabasePath(); either keeps the position of stream
// service.jetstream.stream. Opens nothing itself; OpenWriter and OpenReader
// throw StartupError.
std::unique_ptr<Store> OpenStore(const Config& config);

}  // namespace roseyd::store
