// rosey.db.row.<plugin>.* against the real roseyd binary, a real nats-server
// and each store (SQLite, PostgreSQL): schema registration, the four row operations and
// search, success and error paths as ROSEY_STORAGE_API.md §2 gives them.

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

constexpr const char* kQuotes = R"({"table":"quotes","schema":{"fields":[
    {"name":"text","type":"text","required":true},
    {"name":"author","type":"string","max_length":100},
    {"name":"score","type":"integer"},
    {"name":"rating","type":"float"},
    {"name":"featured","type":"boolean"},
    {"name":"said_at","type":"datetime"}]}})";

class StorageRowTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    world_.StartNats();
    world_.StartRoseyd();
    ASSERT_EQ(AskRaw("schema.register", kQuotes), json::parse(R"({"success":true})"));
  }

  json Ask(const std::string& op, const json& body, const std::string& plugin = "quote-db") {
    return AskRaw(op, body.dump(), plugin);
  }
  json AskRaw(const std::string& op, const std::string& payload,
              const std::string& plugin = "quote-db") {
    return json::parse(world_.Request("rosey.db.row." + plugin + "." + op, payload));
  }
  static json Error(const std::string& code, const std::string& message) {
    return json{{"success", false}, {"error", {{"code", code}, {"message", message}}}};
  }

  RoseydWorld world_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, StorageRowTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(StorageRowTest, RegisterCreatesTheTableOnceAndTheFirstSchemaWins) {
  if (GetParam() == StoreKind::kSqlite) {
    EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'quote-db_quotes' "
                              "AND sql LIKE '%said_at DATETIME%' AND sql LIKE "
                              "'%author VARCHAR(255)%'"),
              1);
  } else {  // the types that read back as SQLite's cells (CreateTableSql)
    EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = "
                              "'quote-db_quotes' AND ((column_name = 'said_at' AND data_type = "
                              "'text') OR (column_name = 'author' AND character_maximum_length = "
                              "255) OR (column_name = 'score' AND data_type = 'bigint'))"),
              3);
  }
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_table_schemas WHERE plugin_name = "
                            "'quote-db' AND table_name = 'quotes' AND version = 1 AND "
                            "schema_json LIKE '%\"max_length\": 100%'"),
            1);
  // Another schema for the same pair: success, nothing changes.
  EXPECT_EQ(Ask("schema.register",
                json::parse(R"({"table":"quotes","schema":{"fields":[{"name":"other",
                               "type":"integer"}]}})")),
            json::parse(R"({"success":true})"));
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_table_schemas"), 1);
  EXPECT_EQ(Ask("insert", {{"table", "quotes"}, {"data", {{"other", 1}}}}),
            Error("VALIDATION_ERROR", "Row 0: Missing required field: text"));
}

TEST_P(StorageRowTest, RegisterRefusesBadSchemasInOrder) {
  EXPECT_EQ(Ask("schema.register", {{"schema", {{"fields", json::array()}}}}),
            Error("MISSING_FIELD", "Required field 'table' missing"));
  EXPECT_EQ(Ask("schema.register", {{"table", "t"}, {"schema", json::object()}}),
            Error("MISSING_FIELD", "Required field 'schema' missing"));
  EXPECT_EQ(Ask("schema.register", {{"table", "Bad"}, {"schema", {{"fields", json::array()}}}}),
            Error("VALIDATION_ERROR",
                  "Table name 'Bad' invalid. Must start with lowercase letter, contain only "
                  "lowercase letters, numbers, underscores, max 100 chars"));
  EXPECT_EQ(Ask("schema.register", {{"table", "t"}, {"schema", {{"fields", json::array()}}}}),
            Error("VALIDATION_ERROR", "Schema must have at least one field"));
  EXPECT_EQ(Ask("schema.register",
                json::parse(R"({"table":"t","schema":{"fields":[{"name":"id","type":"integer"}]}})")),
            Error("VALIDATION_ERROR", "Field name 'id' is reserved"));
  EXPECT_EQ(Ask("schema.register",
                json::parse(R"({"table":"t","schema":{"fields":[{"name":"x","type":"blob"}]}})")),
            Error("VALIDATION_ERROR",
                  "Field 'x' has invalid type 'blob'. Valid types: string, text, integer, float, "
                  "boolean, datetime"));
  EXPECT_FALSE(world_.TableExists("quote-db_t"));
}

