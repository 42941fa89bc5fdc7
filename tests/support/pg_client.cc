#include "support/pg_client.h"

#include <libpq-fe.h>

#include <stdexcept>

#include <gtest/gtest.h>

namespace roseyd::testing {
namespace {

void IgnoreNotice(void*, const char*) {}

}  // namespace

PgClient::PgClient(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw std::runtime_error("cannot connect to " + url + ": " + why);
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
}

PgClient::~PgClient() { PQfinish(conn_); }

pg_result* PgClient::Run(const std::string& sql) {
  // After a server restart: connect again, and try once more.
  if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);
  PGresult* result = PQexec(conn_, sql.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    PQclear(result);
    PQreset(conn_);
    result = PQexec(conn_, sql.c_str());
  }
  return result;
}

std::string PgClient::Exec(const std::string& sql) {
  PGresult* result = Run(sql);
  const ExecStatusType status = PQresultStatus(result);
  std::string error;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    error = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
    if (error.empty()) error = "failed";
  }
  PQclear(result);
  return error;
}

std::optional<std::string> PgClient::Text(const std::string& sql) {
  PGresult* result = Run(sql);
  std::optional<std::string> value;
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << sql << ": " << (result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  } else if (PQntuples(result) > 0 && !PQgetisnull(result, 0, 0)) {
    value = std::string(PQgetvalue(result, 0, 0), static_cast<size_t>(PQgetlength(result, 0, 0)));
  }
  PQclear(result);
  return value;
}

std::optional<int64_t> PgClient::Int(const std::string& sql) {
  const std::optional<std::string> text = Text(sql);
  if (!text) return std::nullopt;
  // A boolean reads as 1 or 0, as SQLite stores it.
  if (*text == "t" || *text == "f") return *text == "t" ? 1 : 0;
  return std::stoll(*text);
}

}  // namespace roseyd::testing
