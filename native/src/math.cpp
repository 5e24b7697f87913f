// Element-wise operations, comparisons, reductions and linear algebra.
//
// Element-wise families take an operation code (the C# enums UnaryOp / BinaryOp mirror these
// switch labels): one entry point per family keeps the shim thin without losing anything.
#include "shim.h"

using namespace ocl;

namespace {

at::Tensor unary(int32_t op, const at::Tensor& t) {
  switch (op) {
    case 0: return at::neg(t);
    case 1: return at::abs(t);
    case 2: return at::exp(t);
    case 3: return at::log(t);
    case 4: return at::sqrt(t);
    case 5: return at::rsqrt(t);
    case 6: return at::sigmoid(t);
    case 7: return at::tanh(t);
    case 8: return at::relu(t);
    case 9: return at::sin(t);
    case 10: return at::cos(t);
    case 11: return at::floor(t);
    case 12: return at::ceil(t);
    case 13: return at::round(t);
    case 14: return at::sign(t);
    case 15: return at::reciprocal(t);
    case 16: return at::square(t);
    case 17: return at::logical_not(t);
    case 18: return at::isnan(t);
    case 19: return at::log1p(t);
    case 20: return at::expm1(t);
    case 21: return at::log2(t);
    case 22: return at::erf(t);
    case 23: return at::gelu(t);
    case 24: return at::silu(t);
    case 25: return at::softplus(t);
    case 26: return at::hardtanh(t, 0.0, 6.0);
    case 27: return at::log_sigmoid(t);
    case 28: return at::trunc(t);
    case 29: return at::isinf(t);
    case 30: return at::isfinite(t);
    case 31: return at::bitwise_not(t);
    default: throw std::invalid_argument("unknown unary operation code " + std::to_string(op));
  }
}

void unary_(int32_t op, at::Tensor& t) {
  switch (op) {
    case 0: t.neg_(); return;
    case 1: t.abs_(); return;
    case 2: t.exp_(); return;
    case 3: t.log_(); return;
    case 4: t.sqrt_(); return;
    case 5: t.rsqrt_(); return;
    case 6: t.sigmoid_(); return;
    case 7: t.tanh_(); return;
    case 8: t.relu_(); return;
    case 11: t.floor_(); return;
    case 12: t.ceil_(); return;
    case 13: t.round_(); return;
    case 15: t.reciprocal_(); return;
    case 16: t.square_(); return;
    default: throw std::invalid_argument("unary operation code " + std::to_string(op) + " has no in-place form");
  }
}

at::Tensor binary(int32_t op, const at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case 0: return at::add(a, b);
    case 1: return at::sub(a, b);
    case 2: return at::mul(a, b);
    case 3: return at::div(a, b);
    case 4: return at::pow(a, b);
    case 5: return at::remainder(a, b);
    case 6: return at::maximum(a, b);
    case 7: return at::minimum(a, b);
    case 8: return at::eq(a, b);
    case 9: return at::ne(a, b);
    case 10: return at::lt(a, b);
    case 11: return at::le(a, b);
    case 12: return at::gt(a, b);
    case 13: return at::ge(a, b);
    case 14: return at::logical_and(a, b);
    case 15: return at::logical_or(a, b);
    case 16: return at::logical_xor(a, b);
    case 17: return at::div(a, b, "floor");
    case 18: return at::atan2(a, b);
    case 19: return at::bitwise_and(a, b);
    case 20: return at::bitwise_or(a, b);
    default: throw std::invalid_argument("unknown binary operation code " + std::to_string(op));
  }
}

// Python's `t + 2`, `t * 0.5`, `t / 3`, `t // 2` pass the number as a wrapped-number tensor (the
// Scalar overloads of add/sub/mul/div are not bound in Python), so they take the default branch and
// record the same autograd nodes (AddBackward0, MulBackward0, …); pow, remainder and comparisons
// have Scalar overloads in Python too.
at::Tensor binary_scalar(int32_t op, const at::Tensor& a, const at::Scalar& s) {
  switch (op) {
    case 4: return at::pow(a, s);
    case 5: return at::remainder(a, s);
    case 8: return at::eq(a, s);
    case 9: return at::ne(a, s);
    case 10: return at::lt(a, s);
    case 11: return at::le(a, s);
    case 12: return at::gt(a, s);
    case 13: return at::ge(a, s);
    default: {
      // The scalar joins as a "wrapped number", so type promotion is that of a Python scalar.
      auto st = c10::scalar_to_tensor(s, a.device());
      st.unsafeGetTensorImpl()->set_wrapped_number(true);
      return binary(op, a, st);
    }
  }
}

