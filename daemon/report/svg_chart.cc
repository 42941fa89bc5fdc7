#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <sstream>
#include <utility>

namespace roseyd::report {

namespace {

constexpr double kW = 800, kH = 440, kLeft = 70, kRight = 70, kTop = 56, kBottom = 96;
constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
// The rates chart's two series, told apart by width and dash as well as colour.
constexpr const char* kSentColor = "#9ecae1";
constexpr const char* kPersistedColor = "#08519c";
constexpr const char* kPersistedDash = "7 4";
constexpr const char* kFloorColor = "#7f7f7f";

std::string Escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Fmt(double v) {
  std::ostringstream s;
  const double a = std::fabs(v);
  if (a >= 1e6 && std::fmod(a, 1e6) == 0) {
    s << v / 1e6 << "M";
  } else if (a >= 1e4 && std::fmod(a, 1e3) == 0) {
    s << v / 1e3 << "k";
  } else {
    s << (a >= 100 ? std::round(v) : std::round(v * 1000) / 1000);
  }
  return s.str();
}


// A step of the 1-2-5 sequence at or above `raw`.
double RoundStepAtLeast(double raw) {
  const double p = std::pow(10, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw * (1 - 1e-9)) return m * p;
  }
  return 10 * p;
}

// Colours and dashes of level lines (targets, idle), each named in the legend.
struct LevelStyle {
  const char* color;
  const char* dash;
};
constexpr LevelStyle kLevelStyles[] = {{"#444", "6 4"}, {"#ff7f0e", "6 4"}, {"#7f7f7f", "2 3"}};

// A log axis over whole decades from below `lo` to above `hi`.
struct LogAxis {
  double lo_exp = 0, hi_exp = 1;
  double Fraction(double v) const {
    if (!(v > 0)) return 0;
    return std::clamp((std::log10(v) - lo_exp) / (hi_exp - lo_exp), 0.0, 1.0);
  }
};
LogAxis FitLog(double lo, double hi) {
  if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 0.01;
  if (!(hi > 0)) hi = lo * 10;
  LogAxis axis{std::floor(std::log10(lo)), std::ceil(std::log10(hi))};
  if (axis.hi_exp <= axis.lo_exp) axis.hi_exp = axis.lo_exp + 1;
  return axis;
}

class Canvas {
 public:
  explicit Canvas(const std::string& title) {
    svg_ << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kW << "\" height=\"" << kH
         << "\" viewBox=\"0 0 " << kW << " " << kH << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
         << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
         << "<text x=\"" << kW / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
         << Escape(title) << "</text>\n";
  }
  double X(double fraction) const { return kLeft + fraction * (kW - kLeft - kRight); }
  double Y(double fraction) const { return kH - kBottom - fraction * (kH - kTop - kBottom); }

