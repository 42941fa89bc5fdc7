#include "cost/batch_gate.h"

namespace roseyd::cost {

void BatchGate::Arm() {
  MutexLock lock(&mu_);
  armed_ = true;
  permits_ = 0;
}

void BatchGate::AwaitHeld() {
  MutexLock lock(&mu_);
  while (!held_) changed_.Wait();
}

void BatchGate::Release() {
  MutexLock lock(&mu_);
  ++permits_;
  changed_.SignalAll();
}

void BatchGate::Open() {
  MutexLock lock(&mu_);
  armed_ = false;
  changed_.SignalAll();
}

void BatchGate::OnCommitted(std::span<const store::Event> batch,
                            std::chrono::nanoseconds commit_duration) noexcept {
  next_->OnCommitted(batch, commit_duration);
  MutexLock lock(&mu_);
  if (!armed_) return;
  held_ = true;
  changed_.SignalAll();
  while (armed_ && permits_ == 0) changed_.Wait();
  if (armed_) --permits_;
  held_ = false;
}

}  // namespace roseyd::cost
