#include "storage_api/row_schema.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "storage_api/schema_catalog.h"
#include "unit/storage_api/sqlite_db.h"

namespace roseyd::storage_api {
namespace {

ErrorReply Register(const std::string& payload) {
  auto result = DecodeSchemaRegister("quote-db", payload);
  if (auto* error = std::get_if<ErrorReply>(&result)) return *error;
  return {ErrorCode::kInternalError, "decoded"};
}

ErrorReply Invalid(std::string message) {
  return {ErrorCode::kValidationError, std::move(message)};
}

// {"table": "t", "schema": {"fields": [<fields>]}}
ErrorReply RegisterFields(const std::string& fields) {
  return Register(R"({"table": "t", "schema": {"fields": [)" + fields + "]}}");
}

TEST(SchemaRegisterTest, MissingFields) {
  EXPECT_EQ(Register("{}"),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'table' missing"}));
  EXPECT_EQ(Register(R"({"table": "", "schema": {"fields": []}})"),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'table' missing"}));
  EXPECT_EQ(Register(R"({"table": "t", "schema": {}})"),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'schema' missing"}));
  EXPECT_EQ(Register("[]"), (ErrorReply{ErrorCode::kInternalError, "Unexpected error"}));
}

TEST(SchemaRegisterTest, TableNameChecks) {
  EXPECT_EQ(Register(R"({"table": 5, "schema": {"fields": []}})"),
            Invalid("Table name must be a string"));
  const std::string message =
      "' invalid. Must start with lowercase letter, contain only lowercase letters, numbers, "
      "underscores, max 100 chars";
  EXPECT_EQ(Register(R"({"table": "Quotes", "schema": {"fields": []}})"),
            Invalid("Table name 'Quotes" + message));
  EXPECT_EQ(Register(R"({"table": "quotes\n", "schema": {"fields": []}})"),
            Invalid("Table name 'quotes\n" + message));
  EXPECT_EQ(Register(R"({"table": ")" + std::string(101, 'a') + R"(", "schema": {"x": 1}})"),
            Invalid("Table name '" + std::string(101, 'a') + message));
}

TEST(SchemaRegisterTest, SchemaShapeChecks) {
  EXPECT_EQ(Register(R"({"table": "t", "schema": [1]})"), Invalid("Schema must be a dictionary"));
  EXPECT_EQ(Register(R"({"table": "t", "schema": {"x": 1}})"),
            Invalid("Schema must have 'fields' key"));
  EXPECT_EQ(Register(R"({"table": "t", "schema": {"fields": {}}})"),
            Invalid("'fields' must be a list"));
  EXPECT_EQ(Register(R"({"table": "t", "schema": {"fields": []}})"),
            Invalid("Schema must have at least one field"));
}

TEST(SchemaRegisterTest, FieldChecksInOrder) {
  EXPECT_EQ(RegisterFields(R"("x")"), Invalid("Field 0 must be a dictionary"));
  EXPECT_EQ(RegisterFields(R"({"name": "a", "type": "text"}, {"type": "text"})"),
            Invalid("Field 1 missing 'name'"));
  EXPECT_EQ(RegisterFields(R"({"name": 1})"), Invalid("Field 0 missing 'type'"));
  EXPECT_EQ(RegisterFields(R"({"name": 1, "type": "text"})"),
            Invalid("Field name must be string, got int"));
  EXPECT_EQ(RegisterFields(R"({"name": "Bad", "type": "text"})"),
            Invalid("Field name 'Bad' invalid. Must start with lowercase letter, contain only "
                    "lowercase letters, numbers, underscores, max 64 chars"));
  EXPECT_EQ(RegisterFields(R"({"name": "a", "type": "text"}, {"name": "a", "type": "zzz"})"),
            Invalid("Duplicate field name: a"));
  EXPECT_EQ(RegisterFields(R"({"name": "created_at", "type": "text"})"),
            Invalid("Field name 'created_at' is reserved"));
  EXPECT_EQ(RegisterFields(R"({"name": "a", "type": "Text"})"),
            Invalid("Field 'a' has invalid type 'Text'. Valid types: string, text, integer, "
                    "float, boolean, datetime"));
  EXPECT_EQ(RegisterFields(R"({"name": "a", "type": ["x", null]})"),
            Invalid("Field 'a' has invalid type '['x', None]'. Valid types: string, text, "
                    "integer, float, boolean, datetime"));
  EXPECT_EQ(RegisterFields(R"({"name": "a", "type": "text", "required": null})"),
            Invalid("Field 'a' 'required' must be boolean"));
}

TEST(SchemaRegisterTest, DecodesSchemaAndKeepsExtraKeysInSchemaJson) {
  auto result = DecodeSchemaRegister(
      "quote-db",
      R"({"table": "quotes", "schema": {"fields": [{"name": "text", "type": "text", "required": true, "max_length": 1000}, {"name": "author", "type": "string", "default": null}], "fields2": 1.0}})");
  ASSERT_TRUE(std::holds_alternative<SchemaRegister>(result));
  const SchemaRegister& reg = std::get<SchemaRegister>(result);
  EXPECT_EQ(reg.plugin, "quote-db");
  EXPECT_EQ(reg.table, "quotes");
  EXPECT_EQ(reg.schema.fields(), (std::vector<FieldSpec>{{"text", FieldType::kText, true},
                                                         {"author", FieldType::kString, false}}));
  EXPECT_EQ(
      reg.schema_json,
      R"({"fields": [{"name": "text", "type": "text", "required": true, "max_length": 1000}, {"name": "author", "type": "string", "default": null}], "fields2": 1.0})");
  EXPECT_EQ(ParseStoredSchema(reg.schema_json), reg.schema);
  EXPECT_FALSE(ParseStoredSchema("{\"fields\": 1}"));
  EXPECT_EQ(RenderSchemaRegisterReply(), R"({"success": true})");
}

// Expected texts: SQLAlchemy's CreateTable(...).compile(dialect=sqlite)
// of the original's column list, without the leading and trailing newlines.
TEST(CreateTableSqlTest, MatchesSqlAlchemy) {
  const RowSchema schema({{"text", FieldType::kText, true},
                          {"author", FieldType::kString, false},
                          {"score", FieldType::kInteger, false},
                          {"f", FieldType::kFloat, false},
                          {"ok", FieldType::kBoolean, false},
                          {"at", FieldType::kDatetime, false},
                          {"order", FieldType::kString, false},
                          {"key", FieldType::kInteger, true}});
  EXPECT_EQ(CreateTableSql("quote-db_quotes", schema),
            "CREATE TABLE \"quote-db_quotes\" (\n\tid INTEGER NOT NULL, \n\ttext TEXT NOT NULL, "
            "\n\tauthor VARCHAR(255), \n\tscore INTEGER, \n\tf FLOAT, \n\tok BOOLEAN, \n\tat "
            "DATETIME, \n\t\"order\" VARCHAR(255), \n\t\"key\" INTEGER NOT NULL, \n\tcreated_at "
            "DATETIME DEFAULT 'CURRENT_TIMESTAMP' NOT NULL, \n\tupdated_at DATETIME DEFAULT "
            "'CURRENT_TIMESTAMP' NOT NULL, \n\tPRIMARY KEY (id)\n)");
  const RowSchema one({{"title", FieldType::kString, true}});
  EXPECT_EQ(CreateTableSql("acc_items", one),
            "CREATE TABLE acc_items (\n\tid INTEGER NOT NULL, \n\ttitle VARCHAR(255) NOT NULL, "
            "\n\tcreated_at DATETIME DEFAULT 'CURRENT_TIMESTAMP' NOT NULL, \n\tupdated_at "
            "DATETIME DEFAULT 'CURRENT_TIMESTAMP' NOT NULL, \n\tPRIMARY KEY (id)\n)");
}

// On PostgreSQL: types whose cells read back as SQLite's, every name quoted.
TEST(CreateTableSqlTest, PostgresRendering) {
  const RowSchema schema({{"text", FieldType::kText, true},
                          {"score", FieldType::kInteger, false},
                          {"f", FieldType::kFloat, false},
                          {"ok", FieldType::kBoolean, false},
                          {"at", FieldType::kDatetime, false},
                          {"user", FieldType::kString, false}});
  EXPECT_EQ(CreateTableSql("quote-db_quotes", schema, Dialect::kPostgres),
            "CREATE TABLE \"quote-db_quotes\" (\n\tid SERIAL NOT NULL, \n\t\"text\" TEXT NOT "
            "NULL, \n\t\"score\" BIGINT, \n\t\"f\" DOUBLE PRECISION, \n\t\"ok\" BOOLEAN, "
            "\n\t\"at\" TEXT, \n\t\"user\" VARCHAR(255), \n\tcreated_at TEXT NOT NULL, "
            "\n\tupdated_at TEXT NOT NULL, \n\tPRIMARY KEY (id)\n)");
  EXPECT_EQ(CreateTableSql("acc_items", schema, Dialect::kSqlite),
            CreateTableSql("acc_items", schema));
}

TEST(CreateTableSqlTest, QuotesIdentifiersAsSqlAlchemy) {
  EXPECT_EQ(SqlAlchemyIdentifier("Trivia_x"), "\"Trivia_x\"");
  EXPECT_EQ(SqlAlchemyIdentifier("a\"b_x"), "\"a\"\"b_x\"");
  EXPECT_EQ(SqlAlchemyIdentifier("1a_x"), "\"1a_x\"");
  EXPECT_EQ(SqlAlchemyIdentifier("$a_x"), "\"$a_x\"");
  EXPECT_EQ(SqlAlchemyIdentifier("a$_x"), "a$_x");
  EXPECT_EQ(SqlAlchemyIdentifier("trivia_games"), "trivia_games");
  EXPECT_EQ(SqlAlchemyIdentifier("select"), "\"select\"");
}

TEST(CreateTableSqlTest, CreatesTheTableSqliteKeeps) {
  SqliteDb db;
  for (const std::string& ddl : RegistryTableDdl()) ASSERT_EQ(db.Exec(ddl), "");
  auto result = DecodeSchemaRegister(
      "quote-db",
      R"({"table": "quotes", "schema": {"fields": [{"name": "text", "type": "text"}]}})");
  const SchemaRegister& reg = std::get<SchemaRegister>(result);
  const std::string full = FullTableName(reg.plugin, reg.table);
  EXPECT_TRUE(db.Run(TableExistsStatement(full, Dialect::kSqlite)).empty());
  ASSERT_EQ(db.Exec(CreateTableSql(full, reg.schema)), "");
  EXPECT_EQ(db.Run(TableExistsStatement(full, Dialect::kSqlite)).size(), 1u);
  EXPECT_EQ(Texts(db.Run({"SELECT sql FROM sqlite_master WHERE name = 'quote-db_quotes'", {}})),
            (std::vector<std::string>{CreateTableSql(full, reg.schema)}));
  db.Run(RegistryInsertStatement(reg, 1'700'000'000, Dialect::kSqlite));
  db.Run(RegistryInsertStatement(reg, 1'700'000'001, Dialect::kSqlite));  // first wins
  const auto rows = db.Run(RegistryLoadStatement(Dialect::kSqlite));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<SqlValue>{std::string("quote-db"), std::string("quotes"),
                                            reg.schema_json}));
}

TEST(SchemaCatalogTest, FirstSchemaWins) {
  SchemaCatalog catalog;
  EXPECT_EQ(catalog.Find("p", "t"), nullptr);
  EXPECT_TRUE(catalog.Add("p", "t", RowSchema({{"a", FieldType::kText, false}})));
  EXPECT_FALSE(catalog.Add("p", "t", RowSchema({{"b", FieldType::kText, false}})));
  ASSERT_NE(catalog.Find("p", "t"), nullptr);
  EXPECT_EQ(catalog.Find("p", "t")->fields()[0].name, "a");
  EXPECT_EQ(catalog.Find("q", "t"), nullptr);
  catalog.Remove("p", "t");
  EXPECT_EQ(catalog.Find("p", "t"), nullptr);
}

TEST(RowSchemaTest, AvailableColumnsSorted) {
  const RowSchema schema(
      {{"score", FieldType::kInteger, false}, {"author", FieldType::kString, false}});
  EXPECT_EQ(schema.AvailableColumns(), "author, created_at, id, score, updated_at");
  EXPECT_EQ(schema.ColumnNames(),
            (std::vector<std::string>{"id", "score", "author", "created_at", "updated_at"}));
}

}  // namespace
}  // namespace roseyd::storage_api