  void Frame() {
    svg_ << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kW - kLeft - kRight
         << "\" height=\"" << kH - kTop - kBottom << "\" fill=\"none\" stroke=\"#444\"/>\n";
  }
  void Text(double x, double y, const std::string& text, const char* anchor = "middle",
            const char* color = "#222") {
    svg_ << "<text x=\"" << x << "\" y=\"" << y << "\" text-anchor=\"" << anchor << "\" fill=\""
         << color << "\">" << Escape(text) << "</text>\n";
  }
  void GridY(double fraction, const std::string& label, const std::string& right_label = "") {
    const double y = Y(fraction);
    svg_ << "<line x1=\"" << X(0) << "\" y1=\"" << y << "\" x2=\"" << X(1) << "\" y2=\"" << y
         << "\" stroke=\"#e4e4e4\"/>\n";
    Text(X(0) - 6, y + 4, label, "end");
    if (!right_label.empty()) Text(X(1) + 6, y + 4, right_label, "start");
  }
  void TickX(double fraction, const std::string& label) {
    const double x = X(fraction);
    svg_ << "<line x1=\"" << x << "\" y1=\"" << Y(0) << "\" x2=\"" << x << "\" y2=\"" << Y(0) + 5
         << "\" stroke=\"#444\"/>\n";
    Text(x, Y(0) + 18, label);
  }
  void Line(const std::vector<std::pair<double, double>>& points, const char* color,
            const char* dash = nullptr, double width = 2) {
    if (points.empty()) return;
    svg_ << "<polyline fill=\"none\" stroke-width=\"" << width << "\" stroke=\"" << color << "\"";
    if (dash) svg_ << " stroke-dasharray=\"" << dash << "\"";
    svg_ << " points=\"";
    for (const auto& [fx, fy] : points) svg_ << X(fx) << "," << Y(fy) << " ";
    svg_ << "\"/>\n";
  }
  void Dots(const std::vector<std::pair<double, double>>& points, const char* color) {
    for (const auto& [fx, fy] : points) {
      svg_ << "<circle cx=\"" << X(fx) << "\" cy=\"" << Y(fy) << "\" r=\"3.5\" fill=\"" << color
           << "\"/>\n";
    }
  }
  // A dashed horizontal line at `fraction`, style `k`; its label goes in the
  // legend (LevelLegend), never on the data.
  void Level(double fraction, size_t k) {
    const LevelStyle& style = kLevelStyles[k % std::size(kLevelStyles)];
    const double y = Y(fraction);
    svg_ << "<line class=\"target\" x1=\"" << X(0) << "\" y1=\"" << y << "\" x2=\"" << X(1)
         << "\" y2=\"" << y << "\" stroke=\"" << style.color
         << "\" stroke-width=\"1.5\" stroke-dasharray=\"" << style.dash << "\"/>\n";
  }
  // A vertical marker at `fraction` with its label above the plot.
  void VerticalMarker(double fraction, const std::string& label, int row) {
    const double x = X(fraction);
    svg_ << "<line class=\"marker\" x1=\"" << x << "\" y1=\"" << Y(1) << "\" x2=\"" << x
         << "\" y2=\"" << Y(0) << "\" stroke=\"#8c564b\" stroke-width=\"1.5\" "
            "stroke-dasharray=\"3 3\"/>\n";
    const char* anchor = fraction < 0.2 ? "start" : fraction > 0.8 ? "end" : "middle";
    Text(x, kTop - 6 - 13 * row, label, anchor, "#8c564b");
  }
  void Band(double from, double to) {
    const double x0 = X(from), x1 = X(std::max(to, from + 0.004));  // at least 3 px wide
    svg_ << "<rect class=\"gap\" x=\"" << x0 << "\" y=\"" << Y(1) << "\" width=\"" << x1 - x0
         << "\" height=\"" << Y(0) - Y(1) << "\" fill=\"#8c564b\" fill-opacity=\"0.25\"/>\n";
  }
  struct LegendEntry {
    std::string label;
    const char* color;
    const char* dash = nullptr;  // a level line's, or a dashed series'
    double width = 0;            // 0: 3 for a series, 1.5 for a dashed line
  };
  // Legend entries in rows below the x-axis title: never over the data.
  void Legend(const std::vector<LegendEntry>& entries) {
    const auto width = [](const LegendEntry& e) { return 24 + 6.6 * static_cast<double>(e.label.size()) + 22; };
    double total = 0;
    for (const auto& e : entries) total += width(e);
    double y = total > kW - kLeft ? kH - 26 : kH - 14;  // two rows when one is too narrow
    double x = kLeft;
    for (const auto& e : entries) {
      if (x + width(e) > kW && x > kLeft) {
        x = kLeft;
        y += 16;
      }
      svg_ << "<line x1=\"" << x << "\" y1=\"" << y - 4 << "\" x2=\"" << x + 18 << "\" y2=\""
           << y - 4 << "\" stroke=\"" << e.color << "\" stroke-width=\""
           << (e.width > 0 ? e.width
               : e.dash    ? 1.5
                           : 3)
           << "\"";
      if (e.dash) svg_ << " stroke-dasharray=\"" << e.dash << "\"";
      svg_ << "/>\n";
      Text(x + 24, y, e.label, "start");
      x += width(e);
    }
  }
  // The legend entries of `levels`, in the styles Level drew them with.
  static void AddLevels(const std::vector<LevelLine>& levels, std::vector<LegendEntry>* legend) {
    for (size_t k = 0; k < levels.size(); ++k) {
      const LevelStyle& style = kLevelStyles[k % std::size(kLevelStyles)];
      legend->push_back({levels[k].label, style.color, style.dash});
    }
  }
  void AxisTitles(const std::string& x, const std::string& y, const std::string& y2 = "") {
    Text(kW / 2, Y(0) + 40, x);
    svg_ << "<text x=\"16\" y=\"" << (Y(0) + Y(1)) / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
         << (Y(0) + Y(1)) / 2 << ")\">" << Escape(y) << "</text>\n";
    if (!y2.empty()) {
      svg_ << "<text x=\"" << kW - 14 << "\" y=\"" << (Y(0) + Y(1)) / 2
           << "\" text-anchor=\"middle\" transform=\"rotate(90 " << kW - 14 << " "
           << (Y(0) + Y(1)) / 2 << ")\">" << Escape(y2) << "</text>\n";
    }
  }
  void LogGrid(const LogAxis& axis, const char* unit) {
    const int lo = static_cast<int>(axis.lo_exp), hi = static_cast<int>(axis.hi_exp);
    for (int e = lo; e <= hi; ++e) {
      for (const double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10, e);
        if (std::log10(v) > axis.hi_exp + 1e-9) break;
        GridY(axis.Fraction(v), m == 1.0 ? Fmt(v) + unit : "");
      }
    }
  }
  std::string Finish() {
    Frame();
    svg_ << "</svg>\n";
    return svg_.str();
  }

