#pragma once
// One recorder process in memory: its Recorder and Reconciler with the ledger, started, killed and
// started again against the same fake LiveKit, ledger and clock, which outlive it.
#include <memory>

#include "recorder/fakes.hpp"
#include "recorder/reconciler.hpp"
#include "recorder/recorded_events.hpp"
#include "recorder/recorder.hpp"

namespace ar::testing {

class RecorderProcess {
 public:
  RecorderProcess(const recording::Policy& policy, const recorder::Delivery& delivery,
                  FakeLiveKit& livekit, ManualTimers& timers, Answers& answers,
                  MemoryLedger& ledger)
      : policy_(policy),
        delivery_(delivery),
        livekit_(livekit),
        timers_(timers),
        answers_(answers),
        ledger_(ledger) {}

  void start() {
    recorder_ = std::make_unique<recorder::Recorder>(recorder::Recorder::Parts{
        policy_, delivery_, livekit_, timers_, events_, nullptr, &ledger_, ++processes_});
    reconciler_ = std::make_unique<recorder::Reconciler>(
        *recorder_, livekit_, timers_, delivery_.reconcile_interval, nullptr,
        recorder::ReconciledLedger{&ledger_, &ledger_});
    reconciler_->start();
  }
  // Killed mid-call: whatever it waited for never comes.
  void kill() {
    reconciler_->stop();
    answers_.clear();
    timers_.clear();
    reconciler_.reset();
    recorder_.reset();
  }
  void restart() {
    kill();
    start();
  }
  recorder::Recorder& recorder() { return *recorder_; }

 private:
  const recording::Policy& policy_;
  const recorder::Delivery& delivery_;
  FakeLiveKit& livekit_;
  ManualTimers& timers_;
  Answers& answers_;
  MemoryLedger& ledger_;
  RecordedEvents events_;
  std::uint64_t processes_ = 0;  // each one's seed: its own keys in the ledger
  std::unique_ptr<recorder::Recorder> recorder_;
  std::unique_ptr<recorder::Reconciler> reconciler_;
};

}  // namespace ar::testing
