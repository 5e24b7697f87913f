// Common definitions of Ocular's C ABI shim over libtorch.
//
// Rules (see DESIGN.md): C ABI only, opaque handles, plain scalars and pointers. No C++
// exception crosses the boundary: every entry point catches, stores the message in a
// thread-local "last error" and returns a failure value (null handle or -1).
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/autograd/function.h>
#include <c10/core/InferenceMode.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#define OCL_API extern "C" __attribute__((visibility("default")))

namespace ocl {

void set_last_error(const char* message);

// A scalar as C# passes it: the kind says which field holds the value.
struct Scalar {
  double d;
  int64_t i;
  int32_t kind;  // 0 = floating, 1 = integral, 2 = boolean
};

inline at::Scalar to_scalar(Scalar s) {
  switch (s.kind) {
    case 1: return at::Scalar(s.i);
    case 2: return at::Scalar(s.i != 0);
    default: return at::Scalar(s.d);
  }
}

using Handle = void*;

inline at::Tensor& T(Handle h) { return *static_cast<at::Tensor*>(h); }

// An optional tensor argument: a null handle means "absent".
inline c10::optional<at::Tensor> opt(Handle h) {
  if (h == nullptr) return c10::nullopt;
  return T(h);
}

inline Handle wrap(at::Tensor t) { return new at::Tensor(std::move(t)); }

inline at::IntArrayRef dims(const int64_t* p, int32_t n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

inline std::vector<at::Tensor> tensors(const Handle* hs, int32_t n) {
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) v.push_back(T(hs[i]));
  return v;
}

// Writes the tensors of a result list into a caller-provided array of capacity `cap`.
// Returns the number written, or -1 (with the error set) when the array is too small.
inline int32_t write_list(const std::vector<at::Tensor>& v, Handle* out, int32_t cap) {
  if (static_cast<int64_t>(v.size()) > cap) {
    set_last_error(("result has " + std::to_string(v.size()) + " tensors but the caller expected at most " +
                    std::to_string(cap)).c_str());
    return -1;
  }
  for (size_t i = 0; i < v.size(); ++i) out[i] = wrap(v[i]);
  return static_cast<int32_t>(v.size());
}

inline at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  return at::TensorOptions()
      .dtype(static_cast<at::ScalarType>(dtype))
      .device(at::Device(static_cast<at::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index)));
}

inline c10::optional<at::Generator> generator(Handle g) {
  if (g == nullptr) return c10::nullopt;
  return *static_cast<at::Generator*>(g);
}

// Reduction codes as C# passes them: 0 none, 1 mean, 2 sum (torch's at::Reduction values).
inline int64_t reduction(int32_t r) { return static_cast<int64_t>(r); }

}  // namespace ocl

// Entry-point bodies: OCL_TRY { ... } OCL_CATCH(failure value)
#define OCL_TRY try
#define OCL_CATCH(failure)                                  \
  catch (const c10::Error& e) {                             \
    ocl::set_last_error(e.what_without_backtrace());        \
    return failure;                                         \
  }                                                         \
  catch (const std::exception& e) {                         \
    ocl::set_last_error(e.what());                          \
    return failure;                                         \
  }                                                         \
  catch (...) {                                             \
    ocl::set_last_error("unknown native error");            \
    return failure;                                         \
  }