void binary_(int32_t op, at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case 0: a.add_(b); return;
    case 1: a.sub_(b); return;
    case 2: a.mul_(b); return;
    case 3: a.div_(b); return;
    case 4: a.pow_(b); return;
    case 6: a.copy_(at::maximum(a, b)); return;
    case 7: a.copy_(at::minimum(a, b)); return;
    default: throw std::invalid_argument("binary operation code " + std::to_string(op) + " has no in-place form");
  }
}

void binary_scalar_(int32_t op, at::Tensor& a, const at::Scalar& s) {
  switch (op) {
    case 0: a.add_(s); return;
    case 1: a.sub_(s); return;
    case 2: a.mul_(s); return;
    case 3: a.div_(s); return;
    case 4: a.pow_(s); return;
    default: throw std::invalid_argument("binary operation code " + std::to_string(op) + " has no in-place scalar form");
  }
}

at::OptionalIntArrayRef opt_dims(const int64_t* p, int32_t n) {
  if (n < 0) return c10::nullopt;
  return at::IntArrayRef(p, static_cast<size_t>(n));
}

c10::optional<at::ScalarType> opt_dtype(int32_t dtype) {
  if (dtype < 0) return c10::nullopt;
  return static_cast<at::ScalarType>(dtype);
}

}  // namespace

// ---------------------------------------------------------------- element-wise

