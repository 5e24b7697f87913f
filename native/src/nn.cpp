// Functional neural-network operations: convolution, pooling, normalisation, activations,
// losses, resampling and padding. Bias/weight arguments are optional (null handle = absent).
#include "shim.h"

using namespace ocl;

OCL_API Handle ocl_conv2d(Handle input, Handle weight, Handle bias, const int64_t* stride, const int64_t* padding,
                          const int64_t* dilation, int64_t groups) {
  OCL_TRY {
    return wrap(at::conv2d(T(input), T(weight), opt(bias), dims(stride, 2), dims(padding, 2), dims(dilation, 2), groups));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_conv_transpose2d(Handle input, Handle weight, Handle bias, const int64_t* stride,
                                    const int64_t* padding, const int64_t* output_padding, int64_t groups,
                                    const int64_t* dilation) {
  OCL_TRY {
    return wrap(at::conv_transpose2d(T(input), T(weight), opt(bias), dims(stride, 2), dims(padding, 2),
                                     dims(output_padding, 2), groups, dims(dilation, 2)));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_linear(Handle input, Handle weight, Handle bias) {
  OCL_TRY { return wrap(at::linear(T(input), T(weight), opt(bias))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_batch_norm(Handle input, Handle weight, Handle bias, Handle running_mean, Handle running_var,
                              int32_t training, double momentum, double eps) {
  OCL_TRY {
    return wrap(at::batch_norm(T(input), opt(weight), opt(bias), opt(running_mean), opt(running_var), training != 0,
                               momentum, eps, /*cudnn_enabled=*/true));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_layer_norm(Handle input, const int64_t* shape, int32_t n, Handle weight, Handle bias, double eps) {
  OCL_TRY { return wrap(at::layer_norm(T(input), dims(shape, n), opt(weight), opt(bias), eps)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_max_pool2d(Handle input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                              const int64_t* dilation, int32_t ceil_mode) {
  OCL_TRY {
    return wrap(at::max_pool2d(T(input), dims(kernel, 2), dims(stride, 2), dims(padding, 2), dims(dilation, 2),
                               ceil_mode != 0));
  }
  OCL_CATCH(nullptr)
}

// divisor_override <= 0 means none.
OCL_API Handle ocl_avg_pool2d(Handle input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                              int32_t ceil_mode, int32_t count_include_pad, int64_t divisor_override) {
  OCL_TRY {
    c10::optional<int64_t> div = divisor_override > 0 ? c10::optional<int64_t>(divisor_override) : c10::nullopt;
    return wrap(at::avg_pool2d(T(input), dims(kernel, 2), dims(stride, 2), dims(padding, 2), ceil_mode != 0,
                               count_include_pad != 0, div));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_adaptive_avg_pool2d(Handle input, const int64_t* size) {
  OCL_TRY { return wrap(at::adaptive_avg_pool2d(T(input), dims(size, 2))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_adaptive_max_pool2d(Handle input, const int64_t* size) {
  OCL_TRY { return wrap(std::get<0>(at::adaptive_max_pool2d(T(input), dims(size, 2)))); }
  OCL_CATCH(nullptr)
}

// F.dropout. With a generator the mask is drawn from it exactly as at::dropout's CPU path
// (_dropout_impl in ATen/native/Dropout.cpp) draws it from the global generator:
// noise = bernoulli(1 - p) / (1 - p), result = input * noise. A null generator calls at::dropout itself.
OCL_API Handle ocl_dropout(Handle input, double p, int32_t training, int32_t inplace, Handle gen) {
  OCL_TRY {
    auto& x = T(input);
    if (gen == nullptr) {
      if (inplace) return wrap(at::dropout_(x, p, training != 0));
      return wrap(at::dropout(x, p, training != 0));
    }
    TORCH_CHECK(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got ", p);
    if (p == 0 || training == 0 || x.numel() == 0) return wrap(x);
    at::Tensor noise;
    if (p == 1) {
      noise = at::zeros({}, x.options());
    } else {
      noise = at::empty_like(x, at::MemoryFormat::Contiguous);
      noise.bernoulli_(1 - p, generator(gen));
      noise.div_(1 - p);
    }
    if (inplace) return wrap(x.mul_(noise));
    return wrap(x * noise);
  }
  OCL_CATCH(nullptr)
}

// op: 0 = softmax, 1 = log_softmax
OCL_API Handle ocl_softmax(int32_t op, Handle input, int64_t dim) {
  OCL_TRY { return wrap(op == 0 ? at::softmax(T(input), dim) : at::log_softmax(T(input), dim)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_leaky_relu(Handle input, double slope) {
  OCL_TRY { return wrap(at::leaky_relu(T(input), slope)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_one_hot(Handle labels, int64_t classes) {
  OCL_TRY { return wrap(at::one_hot(T(labels), classes)); }
  OCL_CATCH(nullptr)
}

// ---------------------------------------------------------------- losses (reduction: 0 none, 1 mean, 2 sum)

OCL_API Handle ocl_cross_entropy(Handle input, Handle target, Handle weight, int32_t red, int64_t ignore_index,
                                 double label_smoothing) {
  OCL_TRY {
    return wrap(at::cross_entropy_loss(T(input), T(target), opt(weight), reduction(red), ignore_index, label_smoothing));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_nll_loss(Handle input, Handle target, Handle weight, int32_t red, int64_t ignore_index) {
  OCL_TRY { return wrap(at::nll_loss_nd(T(input), T(target), opt(weight), reduction(red), ignore_index)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_mse_loss(Handle input, Handle target, int32_t red) {
  OCL_TRY { return wrap(at::mse_loss(T(input), T(target), reduction(red))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_l1_loss(Handle input, Handle target, int32_t red) {
  OCL_TRY { return wrap(at::l1_loss(T(input), T(target), reduction(red))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_bce_with_logits(Handle input, Handle target, Handle weight, Handle pos_weight, int32_t red) {
  OCL_TRY {
    return wrap(at::binary_cross_entropy_with_logits(T(input), T(target), opt(weight), opt(pos_weight), reduction(red)));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_bce(Handle input, Handle target, Handle weight, int32_t red) {
  OCL_TRY { return wrap(at::binary_cross_entropy(T(input), T(target), opt(weight), reduction(red))); }
  OCL_CATCH(nullptr)
}

// Point-wise KL divergence with torch's reductions; "batchmean" is composed in C# from "sum".
OCL_API Handle ocl_kl_div(Handle input, Handle target, int32_t red, int32_t log_target) {
  OCL_TRY { return wrap(at::kl_div(T(input), T(target), reduction(red), log_target != 0)); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_cosine_similarity(Handle a, Handle b, int64_t dim, double eps) {
  OCL_TRY { return wrap(at::cosine_similarity(T(a), T(b), dim, eps)); }
  OCL_CATCH(nullptr)
}

// ---------------------------------------------------------------- resampling and padding

// mode: 0 nearest, 1 bilinear, 2 bicubic, 3 nearest-exact. Either an output size (has_size) or
// scale factors are given, exactly as F.interpolate passes them to the ATen kernels.
OCL_API Handle ocl_interpolate(Handle input, int32_t mode, const int64_t* size, int32_t has_size, const double* scales,
                               int32_t align_corners, int32_t antialias) {
  OCL_TRY {
    at::OptionalIntArrayRef out_size = has_size ? at::OptionalIntArrayRef(dims(size, 2)) : c10::nullopt;
    c10::optional<at::ArrayRef<double>> sc =
        has_size ? c10::nullopt : c10::optional<at::ArrayRef<double>>(at::ArrayRef<double>(scales, 2));
    const auto& x = T(input);
    bool ac = align_corners != 0;
    switch (mode) {
      case 0: return wrap(at::upsample_nearest2d(x, out_size, sc));
      case 1: return wrap(antialias ? at::_upsample_bilinear2d_aa(x, out_size, ac, sc) : at::upsample_bilinear2d(x, out_size, ac, sc));
      case 2: return wrap(antialias ? at::_upsample_bicubic2d_aa(x, out_size, ac, sc) : at::upsample_bicubic2d(x, out_size, ac, sc));
      case 3: return wrap(at::_upsample_nearest_exact2d(x, out_size, sc));
      default: throw std::invalid_argument("unknown interpolation mode code " + std::to_string(mode));
    }
  }
  OCL_CATCH(nullptr)
}

// mode: "constant", "reflect", "replicate", "circular"; `pad` lists (left, right, top, bottom, ...).
OCL_API Handle ocl_pad(Handle input, const int64_t* pad, int32_t n, const char* mode, double value) {
  OCL_TRY {
    std::string m(mode);
    c10::optional<double> v = m == "constant" ? c10::optional<double>(value) : c10::nullopt;
    return wrap(at::pad(T(input), dims(pad, n), m, v));
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_unfold(Handle input, const int64_t* kernel, const int64_t* dilation, const int64_t* padding,
                          const int64_t* stride) {
  OCL_TRY { return wrap(at::im2col(T(input), dims(kernel, 2), dims(dilation, 2), dims(padding, 2), dims(stride, 2))); }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_fold(Handle input, const int64_t* output_size, const int64_t* kernel, const int64_t* dilation,
                        const int64_t* padding, const int64_t* stride) {
  OCL_TRY {
    return wrap(at::col2im(T(input), dims(output_size, 2), dims(kernel, 2), dims(dilation, 2), dims(padding, 2),
                           dims(stride, 2)));
  }
  OCL_CATCH(nullptr)
}