 private:
  std::ostringstream svg_;
};

// The x axis of a timeline: seconds from 0 to the last sample.
AxisScale TimeAxis(const std::vector<TimelinePoint>& timeline) {
  double t_max = 0;
  for (const auto& p : timeline) t_max = std::max(t_max, p.t_s);
  return NiceScale(t_max);
}

void TimeTicks(Canvas& c, const AxisScale& t) {
  for (int i = 0; i <= t.intervals; ++i) {
    c.TickX(static_cast<double>(i) / t.intervals, Fmt(t.step * i));
  }
}

}  // namespace

AxisScale NiceScale(double max) {
  if (!(max > 0)) return AxisScale{};
  AxisScale best{0, 0};
  for (int n = 3; n <= 8; ++n) {
    const double step = RoundStepAtLeast(max / n);
    // On a tie, the finer grid: more gridlines to read values by.
    if (best.intervals == 0 || step * n <= best.top() * (1 + 1e-9)) best = {step, n};
  }
  return best;
}

AxisScale NiceScaleWithIntervals(double max, int intervals) {
  intervals = std::max(1, intervals);
  if (!(max > 0)) return AxisScale{1, intervals};
  return AxisScale{RoundStepAtLeast(max / intervals), intervals};
}

std::string PercentileChartSvg(const std::string& title, const std::vector<LatencySeries>& series,
                               const std::vector<LevelLine>& targets) {
  constexpr double kNines = 4;  // up to 99.99 %
  Canvas c(title);
  double lo = 0, hi = 0;
  for (const auto& s : series) {
    for (const auto& b : s.buckets) {
      const double ms = static_cast<double>(b.upper_ns) / 1e6;
      lo = lo == 0 ? ms : std::min(lo, ms);
      hi = std::max(hi, ms);
    }
  }
  for (const LevelLine& t : targets) hi = std::max(hi, t.value);
  const LogAxis y = FitLog(lo, hi);
  c.LogGrid(y, " ms");
  const char* labels[] = {"0%", "90%", "99%", "99.9%", "99.99%"};
  for (int i = 0; i <= 4; ++i) c.TickX(i / kNines, labels[i]);
  std::vector<Canvas::LegendEntry> legend;
  for (size_t k = 0; k < series.size(); ++k) {
    uint64_t total = 0;
    for (const auto& b : series[k].buckets) total += b.count;
    std::vector<std::pair<double, double>> points;
    uint64_t seen = 0;
    double last_x = 0;
    for (const auto& b : series[k].buckets) {
      const double fy = y.Fraction(static_cast<double>(b.upper_ns) / 1e6);
      points.emplace_back(last_x, fy);  // a step: flat across the bucket's share
      seen += b.count;
      const double rest = 1.0 - static_cast<double>(seen) / static_cast<double>(total);
      last_x = std::min(1.0, (rest > 0 ? -std::log10(rest) : kNines) / kNines);
      points.emplace_back(last_x, fy);
    }
    const char* color = kColors[k % 5];
    c.Line(points, color);
    legend.push_back({series[k].label, color});
  }
  for (size_t k = 0; k < targets.size(); ++k) c.Level(y.Fraction(targets[k].value), k);
  Canvas::AddLevels(targets, &legend);
  c.AxisTitles("percentile", "latency (ms, log scale)");
  c.Legend(legend);
  return c.Finish();
}

