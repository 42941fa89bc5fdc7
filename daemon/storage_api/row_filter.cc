#include "storage_api/row_filter.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "storage_api/py_repr.h"
#include "storage_api/row_request.h"

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

ErrorReply Invalid(std::string message) {
  return {ErrorCode::kValidationError, std::move(message)};
}

ErrorReply SearchFailed() { return RowOperationFailed("Search"); }

// The compiled filter as a tree, rendered once it is known to be valid.
struct Condition {
  enum class Kind { kAnd, kOr, kNot, kCompare, kIsNull, kIsNotNull, kIn, kNotIn, kLike };
  Kind kind = Kind::kAnd;
  std::string column;
  FieldType type = FieldType::kText;  // the column's
  std::string_view op;  // "=", "!=", ">", ... for kCompare
  std::vector<SqlValue> values;
  std::vector<Condition> children;
};

class FilterCompiler {
 public:
  FilterCompiler(const RowSchema& schema, FilterOutcome* outcome)
      : schema_(schema), outcome_(outcome) {}

  // The conditions of one filter object, ANDed into *out.
  std::optional<ErrorReply> Object(Element filter, size_t depth, Condition* out);

 private:
  std::optional<ErrorReply> Logical(std::string_view op, Element value, size_t depth,
                                    Condition* out);
  std::optional<ErrorReply> Field(std::string_view field, Element value, Condition* out);
  std::optional<ErrorReply> Operator(std::string_view field, FieldType type, std::string_view op,
                                     Element value, Condition* out);
  std::optional<ErrorReply> CountCondition();
  std::optional<ErrorReply> Bind(Element value, std::vector<SqlValue>* out);

  const RowSchema& schema_;
  FilterOutcome* outcome_;
  size_t conditions_ = 0;
  size_t values_ = 0;
};

std::optional<ErrorReply> FilterCompiler::CountCondition() {
  if (++conditions_ > kMaxFilterConditions) {
    return Invalid("Filter has more than " + std::to_string(kMaxFilterConditions) + " conditions");
  }
  return std::nullopt;
}

// A scalar as SQLAlchemy binds it uncoerced: bools as 1/0, null as NULL.
std::optional<ErrorReply> FilterCompiler::Bind(Element value, std::vector<SqlValue>* out) {
  if (++values_ > kMaxFilterValues) {
    return Invalid("Filter has more than " + std::to_string(kMaxFilterValues) + " values");
  }
  switch (value.type()) {
    case Type::NULL_VALUE:
      out->emplace_back();
      break;
    case Type::BOOL:
      out->emplace_back(int64_t{value.get_bool().value_unsafe() ? 1 : 0});
      break;
    case Type::INT64:
      out->emplace_back(value.get_int64().value_unsafe());
      break;
    case Type::DOUBLE:
      out->emplace_back(value.get_double().value_unsafe());
      break;
    case Type::STRING:
      out->emplace_back(std::string(StringOf(value)));
      break;
    default:  // lists, dicts, integers beyond int64
      outcome_->unbindable = true;
      out->emplace_back();
  }
  return std::nullopt;
}

std::optional<ErrorReply> FilterCompiler::Object(Element filter, size_t depth, Condition* out) {
  out->kind = Condition::Kind::kAnd;
  const auto members = Members(filter);
  // The logical keys first, in the original's precedence, then the rest.
  for (std::string_view logical : {"$and", "$or", "$not"}) {
    for (const auto& [key, value] : members) {
      if (key != logical) continue;
      out->children.emplace_back();
      if (auto error = Logical(logical, value, depth, &out->children.back())) return error;
    }
  }
  for (const auto& [key, value] : members) {
    if (key == "$and" || key == "$or" || key == "$not") continue;
    if (!key.empty() && key.front() == '$') {
      return Invalid("Unknown logical operator: " + std::string(key) +
                     ". Supported: $and, $or, $not");
    }
    if (auto error = Field(key, value, out)) return error;
  }
  return std::nullopt;
}

std::optional<ErrorReply> FilterCompiler::Logical(std::string_view op, Element value, size_t depth,
                                                  Condition* out) {
  if (depth + 1 > kMaxFilterDepth) {
    return Invalid("Filter nests $and/$or/$not deeper than " + std::to_string(kMaxFilterDepth) +
                   " levels");
  }
  if (op == "$not") {
    if (value.type() != Type::OBJECT) return Invalid("$not operator requires a dict condition");
    out->kind = Condition::Kind::kNot;
    out->children.emplace_back();
    return Object(value, depth + 1, &out->children.back());
  }
  if (value.type() != Type::ARRAY) {
    return Invalid(std::string(op) + " operator requires a list of conditions");
  }
  const simdjson::dom::array elements(value);
  if (elements.size() == 0) {
    return Invalid(std::string(op) + " operator requires at least one condition");
  }
  out->kind = op == "$and" ? Condition::Kind::kAnd : Condition::Kind::kOr;
  for (const Element element : elements) {
    // Not a dict: the original failed on it outside its validation.
    if (element.type() != Type::OBJECT) return SearchFailed();
    out->children.emplace_back();
    if (auto error = Object(element, depth + 1, &out->children.back())) return error;
  }
  return std::nullopt;
}

