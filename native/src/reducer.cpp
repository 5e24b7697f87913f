// The parts of torch.distributed that act inside the backward pass: DistributedDataParallel's gradient reducer
// (c10d::Reducer, libtorch's own) and the differentiable all-reduce on which synchronised batch norm rests.
#include "distributed.h"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <algorithm>
#include <limits>

using namespace ocl;

namespace {

// DistributedDataParallel's reducer, set up as torch/nn/parallel/distributed.py (1.13) sets it up: one bucket for the
// first iteration (find_unused_parameters off), rebuilt after it in the order the gradients became ready (1 MB first
// bucket — or `bucket_bytes` when smaller — then `bucket_bytes`), so that each bucket's all-reduce starts while the backward pass goes on.
struct DataParallelReducer {
  std::unique_ptr<c10d::Reducer> reducer;
  bool find_unused;
};

DataParallelReducer& R(Handle h) { return *static_cast<DataParallelReducer*>(h); }

// y = Σ_ranks x; its backward is the same sum of the ranks' output gradients (torch.distributed.nn's all_reduce):
// every rank's loss depends on every rank's x through y.
struct AllReduceSum : public torch::autograd::Function<AllReduceSum> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, int64_t group) {
    ctx->saved_data["group"] = group;
    return reduce(x.clone(), group);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    return {reduce(grads[0].clone(), ctx->saved_data["group"].toInt()), at::Tensor()};
  }

  static at::Tensor reduce(at::Tensor t, int64_t group) {
    auto& g = G(reinterpret_cast<Handle>(group));
    std::vector<at::Tensor> tensors{t};
    c10d::AllreduceOptions options;
    options.timeout = g.timeout;
    wait(g.pg->allreduce(tensors, options), g);
    return t;
  }
};

}  // namespace

// params: the parameters whose gradients are averaged, in model order. bucket_bytes: DDP's bucket_cap_mb in bytes.
OCL_API Handle ocl_dist_reducer_new(Handle group, const Handle* params, int32_t n, int64_t bucket_bytes, int32_t find_unused) {
  OCL_TRY {
    auto parameters = tensors(params, n);
    std::vector<bool> sparse(parameters.size(), false);
    std::vector<size_t> limits = find_unused
        ? std::vector<size_t>{static_cast<size_t>(c10d::kDefaultFirstBucketBytes), static_cast<size_t>(bucket_bytes)}
        : std::vector<size_t>{std::numeric_limits<size_t>::max()};
    auto [indices, per_bucket] = c10d::compute_bucket_assignment_by_size(parameters, limits, sparse);
    std::reverse(indices.begin(), indices.end());
    std::reverse(per_bucket.begin(), per_bucket.end());
    auto r = std::make_unique<DataParallelReducer>();
    r->find_unused = find_unused != 0;
    r->reducer = std::make_unique<c10d::Reducer>(parameters, indices, per_bucket, G(group).pg, sparse, bucket_bytes,
                                                 r->find_unused, /*gradient_as_bucket_view=*/false,
                                                 std::unordered_map<size_t, std::string>{},
                                                 std::min<int64_t>(c10d::kDefaultFirstBucketBytes, bucket_bytes));
    return r.release();
  }
  OCL_CATCH(nullptr)
}

OCL_API void ocl_dist_reducer_free(Handle h) { delete static_cast<DataParallelReducer*>(h); }

// Before a backward pass whose gradients are to be averaged (DDP's forward does this): the buckets are rebuilt once,
// after the first iteration, then the reducer expects every parameter's gradient (or, with find_unused, looks for the
// parameters `output` does not depend on).
OCL_API int32_t ocl_dist_reducer_prepare(Handle h, Handle output) {
  OCL_TRY {
    auto& r = R(h);
    r.reducer->rebuild_buckets();
    std::vector<at::Tensor> outputs;
    if (r.find_unused) outputs.push_back(T(output));
    r.reducer->prepare_for_backward(outputs);
    return 0;
  }
  OCL_CATCH(-1)
}

// Σ over the ranks of `x`, differentiable: the backward pass sums the ranks' gradients the same way.
OCL_API Handle ocl_dist_all_reduce_autograd(Handle group, Handle x) {
  OCL_TRY { return wrap(AllReduceSum::apply(T(x), reinterpret_cast<int64_t>(group))); }
  OCL_CATCH(nullptr)
}
