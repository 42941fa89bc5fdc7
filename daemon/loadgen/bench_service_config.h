#pragma once

#include "config/config.h"

namespace roseyd::loadgen {

// The JetStream stream and consumer of the load generator's own service
// instance when it runs in durable mode: never the bot's.
inline constexpr const char* kBenchStream = "ROSEYD_BENCH";
inline constexpr const char* kBenchConsumer = "roseyd-bench";

// The config of the load generator's own service instance, made from the
// bot's: the same code path and the same settings (durability, store
// tuning, request workers, limits), but on bench.subject_prefix and
// bench.queue_group, with a scratch database in Config::BenchScratchDir(),
// the stream and consumer above, no commit acknowledgements, no /metrics
// and no benchmark of its own. Nothing of it reaches the bot's subjects or
// database.
Config BenchServiceConfig(const Config& bot);

}  // namespace roseyd::loadgen
