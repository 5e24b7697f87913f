// Autograd: backward, gradients, grad mode and inference mode.
#include "shim.h"

using namespace ocl;

OCL_API int32_t ocl_backward(Handle t, Handle gradient, int32_t retain_graph, int32_t create_graph) {
  OCL_TRY {
    c10::optional<bool> retain = retain_graph < 0 ? c10::nullopt : c10::optional<bool>(retain_graph != 0);
    at::Tensor g = gradient ? T(gradient) : at::Tensor();
    T(t).backward(g, retain, create_graph != 0);
    return 0;
  }
  OCL_CATCH(-1)
}

// The accumulated gradient, or null without an error when there is none.
OCL_API Handle ocl_grad(Handle t) {
  OCL_TRY {
    ocl::set_last_error("");
    const auto& g = T(t).grad();
    if (!g.defined()) return nullptr;
    return wrap(g);
  }
  OCL_CATCH(nullptr)
}

// Sets (or, with a null handle, clears) the .grad of a tensor.
OCL_API int32_t ocl_set_grad(Handle t, Handle grad) {
  OCL_TRY {
    T(t).mutable_grad() = grad ? T(grad) : at::Tensor();
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_retain_grad(Handle t) {
  OCL_TRY {
    T(t).retain_grad();
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API Handle ocl_detach(Handle t) {
  OCL_TRY { return wrap(T(t).detach()); }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_detach_(Handle t) {
  OCL_TRY {
    T(t).detach_();
    return 0;
  }
  OCL_CATCH(-1)
}

// torch.autograd.grad. grad_outputs may hold null handles (implicit ones for scalars);
// with allow_unused, an input the outputs do not depend on yields a null handle.
OCL_API int32_t ocl_autograd_grad(const Handle* outputs, int32_t n_out, const Handle* inputs, int32_t n_in,
                                  const Handle* grad_outputs, int32_t retain_graph, int32_t create_graph,
                                  int32_t allow_unused, Handle* result) {
  OCL_TRY {
    std::vector<at::Tensor> outs = tensors(outputs, n_out);
    std::vector<at::Tensor> ins = tensors(inputs, n_in);
    std::vector<at::Tensor> gos;
    if (grad_outputs) {
      for (int32_t i = 0; i < n_out; ++i) gos.push_back(grad_outputs[i] ? T(grad_outputs[i]) : at::Tensor());
    }
    c10::optional<bool> retain = retain_graph < 0 ? c10::nullopt : c10::optional<bool>(retain_graph != 0);
    auto grads = torch::autograd::grad(outs, ins, gos, retain, create_graph != 0, allow_unused != 0);
    for (int32_t i = 0; i < n_in; ++i) result[i] = grads[i].defined() ? wrap(grads[i]) : nullptr;
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_is_grad_enabled() { return c10::GradMode::is_enabled() ? 1 : 0; }

OCL_API void ocl_set_grad_enabled(int32_t enabled) { c10::GradMode::set_enabled(enabled != 0); }

// Inference mode is a scoped guard in libtorch: the shim keeps the guard object on the heap
// between enter and exit, which must happen on the same thread in LIFO order (C# scopes ensure it).
OCL_API void* ocl_inference_mode_enter(int32_t enabled) {
  OCL_TRY { return new c10::InferenceMode(enabled != 0); }
  OCL_CATCH(nullptr)
}

OCL_API void ocl_inference_mode_exit(void* guard) { delete static_cast<c10::InferenceMode*>(guard); }

OCL_API int32_t ocl_is_inference_mode_enabled() { return c10::InferenceMode::is_enabled() ? 1 : 0; }

OCL_API int32_t ocl_is_inference(Handle t) { return T(t).is_inference() ? 1 : 0; }
