// roseyd ctl request|publish: one NATS request or event, as a bot would send
// it, to check a running roseyd with nothing but roseyd installed. roseyd ctl
// list|start|status|cancel|watch: drives the load generator of a running
// roseyd over its control subjects (bench.control.*). Each connects as
// `roseyd run` does: --config, then ROSEYD_* variables, then --set and
// --nats-url, with the credentials and TLS of nats.auth.*; the control
// verbs carry the token of bench.control.token (or --token).
//
// Exit status: request: 0 a reply, 1 a reply saying it failed ("success":
// false, or an "error"), 2 no reply. publish, list, status, cancel and
// start: 0 done, 2 could not (no server, nobody answering, refused, a usage
// error). start --wait and watch: 0 the run passed, 1 it failed, 2 it could
// not run or was cancelled.

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/ctl_watch.h"
#include "app/control_client.h"
#include "app/logging.h"
#include "app/nats_client_options.h"
#include "base/mutex.h"
#include "base/startup_error.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"
#include "config/config_loader.h"

namespace roseyd {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kCtlUsage[] = R"(Usage: roseyd ctl <command> [options]

Talks to a running roseyd over NATS, with the same server, credentials and TLS
as roseyd run (the same --config, ROSEYD_* variables, --set and --nats-url).

Check the service as the bot would:
  roseyd ctl request SUBJECT [JSON]  send a request (JSON, default {}) and print the reply,
                                     e.g. roseyd ctl request rosey.db.stats.recent_chat.get '{"limit":5}'
        [--all]                      wait the whole --timeout and print every reply, one a
                                     line, then how many came (two services answering: two)
  roseyd ctl publish SUBJECT JSON    publish one event, e.g.
                                     roseyd ctl publish rosey.db.user.joined '{"username":"alice"}'

Drive its load generator (bench.control.enabled, with the token):
  roseyd ctl list [--suite NAME]     each scenario, what it does and its size (as NAME runs
                                     it, default quick: what start --scenario runs), and the suites
  roseyd ctl start [--suite NAME] [--scenario NAME]... [--rate N] [--duration D] [--wait]
                                     start a run (one at a time); --wait follows it
  roseyd ctl status                  the run going on, or the last one
  roseyd ctl cancel                  cancel the run going on
  roseyd ctl watch                   follow the run going on (or show the last) to its end

Options:
  --config FILE        YAML config, as for roseyd run (default: $ROSEYD_CONFIG, else
                       config/roseyd.yaml if it exists)
  --set KEY=VALUE      override one config key (VALUE is YAML, as for roseyd run)
  --nats-url URL       the NATS server (default: nats.url, else the embedded server's
                       nats.embedded.host:port); credentials and TLS from nats.auth.*
  --token TOKEN        bench.control.token (default: the config's, or ROSEYD_BENCH_CONTROL_TOKEN)
  --rate N             start: events/s of every paced scenario (at most bench.control.max_rate)
  --duration D         start: load duration of every paced scenario, e.g. 30s, 2m
  --timeout D          how long to wait for each reply (default 5s)
  --interval D         how often watch asks for progress (default 1s)
  --json               print each control reply as JSON instead of text
  -h, --help           this text

Exit status: 0 done (request: a reply; start --wait, watch: the run passed);
1 request: the reply says it failed ("success": false, or an "error"); start
--wait, watch: the run failed; 2 could not: no server, no reply, refused, bad
arguments, or the run could not run or was cancelled.
)";

struct CtlArgs {
  std::string verb;
  std::vector<std::string> operands;  // request and publish: SUBJECT [JSON]
  ConfigSources sources;
  bool config_given = false;
  std::string nats_url;
  std::optional<std::string> token;
  std::string suite;
  std::vector<std::string> scenarios;
  std::optional<double> rate;
  std::optional<double> duration_s;
  bool wait = false;
  bool all_replies = false;
  bool json_output = false;
  milliseconds timeout{5000};
  milliseconds interval{1000};
};

struct UsageProblem {
  std::string message;
};

// "30s", "2m", "1h", "500ms" or plain seconds ("1.5"); nullopt when not one.
std::optional<double> Seconds(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(v) || v < 0) return std::nullopt;
  const std::string unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000;
  if (unit == "m") return v * 60;
  if (unit == "h") return v * 3600;
  return std::nullopt;
}