std::optional<ErrorReply> FilterCompiler::Field(std::string_view field, Element value,
                                                Condition* out) {
  const std::optional<FieldType> type = schema_.ColumnType(field);
  if (!type) {
    return Invalid("Field '" + std::string(field) +
                   "' not found in schema. Available fields: " + schema_.AvailableColumns());
  }
  if (value.type() != Type::OBJECT) return Operator(field, *type, "$eq", value, out);
  for (const auto& [op, operand] : Members(value)) {
    if (auto error = Operator(field, *type, op, operand, out)) return error;
  }
  return std::nullopt;
}

std::optional<ErrorReply> FilterCompiler::Operator(std::string_view field, FieldType type,
                                                   std::string_view op, Element value,
                                                   Condition* out) {
  if (auto error = CountCondition()) return error;
  Condition leaf;
  leaf.column = std::string(field);
  leaf.type = type;
  const std::string where =
      "operator '" + std::string(op) + "' on field '" + std::string(field) + "'";
  static constexpr std::pair<std::string_view, std::string_view> kCompare[] = {
      {"$eq", "="}, {"$ne", "!="}, {"$gt", ">"}, {"$gte", ">="}, {"$lt", "<"}, {"$lte", "<="}};
  for (const auto& [name, sql_op] : kCompare) {
    if (op != name) continue;
    const bool range = op != "$eq" && op != "$ne";
    if (range && type != FieldType::kInteger && type != FieldType::kFloat &&
        type != FieldType::kDatetime) {
      return Invalid("Range " + where + " requires numeric or datetime type, got '" +
                     std::string(FieldTypeName(type)) +
                     "'. Range operators can only be used with: datetime, float, integer");
    }
    if (value.is_null() && !range) {
      leaf.kind = op == "$eq" ? Condition::Kind::kIsNull : Condition::Kind::kIsNotNull;
    } else {
      // SQLAlchemy refuses <, > and the like against None/True/False.
      if (range && (value.is_null() || value.is_bool())) return SearchFailed();
      leaf.kind = Condition::Kind::kCompare;
      leaf.op = sql_op;
      if (auto error = Bind(value, &leaf.values)) return error;
    }
    out->children.push_back(std::move(leaf));
    return std::nullopt;
  }
  if (op == "$in" || op == "$nin") {
    if (value.type() != Type::ARRAY) {
      return Invalid("Set " + where + " requires list value, got " +
                     std::string(PyTypeName(value)));
    }
    const simdjson::dom::array items(value);
    if (items.size() == 0) return Invalid("Set " + where + " requires non-empty list");
    if (items.size() > kMaxFilterValues) {
      return Invalid("Set " + where + " allows at most " + std::to_string(kMaxFilterValues) +
                     " values, got " + std::to_string(items.size()));
    }
    leaf.kind = op == "$in" ? Condition::Kind::kIn : Condition::Kind::kNotIn;
    for (const Element item : items) {
      if (auto error = Bind(item, &leaf.values)) return error;
    }
  } else if (op == "$like" || op == "$ilike") {
    if (type != FieldType::kString && type != FieldType::kText) {
      return Invalid("Pattern " + where + " requires string or text type, got '" +
                     std::string(FieldTypeName(type)) +
                     "'. Pattern operators can only be used with: string, text");
    }
    if (!IsString(value)) {
      return Invalid("Pattern " + where + " requires string value, got " +
                     std::string(PyTypeName(value)));
    }
    leaf.kind = Condition::Kind::kLike;
    if (auto error = Bind(value, &leaf.values)) return error;
  } else if (op == "$exists" || op == "$null") {
    if (!value.is_bool()) {
      return Invalid("Existence " + where + " requires boolean value, got " +
                     std::string(PyTypeName(value)));
    }
    const bool is_null = (op == "$null") == value.get_bool().value_unsafe();
    leaf.kind = is_null ? Condition::Kind::kIsNull : Condition::Kind::kIsNotNull;
  } else {
    return Invalid("Unknown " + where +
                   ". Supported operators: $eq, $exists, $gt, $gte, $ilike, $in, $like, $lt, "
                   "$lte, $ne, $nin, $null");
  }
  out->children.push_back(std::move(leaf));
  return std::nullopt;
}

// PostgreSQL compares a number column with text only if the text is a
// number; SQLite compares any: text that reads as a number (spaces around
// allowed) as that number, and any other text as greater than every
// number. These give PostgreSQL SQLite's outcome.
bool IsNumberColumn(FieldType type) {
  return type == FieldType::kInteger || type == FieldType::kFloat || type == FieldType::kBoolean;
}

