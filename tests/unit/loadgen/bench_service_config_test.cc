#include "loadgen/bench_service_config.h"

#include <gtest/gtest.h>

#include "config/config_loader.h"

namespace roseyd::loadgen {
namespace {

TEST(BenchServiceConfigTest, TheBenchmarkInstanceSharesNothingWithTheBot) {
  Config bot;
  bot.data_dir = "/var/lib/roseyd";
  bot.store.path = "/srv/rosey/rosey.db";
  bot.service.commit_ack_subject = "roseyd.commits";
  bot.service.durability = "jetstream";
  bot.store.batch_max_events = 77;
  bot.service.request_workers = 3;
  bot.bench.control.enabled = true;
  bot.bench.control.token = "secret";
  const Config bench = BenchServiceConfig(bot);

  EXPECT_EQ(bench.DatabasePath(), "/var/lib/roseyd/bench/scratch/rosey.db");
  EXPECT_NE(bench.DatabasePath(), bot.DatabasePath());
  EXPECT_EQ(bench.service.subject_prefix, "roseyd.bench.load");
  EXPECT_EQ(bench.service.queue_group, "roseyd-bench");
  EXPECT_EQ(bench.service.jetstream.stream, kBenchStream);
  EXPECT_EQ(bench.service.jetstream.consumer, kBenchConsumer);
  EXPECT_NE(bench.service.jetstream.stream, bot.service.jetstream.stream);
  EXPECT_EQ(bench.service.commit_ack_subject, "");  // would land on the bot's ack subject
  EXPECT_EQ(bench.metrics.listen, "");
  EXPECT_EQ(bench.bench.run_at_start, "");
  EXPECT_FALSE(bench.bench.control.enabled);
  EXPECT_EQ(bench.nats.name, "roseyd-bench");
  // The same code path and settings otherwise.
  EXPECT_EQ(bench.service.durability, "jetstream");
  EXPECT_EQ(bench.store.batch_max_events, 77);
  EXPECT_EQ(bench.service.request_workers, 3);
  EXPECT_EQ(bench.nats.url, bot.nats.url);
}

TEST(BenchServiceConfigTest, ABotOnPostgresqlStillGetsAScratchSqliteFile) {
  Config bot;
  bot.data_dir = "/var/lib/roseyd";
  bot.store.url = "postgresql://rosey:pw@db.example:5432/rosey";
  const Config bench = BenchServiceConfig(bot);
  EXPECT_EQ(bench.store.url, "");
  EXPECT_EQ(bench.DatabasePath(), "/var/lib/roseyd/bench/scratch/rosey.db");
  EXPECT_EQ(bot.PendingEventsPath(), "/var/lib/roseyd/postgres.pending");
}

TEST(BenchServiceConfigTest, ItsConfigUsedShowsNoSecret) {
  Config bot;
  bot.nats.auth.password = "hunter2";
  bot.nats.auth.user = "roseyd";
  bot.bench.control.token = "t0ken";
  const std::string text = DescribeConfig(BenchServiceConfig(bot));
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_EQ(text.find("t0ken"), std::string::npos);
  EXPECT_NE(text.find("service.subject_prefix: \"roseyd.bench.load\""), std::string::npos) << text;
  EXPECT_NE(text.find("store.path: \"data/bench/scratch/rosey.db\""), std::string::npos) << text;
}

}  // namespace
}  // namespace roseyd::loadgen