std::string TimelineChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline,
                             const std::vector<Marker>& markers, bool shade_between_markers) {
  Canvas c(title);
  double rate_max = 0, rss_max = 0;
  for (const auto& p : timeline) {
    rate_max = std::max({rate_max, p.sent_per_s, p.persisted_per_s});
    rss_max = std::max(rss_max, p.rss_bytes / (1 << 20));
  }
  const AxisScale rate = NiceScale(rate_max), t = TimeAxis(timeline);
  // The RSS axis shares the rate axis's gridlines (same number of
  // intervals), each at a round number of MiB.
  const double rss_step = NiceScaleWithIntervals(rss_max, rate.intervals).step;
  for (int i = 0; i <= rate.intervals; ++i) {
    c.GridY(static_cast<double>(i) / rate.intervals, Fmt(rate.step * i),
            rss_max > 0 ? Fmt(rss_step * i) : "");
  }
  TimeTicks(c, t);
  if (shade_between_markers && markers.size() >= 2) {
    c.Band(markers.front().t_s / t.top(), markers.back().t_s / t.top());
  }
  for (size_t i = 0; i < markers.size(); ++i) {
    c.VerticalMarker(std::clamp(markers[i].t_s / t.top(), 0.0, 1.0), markers[i].label,
                     static_cast<int>(i % 2));
  }
  std::vector<std::pair<double, double>> sent, persisted, rss;
  for (const auto& p : timeline) {
    sent.emplace_back(p.t_s / t.top(), p.sent_per_s / rate.top());
    persisted.emplace_back(p.t_s / t.top(), p.persisted_per_s / rate.top());
    if (rss_max > 0) rss.emplace_back(p.t_s / t.top(), p.rss_bytes / (1 << 20) / (rss_step * rate.intervals));
  }
  // Sent wide and light underneath, persisted narrow and dashed on top:
  // when they are equal (all is well) both still show.
  c.Line(sent, kSentColor, nullptr, 7);
  c.Line(persisted, kPersistedColor, kPersistedDash);
  c.Line(rss, kColors[1]);
  std::vector<Canvas::LegendEntry> legend = {
      {"sent per second", kSentColor, nullptr, 7},
      {"persisted per second", kPersistedColor, kPersistedDash, 2}};
  if (rss_max > 0) legend.push_back({"RSS (MiB, right axis)", kColors[1]});
  c.AxisTitles("seconds", "events per second", rss_max > 0 ? "RSS (MiB)" : "");
  c.Legend(legend);
  return c.Finish();
}