// The number a text means to SQLite; nullopt if it is not one.
std::optional<SqlValue> NumberOfText(const std::string& text) {
  constexpr const char* kSpaces = " \t\n\r\f\v";
  const size_t first = text.find_first_not_of(kSpaces);
  if (first == std::string::npos) return std::nullopt;
  const std::string trimmed = text.substr(first, text.find_last_not_of(kSpaces) + 1 - first);
  int64_t integer = 0;
  const char* end = trimmed.data() + trimmed.size();
  const char* digits = trimmed.data() + (trimmed[0] == '+' ? 1 : 0);
  const auto [stop, error] = std::from_chars(digits, end, integer);
  if (error == std::errc() && stop == end) return SqlValue(integer);
  // strtod would also take hex, "inf" and "nan": SQLite takes decimal only.
  for (char c : trimmed) {
    if (!(c >= '0' && c <= '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      return std::nullopt;
    }
  }
  char* parsed_end = nullptr;
  const double real = std::strtod(trimmed.c_str(), &parsed_end);
  if (parsed_end != trimmed.c_str() + trimmed.size() || !std::isfinite(real)) return std::nullopt;
  return SqlValue(real);
}

// A text column (string, text, datetime) compares with a real on SQLite as
// with the real's text ("%!.15g": 3.5 as "3.5", 3.0 as "3.0", 1e20 as
// "1.0e+20"); PostgreSQL has no text = double precision, so the text goes.
SqlValue TextForTextColumn(const SqlValue& value) {
  const auto* real = std::get_if<double>(&value);
  if (real == nullptr || !std::isfinite(*real)) return value;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.15g", *real);
  std::string text = buffer;
  if (text.find_first_of(".e") == std::string::npos) {
    text += ".0";
  } else if (const size_t e = text.find('e'); e != std::string::npos &&
                                              text.find('.') == std::string::npos) {
    text.insert(e, ".0");
  }
  return SqlValue(std::move(text));
}

// A number column as PostgreSQL compares it with numbers: a BOOLEAN as the
// 1 or 0 SQLite stored.
void NumberColumn(const Condition& condition, SqlBuilder* sql) {
  if (condition.type == FieldType::kBoolean) {
    sql->Sql("CAST(").Id(condition.column).Sql(" AS INTEGER)");
  } else {
    sql->Id(condition.column);
  }
}

// NULL for a NULL column (as SQLite's comparison gives), `truth` otherwise.
void Constant(const Condition& condition, bool truth, SqlBuilder* sql) {
  sql->Sql("(CASE WHEN ").Id(condition.column).Sql(" IS NULL THEN NULL ELSE ");
  sql->Sql(truth ? "TRUE END)" : "FALSE END)");
}

// kCompare, kIn and kNotIn on a number column, on PostgreSQL.
void RenderNumberComparison(const Condition& condition, SqlBuilder* sql) {
  using Kind = Condition::Kind;
  std::vector<SqlValue> values;
  for (const SqlValue& value : condition.values) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr) {
      values.push_back(value);
    } else if (std::optional<SqlValue> number = NumberOfText(*text)) {
      values.push_back(std::move(*number));
    }  // else: equal to no number
  }
  if (condition.kind == Kind::kCompare) {
    if (values.empty()) {  // every number is less than the text
      const std::string_view op = condition.op;
      Constant(condition, op == "<" || op == "<=" || op == "!=", sql);
      return;
    }
    NumberColumn(condition, sql);
    sql->Sql(" ").Sql(condition.op).Sql(" ").Param(values[0]);
    return;
  }
  if (values.empty()) {
    Constant(condition, condition.kind == Kind::kNotIn, sql);
    return;
  }
  NumberColumn(condition, sql);
  sql->Sql(condition.kind == Kind::kIn ? " IN (" : " NOT IN (");
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) sql->Sql(", ");
    sql->Param(values[i]);
  }
  sql->Sql(")");
}

