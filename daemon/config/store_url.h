#pragma once

#include <string>
#include <string_view>

namespace roseyd {

// store.url: a PostgreSQL connection URI as libpq reads it,
// postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...]
// (postgres:// too).

// "" if `url` is empty or such a URI; otherwise what is wrong with it, for a
// config error. The rest is left to libpq when roseyd connects.
std::string CheckStoreUrl(std::string_view url);

// `url` with the password replaced by *** wherever it can be (after the
// user name, and any password= parameter), for logs and reports. Errs on
// the side of hiding: everything from the first ':' of the user part to the
// last '@' before the parameters goes.
std::string RedactStoreUrl(std::string_view url);

}  // namespace roseyd
