#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace roseyd::report {

namespace {

constexpr double kW = 800, kH = 400, kLeft = 70, kRight = 70, kTop = 40, kBottom = 50;
constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};

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
  s << (std::fabs(v) >= 100 ? std::round(v) : std::round(v * 100) / 100);
  return s.str();
}

// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten.
double NiceMax(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10, std::floor(std::log10(v)));
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (v <= m * p) return m * p;
  }
  return 10 * p;
}

class Canvas {
 public:
  explicit Canvas(const std::string& title) {
    svg_ << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kW << "\" height=\"" << kH
         << "\" viewBox=\"0 0 " << kW << " " << kH << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
         << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
         << "<text x=\"" << kW / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
         << Escape(title) << "</text>\n"
         << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kW - kLeft - kRight
         << "\" height=\"" << kH - kTop - kBottom << "\" fill=\"none\" stroke=\"#444\"/>\n";
  }
  double X(double fraction) const { return kLeft + fraction * (kW - kLeft - kRight); }
  double Y(double fraction) const { return kH - kBottom - fraction * (kH - kTop - kBottom); }

  void Text(double x, double y, const std::string& text, const char* anchor = "middle",
            const char* color = "#222") {
    svg_ << "<text x=\"" << x << "\" y=\"" << y << "\" text-anchor=\"" << anchor << "\" fill=\""
         << color << "\">" << Escape(text) << "</text>\n";
  }
  void GridY(double fraction, const std::string& label, const std::string& right_label = "") {
    const double y = Y(fraction);
    svg_ << "<line x1=\"" << X(0) << "\" y1=\"" << y << "\" x2=\"" << X(1) << "\" y2=\"" << y
         << "\" stroke=\"#ddd\"/>\n";
    Text(X(0) - 6, y + 4, label, "end");
    if (!right_label.empty()) Text(X(1) + 6, y + 4, right_label, "start");
  }
  void TickX(double fraction, const std::string& label) {
    const double x = X(fraction);
    svg_ << "<line x1=\"" << x << "\" y1=\"" << Y(0) << "\" x2=\"" << x << "\" y2=\"" << Y(0) + 5
         << "\" stroke=\"#444\"/>\n";
    Text(x, Y(0) + 18, label);
  }
  void Line(const std::vector<std::pair<double, double>>& points, const char* color) {
    if (points.empty()) return;
    svg_ << "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" << color << "\" points=\"";
    for (const auto& [fx, fy] : points) svg_ << X(fx) << "," << Y(fy) << " ";
    svg_ << "\"/>\n";
  }
  void Legend(int row, const std::string& label, const char* color) {
    const double y = kTop + 16 + 16 * row;
    svg_ << "<rect x=\"" << X(0) + 10 << "\" y=\"" << y - 9 << "\" width=\"12\" height=\"4\" fill=\""
         << color << "\"/>\n";
    Text(X(0) + 28, y - 3, label, "start");
  }
  void AxisTitles(const std::string& x, const std::string& y, const std::string& y2 = "") {
    Text(kW / 2, kH - 12, x);
    svg_ << "<text x=\"16\" y=\"" << kH / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
         << kH / 2 << ")\">" << Escape(y) << "</text>\n";
    if (!y2.empty()) {
      svg_ << "<text x=\"" << kW - 14 << "\" y=\"" << kH / 2 << "\" text-anchor=\"middle\" transform=\"rotate(90 "
           << kW - 14 << " " << kH / 2 << ")\">" << Escape(y2) << "</text>\n";
    }
  }
  std::string Finish() {
    svg_ << "</svg>\n";
    return svg_.str();
  }

 private:
  std::ostringstream svg_;
};

}  // namespace

std::string PercentileChartSvg(const std::string& title, const std::vector<LatencySeries>& series) {
  constexpr double kNines = 4;  // up to 99.99 %
  Canvas c(title);
  double max_ms = 0;
  for (const auto& s : series) {
    for (const auto& b : s.buckets) max_ms = std::max(max_ms, static_cast<double>(b.upper_ns) / 1e6);
  }
  const double top = NiceMax(max_ms);
  for (int i = 0; i <= 4; ++i) c.GridY(i / 4.0, Fmt(top * i / 4));
  const char* labels[] = {"0%", "90%", "99%", "99.9%", "99.99%"};
  for (int i = 0; i <= 4; ++i) c.TickX(i / kNines, labels[i]);
  for (size_t k = 0; k < series.size(); ++k) {
    uint64_t total = 0;
    for (const auto& b : series[k].buckets) total += b.count;
    std::vector<std::pair<double, double>> points;
    uint64_t seen = 0;
    double last_x = 0;
    for (const auto& b : series[k].buckets) {
      const double ms = static_cast<double>(b.upper_ns) / 1e6 / top;
      points.emplace_back(last_x, ms);  // a step: flat across the bucket's share
      seen += b.count;
      const double rest = 1.0 - static_cast<double>(seen) / static_cast<double>(total);
      last_x = std::min(1.0, (rest > 0 ? -std::log10(rest) : kNines) / kNines);
      points.emplace_back(last_x, ms);
    }
    const char* color = kColors[k % 4];
    c.Line(points, color);
    c.Legend(static_cast<int>(k), series[k].label, color);
  }
  c.AxisTitles("percentile", "latency (ms)");
  return c.Finish();
}

std::string TimelineChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline) {
  Canvas c(title);
  double t_max = 0, rate_max = 0, rss_max = 0;
  for (const auto& p : timeline) {
    t_max = std::max(t_max, p.t_s);
    rate_max = std::max({rate_max, p.sent_per_s, p.persisted_per_s});
    rss_max = std::max(rss_max, p.rss_bytes / (1 << 20));
  }
  const double rate_top = NiceMax(rate_max), rss_top = NiceMax(rss_max), t_top = NiceMax(t_max);
  for (int i = 0; i <= 4; ++i) c.GridY(i / 4.0, Fmt(rate_top * i / 4), Fmt(rss_top * i / 4));
  for (int i = 0; i <= 5; ++i) c.TickX(i / 5.0, Fmt(t_top * i / 5));
  std::vector<std::pair<double, double>> sent, persisted, rss;
  for (const auto& p : timeline) {
    sent.emplace_back(p.t_s / t_top, p.sent_per_s / rate_top);
    persisted.emplace_back(p.t_s / t_top, p.persisted_per_s / rate_top);
    rss.emplace_back(p.t_s / t_top, p.rss_bytes / (1 << 20) / rss_top);
  }
  c.Line(sent, kColors[0]);
  c.Line(persisted, kColors[2]);
  c.Line(rss, kColors[1]);
  c.Legend(0, "sent per second", kColors[0]);
  c.Legend(1, "persisted per second", kColors[2]);
  c.Legend(2, "RSS (MiB, right axis)", kColors[1]);
  c.AxisTitles("seconds", "events per second", "RSS (MiB)");
  return c.Finish();
}

}  // namespace roseyd::report
