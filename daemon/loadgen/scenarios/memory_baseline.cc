// The process's RSS idle (bots connected) against its peak under chat load.

#include <algorithm>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

void RunMemoryBaseline(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  ctx->result().target_rate = spec.rate;
  Bots bots = ctx->StartBots(spec.publishers, spec.publishers);
  ctx->Sleep(spec.idle);
  const double idle_rss = ProcessUsage::RssBytes();
  ChatRun run = ctx->SendChat(&bots, spec.rate, count);
  ctx->RecordChatOutcome(run);
  double peak = ProcessUsage::RssBytes();
  for (const auto& p : ctx->result().timeline) peak = std::max(peak, p.rss_bytes);
  ctx->AddFigure("rss_idle_mib", idle_rss / (1 << 20));
  ctx->AddFigure("rss_peak_mib", peak / (1 << 20));
  ctx->AddFigure("rss_increase_percent", 100.0 * (peak - idle_rss) / idle_rss);
  ctx->AddFigure("lost", static_cast<double>(ctx->result().lost));
  ctx->AddNote("RSS of the whole process (service and load generator), idle measured with the "
               "bots connected");
}

}  // namespace roseyd::loadgen
