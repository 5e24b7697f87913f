// Debian's libtorch-dev ships c10d/reducer.hpp but not the distributed-autograd headers it includes; the reducer needs
// two names from them, declared here as libtorch declares them (a shared_ptr to the context, and the gradient callback
// type, which reducer.hpp checks with a static_assert). The directory is searched after the system's (-idirafter), so a
// libtorch that ships the real header uses it.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
