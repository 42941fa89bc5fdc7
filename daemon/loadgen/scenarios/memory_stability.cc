// The slope of the service's RSS under constant chat load: a leak grows it.

#include <stdexcept>
#include <utility>
#include <vector>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

namespace {

constexpr double kPageMiB = 4.0 / 1024;

}  // namespace

void RunMemoryStability(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  report::ScenarioResult& result = ctx->result();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  result.target_rate = spec.rate;
  Bots bots = ctx->StartBots(spec.publishers, spec.publishers);
  if (spec.prefill > 0) {
    // SQLite's page cache (store cache_size) grows with the data until its
    // cap: fill it first, or a short window mistakes the fill for a leak.
    ChatRun fill = ctx->SendChat(&bots, 0, static_cast<uint64_t>(spec.prefill));
    result.extra["prefill_events"] = static_cast<double>(fill.load.sent);
  }
  const int64_t before = ctx->CountsRows() ? ctx->CountChatRows() : 0;
  ChatRun run = ctx->SendChat(&bots, spec.rate, count);
  ctx->RecordChatOutcome(run);
  // The prefill's rows are not this phase's.
  ctx->SetPersisted(result.persisted - static_cast<uint64_t>(before));
  std::vector<std::pair<double, double>> total, anon;  // hours, MiB
  const double warmup_s = std::chrono::duration<double>(spec.warmup).count();
  for (const auto& p : result.timeline) {
    if (p.t_s < warmup_s) continue;
    total.emplace_back(p.t_s / 3600.0, p.rss_bytes / (1 << 20));
    anon.emplace_back(p.t_s / 3600.0, p.rss_anon_bytes / (1 << 20));
  }
  if (total.size() < 3) throw std::runtime_error("too few RSS samples after the warm-up");
  // The verdict is on the anonymous part: the database pages SQLite maps
  // grow RSS with the file, by design, up to store mmap_size. Its band says
  // whether the window could tell a flat line from a leak at all.
  // RssAnon moves in pages (4 KiB): a window in which it never moved is flat
  // to within a page, not exactly.
  const report::LineFit fit = report::FitLine(anon, kPageMiB);
  ctx->AddFigure("rss_slope_mib_per_hour", fit.slope);
  ctx->AddFigure("rss_slope_ci_low_mib_per_hour", fit.slope_low);
  ctx->AddFigure("rss_slope_ci_high_mib_per_hour", fit.slope_high);
  ctx->AddFigure("total_rss_slope_mib_per_hour", report::LeastSquaresSlope(total));
  ctx->AddFigure("rss_anon_first_mib", anon.front().second);
  ctx->AddFigure("rss_anon_last_mib", anon.back().second);
  ctx->AddFigure("rss_total_last_mib", total.back().second);
  ctx->AddNote("leak slope on RssAnon (heap); total RSS also holds the mapped database file and "
               "SQLite's page cache filling up to its cap");
  ctx->AddFigure("lost", static_cast<double>(result.lost));
  result.extra["rss_samples"] = static_cast<double>(total.size());
  result.extra["rss_slope_effective_samples"] = fit.effective_n;
  result.extra["rss_slope_lag1_autocorrelation"] = fit.lag1_autocorrelation;
  // The fit's centre, for the chart that draws it (hours back to seconds).
  result.extra["rss_fit_center_s"] = fit.center_x * 3600.0;
  result.extra["rss_fit_center_mib"] = fit.center_y;
  result.extra["warmup_s"] = warmup_s;
}

}  // namespace roseyd::loadgen
