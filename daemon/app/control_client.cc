#include "app/control_client.h"

namespace roseyd {

ControlClient::ControlClient(const bus::ConnectionOptions& options, std::string subject_prefix,
                             std::string token, std::chrono::milliseconds timeout)
    : prefix_(std::move(subject_prefix)), token_(std::move(token)), timeout_(timeout) {
  bus::ConnectionOptions o = options;
  o.send_asap = true;
  o.retry_on_failed_connect = false;
  connection_ = std::make_unique<bus::Connection>(o);
}

Status ControlClient::Call(const std::string& verb, nlohmann::json fields,
                           nlohmann::json* reply) {
  fields["token"] = token_;
  const std::string subject = prefix_ + "." + verb;
  std::string text;
  if (Status s = connection_->Request(subject, fields.dump(), timeout_, &text); !s.ok()) {
    if (s.code() == Status::Code::kUnavailable) {
      return Status::Unavailable(
          "no answer on " + subject + " (" + s.message() +
          "): is roseyd running there with bench.control.enabled and bench.control.subject_prefix " +
          prefix_ + "?");
    }
    return s;
  }
  *reply = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (reply->is_discarded() || !reply->is_object()) {
    return Status::Internal("the reply on " + subject + " is not a JSON object: " + text);
  }
  if (const auto e = reply->find("error"); e != reply->end()) {
    return Status::InvalidArgument(e->is_string() ? e->get<std::string>() : e->dump());
  }
  return Status::OK();
}

}  // namespace roseyd