std::string CpuChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline,
                        const std::vector<LevelLine>& levels) {
  Canvas c(title);
  double cpu_max = 0;
  for (const auto& p : timeline) cpu_max = std::max(cpu_max, p.cpu_percent);
  for (const LevelLine& l : levels) cpu_max = std::max(cpu_max, l.value);
  // Room above the highest line, so a level at the top stays off the frame.
  const AxisScale y = NiceScale(cpu_max * 1.05), t = TimeAxis(timeline);
  for (int i = 0; i <= y.intervals; ++i) c.GridY(static_cast<double>(i) / y.intervals, Fmt(y.step * i));
  TimeTicks(c, t);
  std::vector<std::pair<double, double>> cpu;
  cpu.reserve(timeline.size());
  for (const auto& p : timeline) cpu.emplace_back(p.t_s / t.top(), p.cpu_percent / y.top());
  c.Line(cpu, kColors[3]);
  for (size_t k = 0; k < levels.size(); ++k) c.Level(levels[k].value / y.top(), k);
  std::vector<Canvas::LegendEntry> legend = {{"service CPU (% of one core)", kColors[3]}};
  Canvas::AddLevels(levels, &legend);
  c.AxisTitles("seconds", "% of one core");
  c.Legend(legend);
  return c.Finish();
}

std::string CapacityChartSvg(const std::string& title, const std::vector<RateStep>& steps,
                             double p99_target_ms) {
  Canvas c(title);
  double lo = 0, hi = p99_target_ms;
  for (const RateStep& s : steps) {
    for (const double low : {s.p50_ms, s.floor_p99_ms}) {
      if (low > 0 && std::isfinite(low)) lo = lo == 0 ? low : std::min(lo, low);
    }
    if (std::isfinite(s.p99_ms)) hi = std::max(hi, s.p99_ms);
    if (std::isfinite(s.floor_p99_ms)) hi = std::max(hi, s.floor_p99_ms);
  }
  const LogAxis y = FitLog(lo, hi);
  c.LogGrid(y, " ms");
  // Rates evenly spaced, as tried: the ramp is not linear.
  const size_t n = steps.size();
  const auto x = [n](size_t i) { return n <= 1 ? 0.5 : 0.06 + 0.88 * static_cast<double>(i) / static_cast<double>(n - 1); };
  std::vector<std::pair<double, double>> p50, p99, missed, floor;
  for (size_t i = 0; i < n; ++i) {
    c.TickX(x(i), Fmt(steps[i].offered_per_s) +
                      (steps[i].attempt > 1 ? " (" + std::to_string(steps[i].attempt) + ")" : ""));
    if (steps[i].floor_p99_ms > 0 && std::isfinite(steps[i].floor_p99_ms)) {
      floor.emplace_back(x(i), y.Fraction(steps[i].floor_p99_ms));
    }
    p50.emplace_back(x(i), y.Fraction(steps[i].p50_ms));
    p99.emplace_back(x(i), y.Fraction(std::isfinite(steps[i].p99_ms) ? steps[i].p99_ms : hi));
    if (!steps[i].within_target) missed.emplace_back(x(i), y.Fraction(std::isfinite(steps[i].p99_ms) ? steps[i].p99_ms : hi));
  }
  c.Line(p50, kColors[0]);
  c.Dots(p50, kColors[0]);
  c.Line(p99, kColors[1]);
  c.Dots(p99, kColors[1]);
  c.Dots(missed, "#000");
  c.Line(floor, kFloorColor, "2 3");
  c.Dots(floor, kFloorColor);
  const std::vector<LevelLine> target = {{p99_target_ms, "p99 target " + Fmt(p99_target_ms) + " ms"}};
  c.Level(y.Fraction(p99_target_ms), 0);
  c.AxisTitles("offered events per second", "latency (ms, log scale)");
  std::vector<Canvas::LegendEntry> legend = {{"p50", kColors[0]}, {"p99", kColors[1]}};
  if (!floor.empty()) legend.push_back({"NATS echo floor p99", kFloorColor, "2 3", 2});
  Canvas::AddLevels(target, &legend);
  if (!missed.empty()) legend.push_back({"black dot: p99 over target or events lost", "#000"});
  c.Legend(legend);
  return c.Finish();
}