TEST_P(StorageRowTest, InsertSelectUpdateDelete) {
  EXPECT_EQ(Ask("insert", json::parse(R"({"table":"quotes","data":{"text":"hi","author":7,
                   "score":"42","rating":"2.5","featured":"yes",
                   "said_at":"2025-01-02T03:04:05.123456Z"}})")),
            json::parse(R"({"success":true,"id":1,"created":true})"));
  EXPECT_EQ(Ask("insert", json::parse(R"({"table":"quotes","data":[{"text":"a"},{"text":"b",
                   "score":3.9}]})")),
            json::parse(R"({"success":true,"ids":[2,3],"created":2})"));
  const json one = Ask("select", {{"table", "quotes"}, {"id", 1}});
  EXPECT_EQ(one["exists"], true) << one;
  const json& data = one["data"];
  EXPECT_EQ(data["id"], 1);
  EXPECT_EQ(data["author"], "7");
  EXPECT_EQ(data["score"], 42);
  EXPECT_EQ(data["rating"], 2.5);
  EXPECT_EQ(data["featured"], true);
  EXPECT_EQ(data["said_at"], "2025-01-02T03:04:05.123456");
  EXPECT_TRUE(data["created_at"].is_string());
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM \"quote-db_quotes\" WHERE id = 1 AND "
                            "said_at = '2025-01-02 03:04:05.123456' AND "
                            "CAST(featured AS INTEGER) = 1"),
            1);
  EXPECT_EQ(Ask("select", {{"table", "quotes"}, {"id", "3"}})["data"]["score"], 3);
  EXPECT_EQ(Ask("select", {{"table", "quotes"}, {"id", 99}}),
            json::parse(R"({"success":true,"exists":false})"));

  EXPECT_EQ(Ask("update", json::parse(R"({"table":"quotes","id":2,"data":{"score":5}})")),
            json::parse(R"({"success":true,"id":2,"updated":true})"));
  EXPECT_EQ(Ask("update", json::parse(R"({"table":"quotes","id":"2","operations":
                   {"score":{"$inc":2},"rating":{"$max":1.5}}})")),
            json::parse(R"({"success":true,"id":"2","updated":true})"));
  EXPECT_EQ(Ask("select", {{"table", "quotes"}, {"id", 2}})["data"]["score"], 7);
  EXPECT_EQ(Ask("select", {{"table", "quotes"}, {"id", 2}})["data"]["rating"], 1.5);
  EXPECT_EQ(Ask("update", json::parse(R"({"table":"quotes","id":99,"data":{"score":1}})")),
            json::parse(R"({"success":true,"exists":false})"));

  EXPECT_EQ(Ask("delete", {{"table", "quotes"}, {"id", 3}}),
            json::parse(R"({"success":true,"deleted":true})"));
  EXPECT_EQ(Ask("delete", {{"table", "quotes"}, {"id", 3}}),
            json::parse(R"({"success":true,"deleted":false})"));
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM \"quote-db_quotes\""), 2);
}

