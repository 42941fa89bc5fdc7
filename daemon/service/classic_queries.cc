#include "service/classic_queries.h"

#include "service/classic_query_handler.h"
#include "service/subject.h"

namespace roseyd::service {

// A route's kind is its Subject.
std::vector<RequestRoute> ClassicQueries::Routes() const {
  std::vector<RequestRoute> routes;
  for (const Subject subject : AllSubjects()) {
    if (!IsRequest(subject)) continue;
    const std::string suffix(SubjectSuffix(subject));
    routes.push_back(RequestRoute{suffix, suffix, static_cast<int>(subject)});
  }
  return routes;
}

RequestOutcome ClassicQueries::Handle(const Request& request, store::Reader* reader) {
  // A ClassicQueryHandler is two words: one per request keeps the family stateless.
  ClassicQueryHandler handler(reader, max_limit_);
  return handler.Handle(static_cast<Subject>(request.kind), request.payload, request.unix_time);
}

std::string ClassicQueries::ErrorReply(int kind, Refusal refusal) const {
  return ClassicQueryHandler::ErrorReply(static_cast<Subject>(kind), RefusalText(refusal));
}

}  // namespace roseyd::service