CtlArgs Parse(const std::vector<std::string>& args) {
  CtlArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageProblem{arg + " needs a value"};
      return args[++i];
    };
    const auto duration = [&](const std::string& text) {
      const std::optional<double> s = Seconds(text);
      if (!s || *s <= 0) {
        std::string problem = arg;
        problem += " wants a duration such as 30s, got '" + text + "'";
        throw UsageProblem{problem};
      }
      return *s;
    };
    if (arg == "-h" || arg == "--help") {
      out.verb = "help";
      return out;
    }
    if (!arg.starts_with("-")) {
      if (out.verb.empty()) {
        out.verb = arg;
      } else if (out.verb == "request" || out.verb == "publish") {
        out.operands.push_back(arg);
      } else {
        throw UsageProblem{"unexpected '" + arg + "'"};
      }
    } else if (arg == "--config") {
      out.sources.file = value();
      out.config_given = true;
    } else if (arg == "--set") {
      const std::string kv = value();
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) throw UsageProblem{"--set wants KEY=VALUE, got '" + kv + "'"};
      out.sources.overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1), "--set");
    } else if (arg == "--nats-url") {
      out.nats_url = value();
    } else if (arg == "--token") {
      out.token = value();
    } else if (arg == "--suite") {
      out.suite = value();
    } else if (arg == "--scenario") {
      out.scenarios.push_back(value());
    } else if (arg == "--rate") {
      const std::string v = value();
      char* end = nullptr;
      out.rate = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0') throw UsageProblem{"--rate wants events per second, got '" + v + "'"};
    } else if (arg == "--duration") {
      out.duration_s = duration(value());
    } else if (arg == "--timeout") {
      out.timeout = milliseconds(static_cast<int64_t>(duration(value()) * 1000));
    } else if (arg == "--interval") {
      out.interval = milliseconds(static_cast<int64_t>(duration(value()) * 1000));
    } else if (arg == "--wait") {
      out.wait = true;
    } else if (arg == "--all") {
      out.all_replies = true;
    } else if (arg == "--json") {
      out.json_output = true;
    } else {
      throw UsageProblem{"unknown argument '" + arg + "'"};
    }
  }
  if (out.verb.empty()) {
    throw UsageProblem{
        "ctl needs a command: request, publish, list, start, status, cancel or watch"};
  }
  const bool start = out.verb == "start";
  if (out.verb != "request" && out.verb != "publish" && out.verb != "list" && !start &&
      out.verb != "status" && out.verb != "cancel" && out.verb != "watch") {
    throw UsageProblem{"unknown ctl command '" + out.verb + "'"};
  }
  if (!start && (!out.scenarios.empty() || out.rate || out.duration_s || out.wait)) {
    throw UsageProblem{"--scenario, --rate, --duration and --wait go with start"};
  }
  if (!out.suite.empty() && !start && out.verb != "list") {
    throw UsageProblem{"--suite goes with start and list"};
  }
  if (out.all_replies && out.verb != "request") throw UsageProblem{"--all goes with request"};
  if (out.verb == "request" || out.verb == "publish") {
    const size_t most = 2, least = out.verb == "request" ? 1 : 2;
    if (out.operands.size() < least || out.operands.size() > most) {
      throw UsageProblem{"ctl " + out.verb + " takes SUBJECT " +
                         (out.verb == "request" ? "[JSON]" : "JSON") + ", e.g. roseyd ctl " +
                         out.verb + " rosey.db." +
                         (out.verb == "request" ? "query.channel_stats '{}'"
                                                : "user.joined '{\"username\":\"alice\"}'")};
    }
    const std::string& subject = out.operands[0];
    if (subject.empty() || subject.find_first_of(" \t\r\n") != std::string::npos ||
        subject.front() == '.' || subject.back() == '.' ||
        subject.find("..") != std::string::npos ||
        (out.verb == "publish" && subject.find_first_of("*>") != std::string::npos)) {
      throw UsageProblem{"'" + subject + "' is not a NATS subject"};
    }
    if (out.operands.size() == 2 &&
        json::parse(out.operands[1], nullptr, /*allow_exceptions=*/false).is_discarded()) {
      throw UsageProblem{"the payload is not JSON: " + out.operands[1] +
                         " (quote it for the shell, e.g. '{\"limit\":5}')"};
    }
  } else if (!out.operands.empty()) {
    throw UsageProblem{"unexpected '" + out.operands[0] + "'"};
  }
  return out;
}

