#include "store/sqlite/sqlite_store.h"

#include <utility>

#include "store/sqlite/sqlite_reader.h"
#include "store/sqlite/sqlite_writer.h"

namespace roseyd::store {
namespace {

// Thread: immutable.
class SqliteStore : public Store {
 public:
  SqliteStore(const StoreConfig& config, std::string path, std::string stream)
      : config_(config), path_(std::move(path)), stream_(std::move(stream)) {}

  std::unique_ptr<StoreWriter> OpenWriter() override {
    return std::make_unique<SqliteWriter>(config_, path_, stream_);
  }

  std::unique_ptr<Reader> OpenReader() override {
    return std::make_unique<SqliteReader>(path_, config_.busy_timeout);
  }

  std::string Describe() const override { return "sqlite:" + path_; }

  storage_api::Dialect SqlDialect() const override { return storage_api::Dialect::kSqlite; }

 private:
  const StoreConfig config_;
  const std::string path_;
  const std::string stream_;
};

}  // namespace

std::unique_ptr<Store> OpenSqliteStore(const StoreConfig& config, const std::string& path,
                                       const std::string& stream) {
  return std::make_unique<SqliteStore>(config, path, stream);
}

}  // namespace roseyd::store
