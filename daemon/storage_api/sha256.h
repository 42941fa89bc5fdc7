#pragma once

#include <string>
#include <string_view>

namespace roseyd::storage_api {

// The SHA-256 of `data` as 64 lowercase hex digits (hashlib's hexdigest()),
// through OpenSSL's EVP interface.
std::string Sha256Hex(std::string_view data);

}  // namespace roseyd::storage_api
