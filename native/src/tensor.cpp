// Runtime, tensor life cycle, creation, metadata, data transfer, views and indexing.
#include "shim.h"

#include <torch/csrc/api/include/torch/version.h>

using namespace ocl;

namespace ocl {
static thread_local std::string last_error;
void set_last_error(const char* message) { last_error = message ? message : ""; }
}  // namespace ocl

// ---------------------------------------------------------------- runtime

OCL_API const char* ocl_last_error() { return ocl::last_error.c_str(); }

OCL_API const char* ocl_torch_version() { return TORCH_VERSION; }

OCL_API int32_t ocl_set_num_threads(int32_t n) {
  OCL_TRY {
    at::set_num_threads(n);
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_get_num_threads() { return at::get_num_threads(); }

OCL_API const char* ocl_parallel_info() {
  static thread_local std::string info;
  info = at::get_parallel_info();
  return info.c_str();
}

OCL_API int32_t ocl_cuda_is_available() { return at::globalContext().hasCUDA() ? 1 : 0; }

OCL_API int32_t ocl_manual_seed(uint64_t seed) {
  OCL_TRY {
    auto gen = at::detail::getDefaultCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
    if (at::globalContext().hasCUDA()) {
      for (c10::DeviceIndex i = 0; i < static_cast<c10::DeviceIndex>(at::detail::getCUDAHooks().getNumGPUs()); ++i) {
        auto cuda = at::detail::getCUDAHooks().getDefaultCUDAGenerator(i);
        std::lock_guard<std::mutex> lock(cuda.mutex());
        cuda.set_current_seed(seed);
      }
    }
    return 0;
  }
  OCL_CATCH(-1)
}

// ---------------------------------------------------------------- generators

OCL_API Handle ocl_generator_new(uint64_t seed) {
  OCL_TRY { return new at::Generator(at::make_generator<at::CPUGeneratorImpl>(seed)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_generator_default() {
  OCL_TRY { return new at::Generator(at::detail::getDefaultCPUGenerator()); }
  OCL_CATCH(nullptr)
}

OCL_API void ocl_generator_free(Handle g) { delete static_cast<at::Generator*>(g); }

OCL_API int32_t ocl_generator_set_seed(Handle g, uint64_t seed) {
  OCL_TRY {
    auto& gen = *static_cast<at::Generator*>(g);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API uint64_t ocl_generator_initial_seed(Handle g) { return static_cast<at::Generator*>(g)->current_seed(); }

OCL_API Handle ocl_generator_get_state(Handle g) {
  OCL_TRY {
    auto& gen = *static_cast<at::Generator*>(g);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return wrap(gen.get_state());
  }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_generator_set_state(Handle g, Handle state) {
  OCL_TRY {
    auto& gen = *static_cast<at::Generator*>(g);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(T(state));
    return 0;
  }
  OCL_CATCH(-1)
}

// ---------------------------------------------------------------- life cycle and metadata

OCL_API void ocl_free(Handle t) { delete static_cast<at::Tensor*>(t); }

OCL_API int32_t ocl_dim(Handle t) { return static_cast<int32_t>(T(t).dim()); }

OCL_API void ocl_sizes(Handle t, int64_t* out) {
  auto s = T(t).sizes();
  std::memcpy(out, s.data(), s.size() * sizeof(int64_t));
}

OCL_API void ocl_strides(Handle t, int64_t* out) {
  auto s = T(t).strides();
  std::memcpy(out, s.data(), s.size() * sizeof(int64_t));
}

OCL_API int32_t ocl_dtype(Handle t) { return static_cast<int32_t>(T(t).scalar_type()); }

OCL_API void ocl_device(Handle t, int32_t* type, int32_t* index) {
  auto d = T(t).device();
  *type = static_cast<int32_t>(d.type());
  *index = d.index();
}

OCL_API int64_t ocl_numel(Handle t) { return T(t).numel(); }
OCL_API int32_t ocl_is_contiguous(Handle t) { return T(t).is_contiguous() ? 1 : 0; }
OCL_API int32_t ocl_is_channels_last(Handle t) { return T(t).is_contiguous(at::MemoryFormat::ChannelsLast) ? 1 : 0; }
OCL_API int32_t ocl_requires_grad(Handle t) { return T(t).requires_grad() ? 1 : 0; }
OCL_API int32_t ocl_is_leaf(Handle t) { return T(t).is_leaf() ? 1 : 0; }
OCL_API int32_t ocl_defined(Handle t) { return T(t).defined() ? 1 : 0; }
OCL_API int64_t ocl_storage_offset(Handle t) { return T(t).storage_offset(); }

// Tensor.requires_grad_ (not set_requires_grad), so that turning it off on a non-leaf fails as in PyTorch.
OCL_API int32_t ocl_set_requires_grad(Handle t, int32_t on) {
  OCL_TRY {
    T(t).requires_grad_(on != 0);
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API const char* ocl_grad_fn_name(Handle t) {
  static thread_local std::string name;
  auto fn = T(t).grad_fn();
  name = fn ? fn->name() : "";
  return name.c_str();
}

OCL_API const char* ocl_to_string(Handle t) {
  static thread_local std::string text;
  OCL_TRY {
    std::ostringstream s;
    s << T(t);
    text = s.str();
    return text.c_str();
  }
  OCL_CATCH(nullptr)
}

// ---------------------------------------------------------------- data transfer

// Creates a tensor that owns a copy of `nbytes` bytes at `data`, interpreted with `dtype` and `dims`.
OCL_API Handle ocl_from_data(const void* data, int64_t nbytes, const int64_t* shape, int32_t n, int32_t dtype) {
  OCL_TRY {
    auto t = at::empty(dims(shape, n), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
    int64_t expected = t.numel() * static_cast<int64_t>(t.element_size());
    if (expected != nbytes) {
      throw std::invalid_argument("data holds " + std::to_string(nbytes) + " bytes but shape " +
                                  c10::str(t.sizes()) + " of " + std::string(c10::toString(t.scalar_type())) +
                                  " needs " + std::to_string(expected));
    }
    if (nbytes > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
    return wrap(std::move(t));
  }
  OCL_CATCH(nullptr)
}

// Copies the elements (row-major) into `dst`, which holds `nbytes` bytes.
OCL_API int32_t ocl_copy_to_buffer(Handle t, void* dst, int64_t nbytes) {
  OCL_TRY {
    auto c = T(t).detach().to(at::kCPU).contiguous();
    int64_t have = c.numel() * static_cast<int64_t>(c.element_size());
    if (have != nbytes) {
      throw std::invalid_argument("tensor holds " + std::to_string(have) + " bytes but the buffer has " +
                                  std::to_string(nbytes));
    }
    if (nbytes > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(nbytes));
    return 0;
  }
  OCL_CATCH(-1)
}

// The address of the first element of a contiguous CPU tensor (null with an error otherwise).
OCL_API void* ocl_data_ptr(Handle t) {
  OCL_TRY {
    auto& x = T(t);
    if (!x.device().is_cpu() || !x.is_contiguous()) throw std::invalid_argument("data_ptr needs a contiguous CPU tensor");
    return x.data_ptr();
  }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_item_double(Handle t, double* out) {
  OCL_TRY {
    *out = T(t).item<double>();
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_item_long(Handle t, int64_t* out) {
  OCL_TRY {
    *out = T(t).item<int64_t>();
    return 0;
  }
  OCL_CATCH(-1)
}

// ---------------------------------------------------------------- creation

OCL_API Handle ocl_empty(const int64_t* shape, int32_t n, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::empty(dims(shape, n), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_zeros(const int64_t* shape, int32_t n, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::zeros(dims(shape, n), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_ones(const int64_t* shape, int32_t n, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::ones(dims(shape, n), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_full(const int64_t* shape, int32_t n, Scalar value, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::full(dims(shape, n), to_scalar(value), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_arange(Scalar start, Scalar end, Scalar step, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::arange(to_scalar(start), to_scalar(end), to_scalar(step), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::linspace(start, end, steps, options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_eye(int64_t n, int64_t m, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::eye(n, m, options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_rand(const int64_t* shape, int32_t n, Handle gen, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::rand(dims(shape, n), generator(gen), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_randn(const int64_t* shape, int32_t n, Handle gen, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::randn(dims(shape, n), generator(gen), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_randint(int64_t low, int64_t high, const int64_t* shape, int32_t n, Handle gen, int32_t dtype,
                           int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::randint(low, high, dims(shape, n), generator(gen), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_randperm(int64_t count, Handle gen, int32_t dtype, int32_t dev, int32_t idx) {
  OCL_TRY { return wrap(at::randperm(count, generator(gen), options(dtype, dev, idx))); }
  OCL_CATCH(nullptr)
}

// Bernoulli draws with the probabilities in `p` (same shape as the result).
OCL_API Handle ocl_bernoulli(Handle p, Handle gen) {
  OCL_TRY { return wrap(at::bernoulli(T(p), generator(gen))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_multinomial(Handle p, int64_t samples, int32_t replacement, Handle gen) {
  OCL_TRY { return wrap(at::multinomial(T(p), samples, replacement != 0, generator(gen))); }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_uniform_(Handle t, double from, double to, Handle gen) {
  OCL_TRY {
    T(t).uniform_(from, to, generator(gen));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_normal_(Handle t, double mean, double std, Handle gen) {
  OCL_TRY {
    T(t).normal_(mean, std, generator(gen));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_bernoulli_(Handle t, double p, Handle gen) {
  OCL_TRY {
    T(t).bernoulli_(p, generator(gen));
    return 0;
  }
  OCL_CATCH(-1)
}

// ---------------------------------------------------------------- conversion

OCL_API Handle ocl_to(Handle t, int32_t dtype, int32_t dev, int32_t idx, int32_t copy) {
  OCL_TRY {
    return wrap(T(t).to(at::Device(static_cast<at::DeviceType>(dev), static_cast<c10::DeviceIndex>(idx)),
                        static_cast<at::ScalarType>(dtype), /*non_blocking=*/false, copy != 0));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_clone(Handle t) {
  OCL_TRY { return wrap(T(t).clone()); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_contiguous(Handle t) {
  OCL_TRY { return wrap(T(t).contiguous()); }
  OCL_CATCH(nullptr)
}

// x.to(memory_format=torch.channels_last): a 4-D tensor with NHWC strides. Not contiguous(ChannelsLast): a tensor whose
// strides fit both layouts (a 1×1 kernel [O, I, 1, 1] stored row-major) would be returned as it is, and convolutions,
// which pick their path from suggest_memory_format(), would take it for NCHW — a bfloat16 block of ResNet-50's layer4
// then ran 3× slower than PyTorch's. to() restrides it unless its strides already suggest channels-last.
OCL_API Handle ocl_channels_last(Handle t) {
  OCL_TRY {
    auto& x = T(t);
    return wrap(x.to(x.options(), /*non_blocking=*/false, /*copy=*/false, at::MemoryFormat::ChannelsLast));
  }
  OCL_CATCH(nullptr)
}

// A new handle to the same tensor (shares storage and autograd identity).
OCL_API Handle ocl_alias(Handle t) {
  OCL_TRY { return wrap(T(t)); }
  OCL_CATCH(nullptr)
}

// ---------------------------------------------------------------- views

OCL_API Handle ocl_reshape(Handle t, const int64_t* shape, int32_t n) {
  OCL_TRY { return wrap(T(t).reshape(dims(shape, n))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_view(Handle t, const int64_t* shape, int32_t n) {
  OCL_TRY { return wrap(T(t).view(dims(shape, n))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_permute(Handle t, const int64_t* order, int32_t n) {
  OCL_TRY { return wrap(T(t).permute(dims(order, n))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_transpose(Handle t, int64_t d0, int64_t d1) {
  OCL_TRY { return wrap(T(t).transpose(d0, d1)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_squeeze(Handle t) {
  OCL_TRY { return wrap(T(t).squeeze()); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_squeeze_dim(Handle t, int64_t dim) {
  OCL_TRY { return wrap(T(t).squeeze(dim)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_unsqueeze(Handle t, int64_t dim) {
  OCL_TRY { return wrap(T(t).unsqueeze(dim)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_expand(Handle t, const int64_t* shape, int32_t n) {
  OCL_TRY { return wrap(T(t).expand(dims(shape, n))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_flatten(Handle t, int64_t start, int64_t end) {
  OCL_TRY { return wrap(T(t).flatten(start, end)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_narrow(Handle t, int64_t dim, int64_t start, int64_t length) {
  OCL_TRY { return wrap(T(t).narrow(dim, start, length)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_select(Handle t, int64_t dim, int64_t index) {
  OCL_TRY { return wrap(T(t).select(dim, index)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_slice(Handle t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  OCL_TRY { return wrap(T(t).slice(dim, start, end, step)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_as_strided(Handle t, const int64_t* size, const int64_t* stride, int32_t n, int64_t offset) {
  OCL_TRY { return wrap(T(t).as_strided(dims(size, n), dims(stride, n), offset)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_repeat(Handle t, const int64_t* reps, int32_t n) {
  OCL_TRY { return wrap(T(t).repeat(dims(reps, n))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_flip(Handle t, const int64_t* ds, int32_t n) {
  OCL_TRY { return wrap(T(t).flip(dims(ds, n))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_roll(Handle t, const int64_t* shifts, const int64_t* ds, int32_t n) {
  OCL_TRY { return wrap(T(t).roll(dims(shifts, n), dims(ds, n))); }
  OCL_CATCH(nullptr)
}

// ---------------------------------------------------------------- joining and splitting

OCL_API Handle ocl_cat(const Handle* ts, int32_t n, int64_t dim) {
  OCL_TRY { return wrap(at::cat(tensors(ts, n), dim)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_stack(const Handle* ts, int32_t n, int64_t dim) {
  OCL_TRY { return wrap(at::stack(tensors(ts, n), dim)); }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_split(Handle t, int64_t size, int64_t dim, Handle* out, int32_t cap) {
  OCL_TRY { return write_list(T(t).split(size, dim), out, cap); }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_split_sizes(Handle t, const int64_t* sizes, int32_t n, int64_t dim, Handle* out, int32_t cap) {
  OCL_TRY { return write_list(T(t).split_with_sizes(dims(sizes, n), dim), out, cap); }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_chunk(Handle t, int64_t chunks, int64_t dim, Handle* out, int32_t cap) {
  OCL_TRY { return write_list(T(t).chunk(chunks, dim), out, cap); }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_unbind(Handle t, int64_t dim, Handle* out, int32_t cap) {
  OCL_TRY { return write_list(T(t).unbind(dim), out, cap); }
  OCL_CATCH(-1)
}

// ---------------------------------------------------------------- indexing

OCL_API Handle ocl_index_select(Handle t, int64_t dim, Handle index) {
  OCL_TRY { return wrap(T(t).index_select(dim, T(index))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_gather(Handle t, int64_t dim, Handle index) {
  OCL_TRY { return wrap(T(t).gather(dim, T(index))); }
  OCL_CATCH(nullptr)
}

// reduce: 0 = replace, 1 = add
OCL_API Handle ocl_scatter(Handle t, int64_t dim, Handle index, Handle src, int32_t reduce) {
  OCL_TRY {
    if (reduce == 1) return wrap(T(t).scatter_add(dim, T(index), T(src)));
    return wrap(T(t).scatter(dim, T(index), T(src)));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_scatter_value(Handle t, int64_t dim, Handle index, Scalar value) {
  OCL_TRY { return wrap(T(t).scatter(dim, T(index), to_scalar(value))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_masked_fill(Handle t, Handle mask, Scalar value) {
  OCL_TRY { return wrap(T(t).masked_fill(T(mask), to_scalar(value))); }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_masked_fill_(Handle t, Handle mask, Scalar value) {
  OCL_TRY {
    T(t).masked_fill_(T(mask), to_scalar(value));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API Handle ocl_masked_select(Handle t, Handle mask) {
  OCL_TRY { return wrap(T(t).masked_select(T(mask))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_nonzero(Handle t) {
  OCL_TRY { return wrap(T(t).nonzero()); }
  OCL_CATCH(nullptr)
}

// Python-style indexing t[i0, i1, ...] through libtorch's own implementation of Python's rules
// (ATen/TensorIndexing.h, the code behind torch's __getitem__ and __setitem__), so that views,
// ellipsis, None, masks, index tensors and their error messages are exactly PyTorch's.
// Entry k: kinds[k] = 0 integer (values[3k]), 1 slice (values[3k..3k+2] = start, stop, step),
// 2 ellipsis, 3 None (new axis), 4 tensor (tensors[k]).
static std::vector<at::indexing::TensorIndex> python_indices(const int32_t* kinds, const int64_t* values,
                                                               const Handle* ts, int32_t n) {
  std::vector<at::indexing::TensorIndex> v;
  v.reserve(static_cast<size_t>(n));
  for (int32_t k = 0; k < n; ++k) {
    const int64_t* x = values + 3 * k;
    switch (kinds[k]) {
      case 0: v.emplace_back(x[0]); break;
      case 1: v.emplace_back(at::indexing::Slice(x[0], x[1], x[2])); break;
      case 2: v.emplace_back(at::indexing::Ellipsis); break;
      case 3: v.emplace_back(c10::nullopt); break;
      case 4: v.emplace_back(T(ts[k])); break;
      default: throw std::invalid_argument("unknown index kind code " + std::to_string(kinds[k]));
    }
  }
  return v;
}

OCL_API Handle ocl_index_get(Handle t, const int32_t* kinds, const int64_t* values, const Handle* ts, int32_t n) {
  OCL_TRY { return wrap(T(t).index(python_indices(kinds, values, ts, n))); }
  OCL_CATCH(nullptr)
}

// t[i0, i1, ...] = value (a tensor, broadcast; or, when `value` is null, the scalar `scalar`).
OCL_API int32_t ocl_index_set(Handle t, const int32_t* kinds, const int64_t* values, const Handle* ts, int32_t n,
                              Handle value, Scalar scalar) {
  OCL_TRY {
    auto indices = python_indices(kinds, values, ts, n);
    if (value != nullptr) T(t).index_put_(indices, T(value));
    else T(t).index_put_(indices, to_scalar(scalar));
    return 0;
  }
  OCL_CATCH(-1)
}

static c10::List<c10::optional<at::Tensor>> index_list(const Handle* idx, int32_t n) {
  c10::List<c10::optional<at::Tensor>> list;
  list.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) list.push_back(opt(idx[i]));
  return list;
}

// Advanced indexing t[i0, i1, ...] with index tensors; a null handle stands for a full slice.
OCL_API Handle ocl_index(Handle t, const Handle* idx, int32_t n) {
  OCL_TRY { return wrap(at::index(T(t), index_list(idx, n))); }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_index_put_(Handle t, const Handle* idx, int32_t n, Handle values, int32_t accumulate) {
  OCL_TRY {
    T(t).index_put_(index_list(idx, n), T(values), accumulate != 0);
    return 0;
  }
  OCL_CATCH(-1)
}

// ---------------------------------------------------------------- allocator tuning

#include <malloc.h>

// glibc serves large blocks (activations, gradients) with fresh mmap'd pages and returns them on
// free; under the .NET runtime its adaptive threshold rarely rises, so every conv forward/backward
// page-faults thousands of times (measured 4–5× PyTorch's faults, 6 ms → 185 ms per step on a loaded
// machine). Keeping blocks up to 64 MB on the heap and trimming only above 256 MB restores PyTorch's
// speed. Runs once when the shim loads; OCULAR_KEEP_MALLOC=1 leaves glibc's defaults alone.
__attribute__((constructor)) static void ocl_tune_allocator() {
  const char* keep = std::getenv("OCULAR_KEEP_MALLOC");
  if (keep != nullptr && std::string(keep) == "1") return;
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
}

// libtorch builds its registry of deprecated type properties (some 530 small objects that live as long as the
// process) on first use, and the first user on a training path is upsample_bilinear2d's CPU kernel: in the first
// training step of a prototype network (the alignment loss), when the heap is full of that step's activations. The
// registry's objects then land between the freed activations and pin them apart, so that later steps cannot reuse
// those holes for same-sized activations (libtorch's 64-byte-aligned blocks need a little more than the block
// freed) and grow the heap instead: the LVW training step at batch 80 peaked at 5.0–5.5 GB instead of 3.9–4.2 GB.
// PyTorch builds the registry at import. Building it here, while the heap is still empty, does the same.
__attribute__((constructor)) static void ocl_build_global_registries() {
  try {
    (void)at::globalDeprecatedTypePropertiesRegistry();
  } catch (...) {
    // Only a placement choice: libtorch builds the registry on first use anyway.
  }
}
