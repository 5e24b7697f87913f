// The process group shared by distributed.cpp (rendezvous, collectives) and reducer.cpp (DDP's gradient reducer, the
// differentiable all-reduce of synchronised batch norm).
#pragma once

#include "shim.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace ocl {

struct Group {
  c10::intrusive_ptr<c10d::TCPStore> tcp;
  c10::intrusive_ptr<c10d::Store> store;   // PrefixStore("default_pg", tcp)
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank;
  int size;
  std::chrono::milliseconds timeout;

  // Every rank counts up its key in the store once per interval while it lives, so that a failed collective can name
  // the ranks that stopped (see ocl_dist_diagnose).
  static constexpr std::chrono::milliseconds heartbeat_interval{500};
  std::thread heartbeat;
  std::mutex heartbeat_mutex;
  std::condition_variable heartbeat_wake;
  bool stopping = false;

  void start_heartbeat();
  ~Group();
};

inline std::string heartbeat_key(int rank) { return "ocular/heartbeat/" + std::to_string(rank); }

inline Group& G(Handle h) { return *static_cast<Group*>(h); }

// Waits for a collective within the group's timeout; a failure or timeout throws.
inline void wait(const c10::intrusive_ptr<c10d::Work>& work, const Group& g) {
  if (!work->wait(g.timeout)) throw std::runtime_error("the collective did not complete");
}

}  // namespace ocl