std::string RssFitChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline,
                           const RssFitLines& fit) {
  Canvas c(title);
  constexpr double kMiB = 1 << 20;
  double lo = 0, hi = 0;
  bool any = false;
  for (const auto& p : timeline) {
    const double mib = p.rss_anon_bytes / kMiB;
    lo = any ? std::min(lo, mib) : mib;
    hi = any ? std::max(hi, mib) : mib;
    any = true;
  }
  // Round gridlines around the data, not from 0: a slope of a few MiB an
  // hour would be flat on an axis from 0. At least 0.5 MiB tall, the data
  // in its middle, so that a flat series still has gridlines to read.
  const double span = std::max(hi - lo, 0.5);
  const double step = RoundStepAtLeast(span / 5);
  const double y0 = std::floor((lo - (span - (hi - lo)) / 2) / step) * step;
  const int intervals = std::max(static_cast<int>(std::ceil((hi - y0) / step - 1e-9)),
                                 static_cast<int>(std::ceil(span / step - 1e-9)));
  const double y1 = y0 + step * intervals;
  for (int i = 0; i <= intervals; ++i)
    c.GridY(static_cast<double>(i) / intervals, Fmt(y0 + step * i));
  const AxisScale t = TimeAxis(timeline);
  TimeTicks(c, t);
  c.VerticalMarker(std::clamp(fit.from_s / t.top(), 0.0, 1.0), "end of warm-up", 0);
  std::vector<std::pair<double, double>> anon;
  for (const auto& p : timeline) {
    anon.emplace_back(p.t_s / t.top(), (p.rss_anon_bytes / kMiB - y0) / (y1 - y0));
  }
  c.Line(anon, kColors[0]);
  // The line of slope k (MiB/h) through the centre, from the warm-up to the
  // last sample, clipped to the plot.
  const double t_end = timeline.empty() ? fit.from_s : timeline.back().t_s;
  const auto fitted = [&](double k_per_hour) {
    std::vector<std::pair<double, double>> line;
    if (!std::isfinite(k_per_hour)) return line;
    const double k = k_per_hour / 3600;
    double a = fit.from_s, b = t_end;
    if (k != 0) {
      const double ta = fit.center_s + (y0 - fit.center_mib) / k;
      const double tb = fit.center_s + (y1 - fit.center_mib) / k;
      a = std::max(a, std::min(ta, tb));
      b = std::min(b, std::max(ta, tb));
    }
    if (a >= b) return line;
    for (const double x : {a, b}) {
      line.emplace_back(x / t.top(), (fit.center_mib + k * (x - fit.center_s) - y0) / (y1 - y0));
    }
    return line;
  };
  c.Line(fitted(fit.slope_mib_per_hour), "#000", "8 4");
  c.Line(fitted(fit.low_mib_per_hour), kFloorColor, "2 3", 1.5);
  c.Line(fitted(fit.high_mib_per_hour), kFloorColor, "2 3", 1.5);
  std::ostringstream slope, band;
  slope << "least-squares fit, " << Fmt(fit.slope_mib_per_hour) << " MiB/h";
  band << "95 % band of the slope, " << Fmt(fit.low_mib_per_hour) << " to "
       << Fmt(fit.high_mib_per_hour) << " MiB/h";
  std::vector<Canvas::LegendEntry> legend = {{"RssAnon (MiB)", kColors[0]},
                                             {slope.str(), "#000", "8 4", 2}};
  if (std::isfinite(fit.low_mib_per_hour) && std::isfinite(fit.high_mib_per_hour)) {
    legend.push_back({band.str(), kFloorColor, "2 3", 1.5});
  } else {
    legend.push_back({"95 % band of the slope: unbounded (too few independent samples)",
                      kFloorColor, "2 3", 1.5});
  }
  c.AxisTitles("seconds", "RssAnon (MiB)");
  c.Legend(legend);
  return c.Finish();
}

}  // namespace roseyd::report