OCL_API Handle ocl_unary(int32_t op, Handle t) {
  OCL_TRY { return wrap(unary(op, T(t))); }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_unary_(int32_t op, Handle t) {
  OCL_TRY {
    unary_(op, T(t));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API Handle ocl_binary(int32_t op, Handle a, Handle b) {
  OCL_TRY { return wrap(binary(op, T(a), T(b))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_binary_scalar(int32_t op, Handle a, Scalar s) {
  OCL_TRY { return wrap(binary_scalar(op, T(a), to_scalar(s))); }
  OCL_CATCH(nullptr)
}

// s (op) a, with s promoted as a Python scalar would be.
OCL_API Handle ocl_scalar_binary(int32_t op, Scalar s, Handle a) {
  OCL_TRY {
    auto st = c10::scalar_to_tensor(to_scalar(s), T(a).device());
    st.unsafeGetTensorImpl()->set_wrapped_number(true);
    return wrap(binary(op, st, T(a)));
  }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_binary_(int32_t op, Handle a, Handle b) {
  OCL_TRY {
    binary_(op, T(a), T(b));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_binary_scalar_(int32_t op, Handle a, Scalar s) {
  OCL_TRY {
    binary_scalar_(op, T(a), to_scalar(s));
    return 0;
  }
  OCL_CATCH(-1)
}

// a + alpha * b (in place when `inplace` is non-zero; the result is then a new handle to a).
OCL_API Handle ocl_add_scaled(Handle a, Handle b, Scalar alpha, int32_t inplace) {
  OCL_TRY {
    if (inplace) return wrap(T(a).add_(T(b), to_scalar(alpha)));
    return wrap(at::add(T(a), T(b), to_scalar(alpha)));
  }
  OCL_CATCH(nullptr)
}

// t + value * a * b
OCL_API Handle ocl_addcmul(Handle t, Handle a, Handle b, Scalar value, int32_t inplace) {
  OCL_TRY {
    if (inplace) return wrap(T(t).addcmul_(T(a), T(b), to_scalar(value)));
    return wrap(at::addcmul(T(t), T(a), T(b), to_scalar(value)));
  }
  OCL_CATCH(nullptr)
}

// t + value * a / b
OCL_API Handle ocl_addcdiv(Handle t, Handle a, Handle b, Scalar value, int32_t inplace) {
  OCL_TRY {
    if (inplace) return wrap(T(t).addcdiv_(T(a), T(b), to_scalar(value)));
    return wrap(at::addcdiv(T(t), T(a), T(b), to_scalar(value)));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_lerp(Handle a, Handle b, Scalar weight, int32_t inplace) {
  OCL_TRY {
    if (inplace) return wrap(T(a).lerp_(T(b), to_scalar(weight)));
    return wrap(at::lerp(T(a), T(b), to_scalar(weight)));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_where(Handle cond, Handle a, Handle b) {
  OCL_TRY { return wrap(at::where(T(cond), T(a), T(b))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_where_scalar(Handle cond, Handle a, Scalar b) {
  OCL_TRY { return wrap(at::where(T(cond), T(a), to_scalar(b))); }
  OCL_CATCH(nullptr)
}

// Clamp to [min, max]; a bound is used only when its flag is set.
OCL_API Handle ocl_clamp(Handle t, Scalar min, int32_t has_min, Scalar max, int32_t has_max, int32_t inplace) {
  OCL_TRY {
    c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(to_scalar(min)) : c10::nullopt;
    c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(to_scalar(max)) : c10::nullopt;
    if (inplace) return wrap(T(t).clamp_(lo, hi));
    return wrap(at::clamp(T(t), lo, hi));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_clamp_tensor(Handle t, Handle min, Handle max) {
  OCL_TRY { return wrap(at::clamp(T(t), opt(min), opt(max))); }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_fill_(Handle t, Scalar value) {
  OCL_TRY {
    T(t).fill_(to_scalar(value));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_zero_(Handle t) {
  OCL_TRY {
    T(t).zero_();
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_copy_(Handle dst, Handle src) {
  OCL_TRY {
    T(dst).copy_(T(src));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_equal(Handle a, Handle b) {
  OCL_TRY { return at::equal(T(a), T(b)) ? 1 : 0; }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_allclose(Handle a, Handle b, double rtol, double atol, int32_t equal_nan) {
  OCL_TRY { return at::allclose(T(a), T(b), rtol, atol, equal_nan != 0) ? 1 : 0; }
  OCL_CATCH(-1)
}

// ---------------------------------------------------------------- reductions

// Sum over `dims` (all dimensions when n < 0), with an optional result dtype (dtype < 0: none).
OCL_API Handle ocl_sum(Handle t, const int64_t* ds, int32_t n, int32_t keepdim, int32_t dtype) {
  OCL_TRY {
    if (n < 0) return wrap(at::sum(T(t), opt_dtype(dtype)));
    return wrap(at::sum(T(t), dims(ds, n), keepdim != 0, opt_dtype(dtype)));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_mean(Handle t, const int64_t* ds, int32_t n, int32_t keepdim, int32_t dtype) {
  OCL_TRY {
    if (n < 0) return wrap(at::mean(T(t), opt_dtype(dtype)));
    return wrap(at::mean(T(t), dims(ds, n), keepdim != 0, opt_dtype(dtype)));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_prod(Handle t, int64_t dim, int32_t has_dim, int32_t keepdim) {
  OCL_TRY {
    if (!has_dim) return wrap(at::prod(T(t)));
    return wrap(at::prod(T(t), dim, keepdim != 0));
  }
  OCL_CATCH(nullptr)
}

// op: 0 = max, 1 = min (over all elements)
OCL_API Handle ocl_extreme_all(int32_t op, Handle t) {
  OCL_TRY { return wrap(op == 0 ? at::max(T(t)) : at::min(T(t))); }
  OCL_CATCH(nullptr)
}

// op: 0 = max, 1 = min along a dimension: values and indices.
OCL_API int32_t ocl_extreme_dim(int32_t op, Handle t, int64_t dim, int32_t keepdim, Handle* values, Handle* indices) {
  OCL_TRY {
    auto r = op == 0 ? at::max(T(t), dim, keepdim != 0) : at::min(T(t), dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    return 0;
  }
  OCL_CATCH(-1)
}

// op: 0 = amax, 1 = amin
OCL_API Handle ocl_amax_amin(int32_t op, Handle t, const int64_t* ds, int32_t n, int32_t keepdim) {
  OCL_TRY {
    auto d = n < 0 ? at::IntArrayRef() : dims(ds, n);
    return wrap(op == 0 ? at::amax(T(t), d, keepdim != 0) : at::amin(T(t), d, keepdim != 0));
  }
  OCL_CATCH(nullptr)
}

// op: 0 = argmax, 1 = argmin
OCL_API Handle ocl_arg_extreme(int32_t op, Handle t, int64_t dim, int32_t has_dim, int32_t keepdim) {
  OCL_TRY {
    c10::optional<int64_t> d = has_dim ? c10::optional<int64_t>(dim) : c10::nullopt;
    return wrap(op == 0 ? at::argmax(T(t), d, keepdim != 0) : at::argmin(T(t), d, keepdim != 0));
  }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_topk(Handle t, int64_t k, int64_t dim, int32_t largest, int32_t sorted, Handle* values,
                         Handle* indices) {
  OCL_TRY {
    auto r = at::topk(T(t), k, dim, largest != 0, sorted != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_sort(Handle t, int64_t dim, int32_t descending, int32_t stable, Handle* values, Handle* indices) {
  OCL_TRY {
    auto r = at::sort(T(t), c10::optional<bool>(stable != 0), dim, descending != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_kthvalue(Handle t, int64_t k, int64_t dim, int32_t keepdim, Handle* values, Handle* indices) {
  OCL_TRY {
    auto r = at::kthvalue(T(t), k, dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    return 0;
  }
  OCL_CATCH(-1)
}

// interpolation: "linear", "lower", "higher", "midpoint", "nearest"
OCL_API Handle ocl_quantile(Handle t, Handle q, int64_t dim, int32_t has_dim, int32_t keepdim, const char* interp) {
  OCL_TRY {
    c10::optional<int64_t> d = has_dim ? c10::optional<int64_t>(dim) : c10::nullopt;
    return wrap(at::quantile(T(t), T(q), d, keepdim != 0, interp));
  }
  OCL_CATCH(nullptr)
}

// op: 0 = std, 1 = var; over `dims` (all when n < 0) with Bessel-style `correction`.
OCL_API Handle ocl_std_var(int32_t op, Handle t, const int64_t* ds, int32_t n, int64_t correction, int32_t keepdim) {
  OCL_TRY {
    auto d = opt_dims(ds, n);
    c10::optional<int64_t> c = correction;
    return wrap(op == 0 ? at::std(T(t), d, c, keepdim != 0) : at::var(T(t), d, c, keepdim != 0));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_vector_norm(Handle t, double p, const int64_t* ds, int32_t n, int32_t keepdim) {
  OCL_TRY { return wrap(at::linalg_vector_norm(T(t), p, opt_dims(ds, n), keepdim != 0)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_logsumexp(Handle t, const int64_t* ds, int32_t n, int32_t keepdim) {
  OCL_TRY { return wrap(at::logsumexp(T(t), dims(ds, n), keepdim != 0)); }
  OCL_CATCH(nullptr)
}

// op: 0 = cumsum, 1 = cumprod
OCL_API Handle ocl_cumulative(int32_t op, Handle t, int64_t dim) {
  OCL_TRY { return wrap(op == 0 ? at::cumsum(T(t), dim) : at::cumprod(T(t), dim)); }
  OCL_CATCH(nullptr)
}

// op: 0 = all, 1 = any; over one dimension when has_dim.
OCL_API Handle ocl_all_any(int32_t op, Handle t, int64_t dim, int32_t has_dim, int32_t keepdim) {
  OCL_TRY {
    if (!has_dim) return wrap(op == 0 ? at::all(T(t)) : at::any(T(t)));
    return wrap(op == 0 ? at::all(T(t), dim, keepdim != 0) : at::any(T(t), dim, keepdim != 0));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_count_nonzero(Handle t, const int64_t* ds, int32_t n) {
  OCL_TRY {
    if (n < 0) return wrap(at::count_nonzero(T(t)));
    return wrap(at::count_nonzero(T(t), dims(ds, n)));
  }
  OCL_CATCH(nullptr)
}

// ---------------------------------------------------------------- linear algebra

OCL_API Handle ocl_matmul(Handle a, Handle b) {
  OCL_TRY { return wrap(at::matmul(T(a), T(b))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_bmm(Handle a, Handle b) {
  OCL_TRY { return wrap(at::bmm(T(a), T(b))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_einsum(const char* equation, const Handle* ts, int32_t n) {
  OCL_TRY { return wrap(at::einsum(equation, tensors(ts, n))); }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_svd(Handle t, int32_t full_matrices, Handle* u, Handle* s, Handle* vh) {
  OCL_TRY {
    auto r = at::linalg_svd(T(t), full_matrices != 0);
    *u = wrap(std::get<0>(r));
    *s = wrap(std::get<1>(r));
    *vh = wrap(std::get<2>(r));
    return 0;
  }
  OCL_CATCH(-1)
}
