// libtorch's CPU autocast (torch.autocast("cpu")): the thread-local switch, its data type and nesting, and the CPU
// capability ATen's kernels were dispatched for.
#include "shim.h"

#include <ATen/autocast_mode.h>
#include <ATen/Version.h>

using namespace ocl;

OCL_API void ocl_autocast_cpu_state(int32_t* enabled, int32_t* dtype) {
  *enabled = at::autocast::is_cpu_enabled() ? 1 : 0;
  *dtype = static_cast<int32_t>(at::autocast::get_autocast_cpu_dtype());
}

OCL_API int32_t ocl_autocast_cpu_set(int32_t enabled, int32_t dtype) {
  OCL_TRY {
    at::autocast::set_cpu_enabled(enabled != 0);
    at::autocast::set_autocast_cpu_dtype(static_cast<at::ScalarType>(dtype));
    return 0;
  }
  OCL_CATCH(-1)
}

// As torch.autocast's __enter__/__exit__: the nesting counts scopes; leaving the outermost clears the cache of casts.
OCL_API int32_t ocl_autocast_nesting(int32_t delta) {
  if (delta > 0) return at::autocast::increment_nesting();
  auto depth = at::autocast::decrement_nesting();
  if (depth == 0) at::autocast::clear_cache();
  return depth;
}

// "CPU capability usage: AVX2" of libtorch's build summary (torch.__config__.show()): the vector instruction set its
// kernels were dispatched for (DEFAULT, AVX2, AVX512); at::native::get_cpu_capability is not exported.
OCL_API const char* ocl_cpu_capability() {
  thread_local std::string text;
  OCL_TRY {
    auto config = at::show_config();
    const std::string key = "CPU capability usage: ";
    auto at = config.find(key);
    text = at == std::string::npos ? "" : config.substr(at + key.size(), config.find('\n', at) - at - key.size());
    return text.c_str();
  }
  OCL_CATCH(nullptr)
}
