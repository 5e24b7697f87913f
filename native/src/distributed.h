// The process group shared by distributed.cpp (rendezvous, collectives) and reducer.cpp (DDP's gradient reducer, the
// differentiable all-reduce of synchronised batch norm).
#pragma once

#include "shim.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>

namespace ocl {

struct Group {
  c10::intrusive_ptr<c10d::TCPStore> tcp;
  c10::intrusive_ptr<c10d::Store> store;   // PrefixStore("default_pg", tcp)
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank;
  int size;
  std::chrono::milliseconds timeout;
};

inline Group& G(Handle h) { return *static_cast<Group*>(h); }

// Waits for a collective within the group's timeout; a failure or timeout throws.
inline void wait(const c10::intrusive_ptr<c10d::Work>& work, const Group& g) {
  if (!work->wait(g.timeout)) throw std::runtime_error("the collective did not complete");
}

}  // namespace ocl