// As roseyd run: --config, else $ROSEYD_CONFIG, else config/roseyd.yaml.
Config LoadCtlConfig(CtlArgs* args) {
  args->sources.env = ProcessEnvironment();
  if (!args->config_given) {
    if (auto it = args->sources.env.find("ROSEYD_CONFIG");
        it != args->sources.env.end() && !it->second.empty()) {
      args->sources.file = it->second;
    } else if (std::filesystem::exists("config/roseyd.yaml")) {
      args->sources.file = "config/roseyd.yaml";
    }
  }
  if (!args->nats_url.empty()) {
    args->sources.overrides.emplace_back("nats.url", args->nats_url, "--nats-url");
  }
  return LoadConfig(args->sources);
}

// nats.url, else the embedded server roseyd run starts.
std::string ServerUrl(const Config& config) {
  if (!config.nats.url.empty()) return config.nats.url;
  if (config.nats.embedded.port == 0) {
    throw UsageProblem{"nats.url is empty and nats.embedded.port is 0 (a free port): give --nats-url"};
  }
  std::string host = config.nats.embedded.host;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  return "nats://" + host + ":" + std::to_string(config.nats.embedded.port);
}

// A whole number as an integer ("5000", not "5000.0"), so errors quote it as typed.
json JsonNumber(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return json(static_cast<int64_t>(v));
  return json(v);
}

