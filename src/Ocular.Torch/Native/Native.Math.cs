using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

internal static partial class Native
{
    [LibraryImport(Library)] internal static partial IntPtr ocl_unary(int op, TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_unary_(int op, TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr ocl_binary(int op, TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr ocl_binary_scalar(int op, TensorHandle a, NativeScalar s);
    [LibraryImport(Library)] internal static partial IntPtr ocl_scalar_binary(int op, NativeScalar s, TensorHandle a);
    [LibraryImport(Library)] internal static partial int ocl_binary_(int op, TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial int ocl_binary_scalar_(int op, TensorHandle a, NativeScalar s);
    [LibraryImport(Library)] internal static partial IntPtr ocl_add_scaled(TensorHandle a, TensorHandle b, NativeScalar alpha, int inplace);
    [LibraryImport(Library)] internal static partial IntPtr ocl_addcmul(TensorHandle t, TensorHandle a, TensorHandle b, NativeScalar value, int inplace);
    [LibraryImport(Library)] internal static partial IntPtr ocl_addcdiv(TensorHandle t, TensorHandle a, TensorHandle b, NativeScalar value, int inplace);
    [LibraryImport(Library)] internal static partial IntPtr ocl_lerp(TensorHandle a, TensorHandle b, NativeScalar weight, int inplace);
    [LibraryImport(Library)] internal static partial IntPtr ocl_where(TensorHandle cond, TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr ocl_where_scalar(TensorHandle cond, TensorHandle a, NativeScalar b);
    [LibraryImport(Library)] internal static partial IntPtr ocl_clamp(TensorHandle t, NativeScalar min, int hasMin, NativeScalar max, int hasMax, int inplace);
    [LibraryImport(Library)] internal static partial IntPtr ocl_clamp_tensor(TensorHandle t, TensorHandle min, TensorHandle max);
    [LibraryImport(Library)] internal static partial int ocl_fill_(TensorHandle t, NativeScalar value);
    [LibraryImport(Library)] internal static partial int ocl_zero_(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_copy_(TensorHandle dst, TensorHandle src);
    [LibraryImport(Library)] internal static partial int ocl_equal(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial int ocl_allclose(TensorHandle a, TensorHandle b, double rtol, double atol, int equalNan);

    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_sum(TensorHandle t, long* dims, int n, int keepdim, int dtype);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_mean(TensorHandle t, long* dims, int n, int keepdim, int dtype);
    [LibraryImport(Library)] internal static partial IntPtr ocl_prod(TensorHandle t, long dim, int hasDim, int keepdim);
    [LibraryImport(Library)] internal static partial IntPtr ocl_extreme_all(int op, TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_extreme_dim(int op, TensorHandle t, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_amax_amin(int op, TensorHandle t, long* dims, int n, int keepdim);
    [LibraryImport(Library)] internal static partial IntPtr ocl_arg_extreme(int op, TensorHandle t, long dim, int hasDim, int keepdim);
    [LibraryImport(Library)] internal static partial int ocl_topk(TensorHandle t, long k, long dim, int largest, int sorted, out IntPtr values, out IntPtr indices);
    [LibraryImport(Library)] internal static partial int ocl_sort(TensorHandle t, long dim, int descending, int stable, out IntPtr values, out IntPtr indices);
    [LibraryImport(Library)] internal static partial int ocl_kthvalue(TensorHandle t, long k, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr ocl_quantile(TensorHandle t, TensorHandle q, long dim, int hasDim, int keepdim, string interpolation);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_std_var(int op, TensorHandle t, long* dims, int n, long correction, int keepdim);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_vector_norm(TensorHandle t, double p, long* dims, int n, int keepdim);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_logsumexp(TensorHandle t, long* dims, int n, int keepdim);
    [LibraryImport(Library)] internal static partial IntPtr ocl_cumulative(int op, TensorHandle t, long dim);
    [LibraryImport(Library)] internal static partial IntPtr ocl_all_any(int op, TensorHandle t, long dim, int hasDim, int keepdim);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_count_nonzero(TensorHandle t, long* dims, int n);

    [LibraryImport(Library)] internal static partial IntPtr ocl_matmul(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr ocl_bmm(TensorHandle a, TensorHandle b);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static unsafe partial IntPtr ocl_einsum(string equation, IntPtr* ts, int n);
    [LibraryImport(Library)] internal static partial int ocl_svd(TensorHandle t, int fullMatrices, out IntPtr u, out IntPtr s, out IntPtr vh);
}
