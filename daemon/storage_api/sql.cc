#include "storage_api/sql.h"

namespace roseyd::storage_api {

std::string QuoteIdentifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

SqlBuilder& SqlBuilder::Sql(std::string_view text) {
  statement_.sql.append(text);
  return *this;
}

SqlBuilder& SqlBuilder::Id(std::string_view name) {
  statement_.sql.append(QuoteIdentifier(name));
  return *this;
}

SqlBuilder& SqlBuilder::Param(SqlValue value) {
  statement_.params.push_back(std::move(value));
  if (dialect_ == Dialect::kPostgres) {
    statement_.sql.append("$" + std::to_string(statement_.params.size()));
  } else {
    statement_.sql.push_back('?');
  }
  return *this;
}

}  // namespace roseyd::storage_api
