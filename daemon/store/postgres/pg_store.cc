#include "store/postgres/pg_store.h"

#include <utility>

#include "config/store_url.h"
#include "store/postgres/pg_reader.h"
#include "store/postgres/pg_writer.h"

namespace roseyd::store {
namespace {

// Thread: immutable.
class PostgresStore : public Store {
 public:
  PostgresStore(std::string url, std::string stream)
      : url_(std::move(url)), stream_(std::move(stream)) {}

  std::unique_ptr<StoreWriter> OpenWriter() override {
    return std::make_unique<PostgresWriter>(url_, stream_);
  }

  std::unique_ptr<Reader> OpenReader() override { return std::make_unique<PostgresReader>(url_); }

  std::string Describe() const override { return RedactStoreUrl(url_); }

  storage_api::Dialect SqlDialect() const override { return storage_api::Dialect::kPostgres; }
  bool Shared() const override { return true; }

 private:
  const std::string url_;
  const std::string stream_;
};

}  // namespace

std::unique_ptr<Store> OpenPostgresStore(const std::string& url, const std::string& stream) {
  return std::make_unique<PostgresStore>(url, stream);
}

}  // namespace roseyd::store
