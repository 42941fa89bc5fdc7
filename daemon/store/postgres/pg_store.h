#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace roseyd::store {

// The Store on the PostgreSQL database at `url` (a postgresql:// URI):
// OpenWriter gives a PostgresWriter (`stream` names the JetStream stream
// whose position the database keeps), OpenReader a PostgresReader, each on a
// connection of its own. Describe() shows the URI without its password.
// Opens nothing itself, so it cannot fail.
std::unique_ptr<Store> OpenPostgresStore(const std::string& url,
                                         const std::string& stream = "ROSEY_DB");

}  // namespace roseyd::store