// Whether a reply says its request failed, as the Rosey services answer:
// {"success": false, ...} or an "error" member.
bool ReplyFailed(const std::string& reply) {
  const json parsed = json::parse(reply, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return false;
  const auto success = parsed.find("success");
  if (success != parsed.end() && success->is_boolean() && !success->get<bool>()) return true;
  const auto error = parsed.find("error");
  return error != parsed.end() && !error->is_null();
}

// roseyd ctl request: one reply (or, with --all, every reply within the
// timeout) printed as it came, one a line.
int Request(bus::Connection& connection, const CtlArgs& args) {
  const std::string& subject = args.operands[0];
  const std::string payload = args.operands.size() > 1 ? args.operands[1] : "{}";
  std::vector<std::string> replies;
  if (!args.all_replies) {
    std::string reply;
    if (Status s = connection.Request(subject, payload, args.timeout, &reply); !s.ok()) {
      std::cerr << "roseyd ctl request: no reply on " << subject << " within "
                << args.timeout.count() << " ms (" << s.message()
                << "): is a roseyd serving that subject on this server?\n";
      return 2;
    }
    replies.push_back(std::move(reply));
  } else {
    // Every reply to one request: an inbox of our own, watched for the
    // whole timeout, so that two services answering show as two.
    Mutex mu;
    std::vector<std::string> received;
    const std::string inbox = bus::Connection::NewInbox();
    std::unique_ptr<bus::Subscription> sub =
        connection.Subscribe(inbox, "", [&](const bus::Message& m) {
          MutexLock lock(&mu);
          received.emplace_back(m.data);
        });
    if (Status s = connection.PublishRequest(subject, inbox, payload); !s.ok()) {
      std::cerr << "roseyd ctl request: " << s.message() << "\n";
      return 2;
    }
    (void)connection.Flush(args.timeout);
    std::this_thread::sleep_for(args.timeout);  // the window itself: every answer within it
    sub.reset();
    MutexLock lock(&mu);
    replies = received;
  }
  bool failed = false;
  for (const std::string& reply : replies) {
    std::cout << reply << "\n";
    failed = failed || ReplyFailed(reply);
  }
  std::cout.flush();
  if (args.all_replies) {
    std::cerr << replies.size() << (replies.size() == 1 ? " reply" : " replies") << " within "
              << args.timeout.count() << " ms\n";
    if (replies.empty()) return 2;
  }
  return failed ? 1 : 0;
}

// roseyd ctl publish: one event, flushed, so that it reached the server.
int Publish(bus::Connection& connection, const CtlArgs& args) {
  const std::string& subject = args.operands[0];
  Status s = connection.Publish(subject, args.operands[1]);
  if (s.ok()) s = connection.Flush(args.timeout);
  if (!s.ok()) {
    std::cerr << "roseyd ctl publish: " << s.message() << "\n";
    return 2;
  }
  std::cout << "published " << args.operands[1].size() << " bytes on " << subject << std::endl;
  return 0;
}

int Execute(CtlArgs args) {
  const Config config = LoadCtlConfig(&args);
  const bool control = args.verb != "request" && args.verb != "publish";
  const std::string token = args.token.value_or(config.bench.control.token);
  if (control && token.empty()) {
    throw UsageProblem{"no control token: give --token, or set bench.control.token "
                       "(ROSEYD_BENCH_CONTROL_TOKEN)"};
  }
  // Only warnings (a refused permission, named by the server), on stderr:
  // stdout is the command's answer.
  SetUpLogging(config.log.level == "info" || config.log.level == "debug" ||
                       config.log.level == "trace"
                   ? "warn"
                   : config.log.level,
               config.log.format);
  bus::NatsLibrary nats_library;
  bus::ConnectionOptions options = NatsClientOptions(config.nats, ServerUrl(config));
  options.name = "roseyd-ctl";
  if (!control) {
    options.send_asap = true;
    options.retry_on_failed_connect = false;  // no server: say so now
    bus::Connection connection(options);
    return args.verb == "request" ? Request(connection, args) : Publish(connection, args);
  }
  ControlClient client(options, config.bench.control.subject_prefix, token, args.timeout);

  json fields = json::object();
  if (args.verb == "list" && !args.suite.empty()) fields["suite"] = args.suite;
  if (args.verb == "start") {
    if (!args.suite.empty()) fields["suite"] = args.suite;
    if (!args.scenarios.empty()) fields["scenarios"] = args.scenarios;
    if (args.rate) fields["rate"] = JsonNumber(*args.rate);
    if (args.duration_s) fields["duration_s"] = JsonNumber(*args.duration_s);
  }
  if (args.verb == "watch") return WatchRun(client, 0, args.interval);
  json reply;
  if (Status s = client.Call(args.verb, fields, &reply); !s.ok()) {
    std::cerr << "roseyd ctl " << args.verb << ": " << s.message() << "\n";
    return 2;
  }
  if (args.json_output) {
    std::cout << reply.dump(2) << std::endl;
  } else if (args.verb == "list") {
    // An older roseyd answers names only.
    const json details = reply.value("details", json::object());
    if (reply.contains("sizes_of_suite")) {
      std::cout << "scenarios, sized as the " << reply["sizes_of_suite"].get<std::string>()
                << " suite runs them (--suite NAME for another's):\n";
    }
    for (const auto& name : reply["scenarios"]) {
      const std::string n = name.get<std::string>();
      const json about = details.value(n, json::object());
      std::cout << n;
      if (about.contains("size")) std::cout << ": " << about["size"].get<std::string>();
      std::cout << "\n";
      if (about.contains("description") && !about["description"].get<std::string>().empty()) {
        std::cout << "    " << about["description"].get<std::string>() << "\n";
      }
    }
    for (const auto& [suite, names] : reply["suites"].items()) {
      std::cout << "suite " << suite << ":";
      for (const auto& n : names) std::cout << " " << n.get<std::string>();
      std::cout << "\n";
    }
  } else if (args.verb == "status") {
    if (reply.value("running", false)) {
      std::cout << ProgressLine(reply) << "\n";
      for (const auto& d : reply["done"]) std::cout << "  " << d.get<std::string>() << "\n";
    } else if (reply.value("last_run", 0) > 0) {
      PrintFinished(reply);
    } else {
      std::cout << "no run has started yet\n";
    }
  } else if (args.verb == "cancel") {
    std::cout << (reply.value("cancelled", false) ? "cancelling the run going on\n"
                                                  : "no run was going on\n");
  } else if (args.verb == "start") {
    std::cout << "started run " << reply.value("run", 0) << std::endl;
  }
  if (args.verb == "start" && args.wait) {
    return WatchRun(client, reply.value("run", uint64_t{0}), args.interval);
  }
  return 0;
}

// Never throws: every problem is exit status 2 with the reason on stderr.
int CtlMain(const std::vector<std::string>& words) {
  try {
    CtlArgs args = Parse(words);
    if (args.verb == "help") {
      std::cout << kCtlUsage;
      return 0;
    }
    return Execute(std::move(args));
  } catch (const UsageProblem& p) {
    std::cerr << "roseyd ctl: " << p.message << "\n(see roseyd ctl --help)\n";
  } catch (const StartupError& e) {
    std::cerr << "roseyd ctl: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "roseyd ctl: " << e.what() << "\n";
  }
  return 2;
}

}  // namespace

namespace cli {

const Command kCtlCommand{"ctl",
                          "send a request or event to a running roseyd, drive its load generator",
                          kCtlUsage, CtlMain};

}  // namespace cli
}  // namespace roseyd