TEST_P(StorageRowTest, RowErrorsInTheOriginalsOrder) {
  EXPECT_EQ(Ask("insert", {{"data", {{"text", "x"}}}}),
            Error("MISSING_FIELD", "Required field 'table' missing"));
  EXPECT_EQ(Ask("insert", {{"table", "quotes"}}),
            Error("MISSING_FIELD", "Required field 'data' missing"));
  EXPECT_EQ(Ask("insert", {{"table", "nope"}, {"data", {{"text", "x"}}}}),
            Error("VALIDATION_ERROR",
                  "Table 'nope' not registered for plugin 'quote-db'. Register schema first "
                  "using schema_register."));
  EXPECT_EQ(Ask("insert", {{"table", "quotes"}, {"data", json::array()}}),
            Error("VALIDATION_ERROR", "No data provided for insert"));
  EXPECT_EQ(Ask("insert", {{"table", "quotes"}, {"data", {{"text", "x"}, {"nope", 1}}}}),
            Error("VALIDATION_ERROR", "Row 0: Unknown field: nope"));
  EXPECT_EQ(Ask("insert", json::parse(R"({"table":"quotes","data":[{"text":"ok"},
                   {"text":"x","score":"4.5"}]})")),
            Error("VALIDATION_ERROR",
                  "Row 1: Field 'score': Cannot convert value to integer: invalid literal for "
                  "int() with base 10: '4.5'"));
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM \"quote-db_quotes\""), 0);  // all or nothing
  EXPECT_EQ(Ask("select", {{"table", "quotes"}}),
            Error("MISSING_FIELD", "Required field 'id' missing"));
  EXPECT_EQ(Ask("select", {{"table", "quotes"}, {"id", 1}}, "other"),
            Error("VALIDATION_ERROR", "Table 'quotes' not registered for plugin 'other'"));
  EXPECT_EQ(Ask("update", {{"table", "quotes"}, {"id", 1}}),
            Error("MISSING_FIELD", "Must provide either 'data' or 'operations' field"));
  EXPECT_EQ(Ask("update", {{"table", "quotes"}, {"id", 1}, {"data", json::object()}}),
            Error("VALIDATION_ERROR", "Must provide either 'data' or 'operations' for update"));
  EXPECT_EQ(Ask("update", {{"table", "quotes"},
                           {"id", 1},
                           {"data", {{"score", 1}}},
                           {"operations", {{"score", {{"$inc", 1}}}}}}),
            Error("VALIDATION_ERROR", "Cannot provide both 'data' and 'operations' - choose one mode"));
  EXPECT_EQ(Ask("update", {{"table", "quotes"}, {"id", 1}, {"data", {{"id", 2}, {"created_at", 1}}}}),
            Error("VALIDATION_ERROR", "Cannot update immutable fields: created_at, id"));
  EXPECT_EQ(Ask("update", json::parse(R"({"table":"quotes","id":1,"operations":
                   {"score":{"$pow":2}}})")),
            Error("VALIDATION_ERROR",
                  "Unknown update operator: $pow. Supported: $dec, $inc, $max, $min, $mul, $set"));
  EXPECT_EQ(Ask("delete", {{"id", 1}}), Error("MISSING_FIELD", "Required field 'table' missing"));
  EXPECT_EQ(AskRaw("delete", "not json")["error"]["code"], "INVALID_JSON");
  EXPECT_EQ(AskRaw("search", "[]")["success"], false);
}

TEST_P(StorageRowTest, SearchFiltersSortsAndTruncatesAsSqlite) {
  Ask("insert", json::parse(R"({"table":"quotes","data":[
      {"text":"alpha","author":"Ann","score":3},
      {"text":"beta","author":"bob","score":1},
      {"text":"gamma","score":2},
      {"text":"delta","author":"Bob","score":5}]})"));
  const json all = Ask("search", {{"table", "quotes"}});
  EXPECT_EQ(all["count"], 4);
  EXPECT_EQ(all["truncated"], false);
  EXPECT_EQ(all["rows"][0]["text"], "alpha");  // id order without a sort
  const json sorted = Ask("search", json::parse(R"({"table":"quotes",
      "sort":{"field":"author","order":"asc"}})"));
  std::vector<json> authors;
  for (const json& row : sorted["rows"]) authors.push_back(row["author"]);
  EXPECT_EQ(json(authors), json::parse(R"([null,"Ann","Bob","bob"])"));  // NULL first, BINARY
  const json filtered = Ask("search", json::parse(R"({"table":"quotes",
      "filters":{"$or":[{"score":{"$gte":5}},{"author":{"$like":"b%"}}]},
      "sort":[{"field":"score","order":"DESC"}],"limit":1})"));
  EXPECT_EQ(filtered["count"], 1) << filtered;
  EXPECT_EQ(filtered["truncated"], true);
  EXPECT_EQ(filtered["rows"][0]["text"], "delta");
  EXPECT_EQ(Ask("search", json::parse(R"({"table":"quotes","filters":{"author":null}})"))
                ["rows"][0]["text"],
            "gamma");
  EXPECT_EQ(Ask("search", json::parse(R"({"table":"quotes","limit":10000})"))["count"], 4);
  EXPECT_EQ(Ask("search", json::parse(R"({"table":"quotes","limit":0})")),
            Error("VALIDATION_ERROR", "Limit must be at least 1"));
  EXPECT_EQ(Ask("search", json::parse(R"({"table":"quotes","filters":{"score":{"$near":1}}})")),
            Error("VALIDATION_ERROR",
                  "Unknown operator '$near' on field 'score'. Supported operators: $eq, $exists, "
                  "$gt, $gte, $ilike, $in, $like, $lt, $lte, $ne, $nin, $null"));
  EXPECT_EQ(Ask("search", json::parse(R"({"table":"quotes","sort":{"field":"nope"}})")),
            Error("VALIDATION_ERROR",
                  "Sort field 'nope' not in schema. Available fields: author, created_at, "
                  "featured, id, rating, said_at, score, text, updated_at"));
}