// Depth is bounded by kMaxFilterDepth, checked while compiling.
void Render(const Condition& condition, SqlBuilder* sql) {
  using Kind = Condition::Kind;
  switch (condition.kind) {
    case Kind::kAnd:
    case Kind::kOr: {
      if (condition.children.empty()) {
        sql->Sql("1 = 1");
        return;
      }
      if (condition.children.size() == 1) {
        Render(condition.children.front(), sql);
        return;
      }
      sql->Sql("(");
      for (size_t i = 0; i < condition.children.size(); ++i) {
        if (i > 0) sql->Sql(condition.kind == Kind::kAnd ? " AND " : " OR ");
        Render(condition.children[i], sql);
      }
      sql->Sql(")");
      return;
    }
    case Kind::kNot:
      sql->Sql("NOT (");
      Render(condition.children.front(), sql);
      sql->Sql(")");
      return;
    case Kind::kCompare:
      if (sql->dialect() == Dialect::kPostgres && IsNumberColumn(condition.type)) {
        RenderNumberComparison(condition, sql);
        return;
      }
      sql->Id(condition.column).Sql(" ").Sql(condition.op).Sql(" ");
      sql->Param(sql->dialect() == Dialect::kPostgres ? TextForTextColumn(condition.values[0])
                                                      : condition.values[0]);
      return;
    case Kind::kIsNull:
      sql->Id(condition.column).Sql(" IS NULL");
      return;
    case Kind::kIsNotNull:
      sql->Id(condition.column).Sql(" IS NOT NULL");
      return;
    case Kind::kIn:
    case Kind::kNotIn:
      if (sql->dialect() == Dialect::kPostgres && IsNumberColumn(condition.type)) {
        RenderNumberComparison(condition, sql);
        return;
      }
      sql->Id(condition.column).Sql(condition.kind == Kind::kIn ? " IN (" : " NOT IN (");
      for (size_t i = 0; i < condition.values.size(); ++i) {
        if (i > 0) sql->Sql(", ");
        sql->Param(sql->dialect() == Dialect::kPostgres ? TextForTextColumn(condition.values[i])
                                                        : condition.values[i]);
      }
      sql->Sql(")");
      return;
    case Kind::kLike:
      // SQLite's LIKE folds ASCII case and has no escape character;
      // PostgreSQL's ILIKE with ESCAPE '' is the match.
      if (sql->dialect() == Dialect::kPostgres) {
        sql->Id(condition.column).Sql(" ILIKE ").Param(condition.values[0]).Sql(" ESCAPE ''");
      } else {
        sql->Id(condition.column).Sql(" LIKE ").Param(condition.values[0]);
      }
      return;
  }
}

}  // namespace

std::optional<ErrorReply> CompileFilter(const RowSchema& schema, Element filters, SqlBuilder* sql,
                                        FilterOutcome* outcome) {
  FilterCompiler compiler(schema, outcome);
  Condition root;
  if (auto error = compiler.Object(filters, 0, &root)) return error;
  Render(root, sql);
  return std::nullopt;
}

void AppendOrderItem(const RowSchema& schema, std::string_view column, bool descending,
                     SqlBuilder* sql) {
  sql->Id(column);
  if (sql->dialect() == Dialect::kPostgres) {
    const std::optional<FieldType> type = schema.ColumnType(column);
    if (type == FieldType::kString || type == FieldType::kText || type == FieldType::kDatetime) {
      sql->Sql(" COLLATE \"C\"");
    }
    sql->Sql(descending ? " DESC NULLS LAST" : " ASC NULLS FIRST");
    return;
  }
  sql->Sql(descending ? " DESC" : " ASC");
}

std::optional<ErrorReply> CompileSort(const RowSchema& schema, Element sort, SqlBuilder* sql) {
  std::vector<Element> items;
  if (sort.type() == Type::OBJECT) {
    items.push_back(sort);
  } else if (sort.type() == Type::ARRAY) {
    for (const Element item : simdjson::dom::array(sort)) items.push_back(item);
  } else {
    return Invalid("Sort spec must be dict or list of dicts, got " + std::string(PyTypeName(sort)));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].type() != Type::OBJECT) {
      return Invalid("Sort item " + std::to_string(i) + " must be dict, got " +
                     std::string(PyTypeName(items[i])));
    }
    std::optional<Element> field, order;
    for (const auto& [key, value] : Members(items[i])) {
      if (key == "field") field = value;
      if (key == "order") order = value;
    }
    if (!field) return Invalid("Sort item " + std::to_string(i) + " missing required 'field' key");
    // .lower() on a non-string order: an AttributeError in the original.
    std::string direction = "asc";
    if (order) {
      if (!IsString(*order)) return SearchFailed();
      direction = StringOf(*order);
      for (char& c : direction) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
    }
    if (field->is_array() || field->is_object()) {
      return Invalid(std::string("unhashable type: '") + std::string(PyTypeName(*field)) + "'");
    }
    const std::string name = PyStr(*field);
    if (!IsString(*field) || !schema.ColumnType(name)) {
      return Invalid("Sort field '" + name +
                     "' not in schema. Available fields: " + schema.AvailableColumns());
    }
    if (direction != "asc" && direction != "desc") {
      std::string message = "Sort order must be 'asc' or 'desc', got '";
      message += direction;
      message += "' for field '";
      message += name;
      message += "'";
      return Invalid(message);
    }
    if (i > 0) sql->Sql(", ");
    AppendOrderItem(schema, name, direction == "desc", sql);
  }
  return std::nullopt;
}

}  // namespace roseyd::storage_api
