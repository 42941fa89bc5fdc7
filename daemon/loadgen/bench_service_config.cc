#include "loadgen/bench_service_config.h"

namespace roseyd::loadgen {

Config BenchServiceConfig(const Config& bot) {
  Config bench = bot;
  // Always a scratch SQLite file, even when the bot's store is PostgreSQL:
  // the benchmark never writes into the bot's database.
  bench.store.url.clear();
  bench.store.path = bot.BenchScratchDir() + "/rosey.db";
  bench.service.subject_prefix = bot.bench.subject_prefix;
  bench.service.queue_group = bot.bench.queue_group;
  bench.service.jetstream.stream = kBenchStream;
  bench.service.jetstream.consumer = kBenchConsumer;
  // The load generator follows its events in this process; acknowledgements
  // are for one in another process, and would land on the bot's subject.
  bench.service.commit_ack_subject.clear();
  bench.nats.name = bot.nats.name + "-bench";
  bench.metrics.listen.clear();
  bench.bench.run_at_start.clear();
  bench.bench.control.enabled = false;
  return bench;
}

}  // namespace roseyd::loadgen
