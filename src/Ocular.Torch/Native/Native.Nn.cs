using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

internal static partial class Native
{
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_conv2d(TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride, long* padding, long* dilation, long groups);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_conv_transpose2d(TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride, long* padding, long* outputPadding, long groups, long* dilation);
    [LibraryImport(Library)] internal static partial IntPtr ocl_linear(TensorHandle input, TensorHandle weight, TensorHandle bias);
    [LibraryImport(Library)] internal static partial IntPtr ocl_batch_norm(TensorHandle input, TensorHandle weight, TensorHandle bias, TensorHandle runningMean, TensorHandle runningVar, int training, double momentum, double eps);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_layer_norm(TensorHandle input, long* shape, int n, TensorHandle weight, TensorHandle bias, double eps);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_max_pool2d(TensorHandle input, long* kernel, long* stride, long* padding, long* dilation, int ceilMode);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_avg_pool2d(TensorHandle input, long* kernel, long* stride, long* padding, int ceilMode, int countIncludePad, long divisorOverride);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_adaptive_avg_pool2d(TensorHandle input, long* size);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_adaptive_max_pool2d(TensorHandle input, long* size);
    [LibraryImport(Library)] internal static partial IntPtr ocl_dropout(TensorHandle input, double p, int training, int inplace, GeneratorHandle gen);
    [LibraryImport(Library)] internal static partial IntPtr ocl_softmax(int op, TensorHandle input, long dim);
    [LibraryImport(Library)] internal static partial IntPtr ocl_leaky_relu(TensorHandle input, double slope);
    [LibraryImport(Library)] internal static partial IntPtr ocl_one_hot(TensorHandle labels, long classes);

    [LibraryImport(Library)] internal static partial IntPtr ocl_cross_entropy(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Library)] internal static partial IntPtr ocl_nll_loss(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, long ignoreIndex);
    [LibraryImport(Library)] internal static partial IntPtr ocl_mse_loss(TensorHandle input, TensorHandle target, int reduction);
    [LibraryImport(Library)] internal static partial IntPtr ocl_l1_loss(TensorHandle input, TensorHandle target, int reduction);
    [LibraryImport(Library)] internal static partial IntPtr ocl_bce_with_logits(TensorHandle input, TensorHandle target, TensorHandle weight, TensorHandle posWeight, int reduction);
    [LibraryImport(Library)] internal static partial IntPtr ocl_bce(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction);
    [LibraryImport(Library)] internal static partial IntPtr ocl_kl_div(TensorHandle input, TensorHandle target, int reduction, int logTarget);
    [LibraryImport(Library)] internal static partial IntPtr ocl_cosine_similarity(TensorHandle a, TensorHandle b, long dim, double eps);

    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_interpolate(TensorHandle input, int mode, long* size, int hasSize, double* scales, int alignCorners, int antialias);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static unsafe partial IntPtr ocl_pad(TensorHandle input, long* pad, int n, string mode, double value);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_unfold(TensorHandle input, long* kernel, long* dilation, long* padding, long* stride);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_fold(TensorHandle input, long* outputSize, long* kernel, long* dilation, long* padding, long* stride);
}