// Filters that compare a number column with text give SQLite's answer on
// each store: text that reads as a number is that number, other text is
// greater than every number and equal to none; a real against a text
// column is its text.
TEST_P(StorageRowTest, FiltersCompareNumberColumnsWithTextAsSqlite) {
  Ask("insert", json::parse(R"({"table":"quotes","data":[
      {"text":"alpha","score":3,"featured":true,"author":"3.5"},
      {"text":"beta","score":1,"author":"2.0"},
      {"text":"gamma"},
      {"text":"delta","score":5,"rating":2.5,"featured":false}]})"));
  const auto count = [&](const char* filters) {
    const json reply =
        Ask("search", json::parse(std::string(R"({"table":"quotes","filters":)") + filters + "}"));
    EXPECT_EQ(reply["success"], true) << filters << ": " << reply;
    return reply["count"];
  };
  EXPECT_EQ(count(R"({"score":"abc"})"), 0);
  EXPECT_EQ(count(R"({"score":{"$ne":"abc"}})"), 3);  // NULL matches neither
  EXPECT_EQ(count(R"({"score":{"$lt":"abc"}})"), 3);
  EXPECT_EQ(count(R"({"score":{"$gte":"abc"}})"), 0);
  EXPECT_EQ(count(R"({"score":" 5 "})"), 1);
  EXPECT_EQ(count(R"({"score":{"$gt":"1.5"}})"), 2);
  EXPECT_EQ(count(R"({"score":{"$in":["x",3,"1"]}})"), 2);
  EXPECT_EQ(count(R"({"score":{"$nin":["x"]}})"), 3);
  EXPECT_EQ(count(R"({"rating":"2.5"})"), 1);
  EXPECT_EQ(count(R"({"featured":1})"), 1);
  EXPECT_EQ(count(R"({"featured":"yes"})"), 0);
  EXPECT_EQ(count(R"({"featured":{"$ne":2}})"), 2);
  EXPECT_EQ(count(R"({"author":3.5})"), 1);
  EXPECT_EQ(count(R"({"author":{"$in":[2.0,7]}})"), 1);
}

// A search right after an insert, without waiting for the insert's reply.
TEST_P(StorageRowTest, ReadYourWritesFromInsertToSearch) {
  for (int i = 1; i <= 100; ++i) {
    world_.Publish("rosey.db.row.quote-db.insert",
                   json{{"table", "quotes"}, {"data", {{"text", "q" + std::to_string(i)}}}}.dump());
    ASSERT_EQ(Ask("search", {{"table", "quotes"}, {"limit", 1000}})["count"], i) << "round " << i;
  }
}

// Identifiers come from the schema and are quoted; values are bound: text
// that looks like SQL is stored as text.
TEST_P(StorageRowTest, RequestTextNeverBecomesSql) {
  const std::string evil = "x'); DROP TABLE user_stats; --";
  EXPECT_EQ(Ask("insert", {{"table", "quotes"}, {"data", {{"text", evil}}}})["success"], true);
  EXPECT_EQ(Ask("search", {{"table", "quotes"}, {"filters", {{"text", evil}}}})["count"], 1);
  EXPECT_EQ(Ask("search", {{"table", "quotes; DROP TABLE user_stats"}})["error"]["code"],
            "VALIDATION_ERROR");
  EXPECT_EQ(Ask("search", {{"table", "quotes"}, {"filters", {{"text\" OR 1=1 --", 1}}}})
                ["error"]["code"],
            "VALIDATION_ERROR");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_stats"), 0);  // still there
}

}  // namespace
}  // namespace roseyd::testing
