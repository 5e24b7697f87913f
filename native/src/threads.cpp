// Per-thread intra-op parallelism, for the data loader's worker threads: PyTorch's DataLoader sets
// torch.set_num_threads(1) in each worker process; Ocular's workers are threads, so the limit must apply
// to the calling thread only, which OpenMP's nthreads-var ICV allows (at::set_num_threads is global).
#include "shim.h"

// libgomp is linked by an OpenMP build of libtorch; weak, so that the shim still loads with another
// parallel backend (then the call reports that it cannot limit the thread).
extern "C" __attribute__((weak)) void omp_set_num_threads(int);

using namespace ocl;

// Returns 0 when the calling thread's intra-op thread count is now n, 1 when the backend has no per-thread
// setting (nothing changed), -1 on error.
OCL_API int32_t ocl_set_thread_num_threads(int32_t n) {
  OCL_TRY {
    if (n < 1) throw std::invalid_argument("the thread count must be at least 1, got " + std::to_string(n));
    if (omp_set_num_threads == nullptr) return 1;
    // at::get_num_threads() runs libtorch's lazy per-thread initialisation (at::internal::lazy_init_num_threads),
    // which would otherwise reset this thread's count to the global one at its first parallel operation.
    at::get_num_threads();
    omp_set_num_threads(n);
    return at::get_num_threads() == n ? 0 : 1;
  }
  OCL_CATCH(-1)
}

// The intra-op thread count libtorch uses on the calling thread.
OCL_API int32_t ocl_get_thread_num_threads() { return at::get_num_threads(); }
