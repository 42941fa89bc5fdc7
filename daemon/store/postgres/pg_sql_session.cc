#include "store/postgres/pg_sql_session.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace roseyd::store {
namespace {

// pg_type OIDs (catalog/pg_type_d.h, stable across versions).
constexpr uint32_t kBoolOid = 16;
constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kInt2Oid = 21;
constexpr uint32_t kInt4Oid = 23;
constexpr uint32_t kOidOid = 26;
constexpr uint32_t kFloat4Oid = 700;
constexpr uint32_t kFloat8Oid = 701;
constexpr uint32_t kNumericOid = 1700;

std::string DoubleText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

double ParseDouble(std::string_view text) {
  if (text == "NaN") return std::nan("");
  if (text == "Infinity") return HUGE_VAL;
  if (text == "-Infinity") return -HUGE_VAL;
  return std::strtod(std::string(text).c_str(), nullptr);
}

// A cell as SQLite would have handed it over; false for a BLOB.
bool Cell(const PgResult& result, int row, int column, storage_api::SqlValue* out) {
  if (result.IsNull(row, column)) {
    *out = std::monostate{};
    return true;
  }
  const std::string_view text = result.Text(row, column);
  switch (result.ColumnType(column)) {
    case kBoolOid:
      *out = int64_t{text == "t" ? 1 : 0};
      return true;
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      *out = result.Int64(row, column);
      return true;
    case kNumericOid: {
      int64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && end == text.data() + text.size()) {
        *out = value;
      } else {
        *out = ParseDouble(text);
      }
      return true;
    }
    case kFloat4Oid:
    case kFloat8Oid:
      *out = ParseDouble(text);
      return true;
    case kByteaOid:
      return false;
    default:
      *out = std::string(text);
      return true;
  }
}

bool IsDatabaseFailure(std::string_view sqlstate) {
  const std::string_view klass = sqlstate.substr(0, 2);
  return sqlstate.empty() || klass == "08" || klass == "57" || klass == "40" ||
         klass == "53" || klass == "58" || klass == "XX";
}

}  // namespace

Status PgSqlSession::Classify(Status s, std::string_view sql) const {
  if (s.ok() || !conn_->connected() || IsDatabaseFailure(conn_->last_sqlstate())) return s;
  if (sql.empty()) return Status::InvalidArgument(s.message());
  return Status::InvalidArgument(conn_->last_error() + " [SQL: " + std::string(sql) + "]");
}

Status PgSqlSession::Run(const storage_api::Statement& statement, std::vector<SqlRow>* rows,
                         int64_t* changes) {
  const size_t count = statement.params.size();
  texts_.resize(count);
  values_.assign(count, nullptr);
  types_.assign(count, 0);
  for (size_t i = 0; i < count; ++i) {
    const storage_api::SqlValue& value = statement.params[i];
    if (const auto* integer = std::get_if<int64_t>(&value)) {
      texts_[i] = std::to_string(*integer);
    } else if (const auto* real = std::get_if<double>(&value)) {
      texts_[i] = DoubleText(*real);
      types_[i] = kFloat8Oid;
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      if (text->find('\0') != std::string::npos) {
        return Status::InvalidArgument(
            "a text holds a NUL character, which PostgreSQL cannot store");
      }
      texts_[i] = *text;
    } else {
      continue;  // NULL
    }
    values_[i] = texts_[i].c_str();
  }
  PgResult result;
  if (Status s = conn_->ExecTyped(statement.sql.c_str(), static_cast<int>(count), types_.data(),
                                  values_.data(), &result);
      !s.ok()) {
    return Classify(std::move(s));
  }
  if (changes != nullptr) *changes = result.AffectedRows();
  if (rows == nullptr) return Status::OK();
  for (int row = 0; row < result.rows(); ++row) {
    SqlRow cells(static_cast<size_t>(result.columns()));
    for (size_t column = 0; column < cells.size(); ++column) {
      if (!Cell(result, row, static_cast<int>(column), &cells[column])) {
        return Status::InvalidArgument("a BLOB cell in the result of \"" + statement.sql + "\"");
      }
    }
    rows->push_back(std::move(cells));
  }
  return Status::OK();
}

// The simple protocol: the text may hold several statements, and they run
// inside the open transaction (a migration's own SQL, as given).
Status PgSqlSession::RunOnce(std::string_view sql) {
  const std::string text(sql);
  if (text.find('\0') != std::string::npos) {
    return Status::InvalidArgument("a NUL character in SQL text");
  }
  return Classify(conn_->Exec(text.c_str()), sql);
}

Status PgSqlSession::Simple(std::string_view verb, std::string_view name) {
  const std::string sql = std::string(verb) + storage_api::QuoteIdentifier(name);
  return Classify(conn_->Exec(sql.c_str()));
}

Status PgSqlSession::Savepoint(std::string_view name) { return Simple("SAVEPOINT ", name); }

Status PgSqlSession::ReleaseSavepoint(std::string_view name) {
  return Simple("RELEASE SAVEPOINT ", name);
}

Status PgSqlSession::RollbackToSavepoint(std::string_view name) {
  if (Status s = Simple("ROLLBACK TO SAVEPOINT ", name); !s.ok()) return s;
  return Simple("RELEASE SAVEPOINT ", name);
}

}  // namespace roseyd::store
