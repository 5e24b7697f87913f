using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

internal static partial class Native
{
    // runtime
    [LibraryImport(Library)] internal static partial IntPtr ocl_last_error();
    [LibraryImport(Library)] internal static partial IntPtr ocl_torch_version();
    [LibraryImport(Library)] internal static partial int ocl_set_num_threads(int n);
    [LibraryImport(Library)] internal static partial int ocl_get_num_threads();
    [LibraryImport(Library)] internal static partial IntPtr ocl_parallel_info();
    [LibraryImport(Library)] internal static partial int ocl_cuda_is_available();
    [LibraryImport(Library)] internal static partial int ocl_manual_seed(ulong seed);

    // generators
    [LibraryImport(Library)] internal static partial IntPtr ocl_generator_new(ulong seed);
    [LibraryImport(Library)] internal static partial IntPtr ocl_generator_default();
    [LibraryImport(Library)] internal static partial void ocl_generator_free(IntPtr g);
    [LibraryImport(Library)] internal static partial int ocl_generator_set_seed(GeneratorHandle g, ulong seed);
    [LibraryImport(Library)] internal static partial ulong ocl_generator_initial_seed(GeneratorHandle g);
    [LibraryImport(Library)] internal static partial IntPtr ocl_generator_get_state(GeneratorHandle g);
    [LibraryImport(Library)] internal static partial int ocl_generator_set_state(GeneratorHandle g, TensorHandle state);

    // life cycle and metadata
    [LibraryImport(Library)] internal static partial void ocl_free(IntPtr t);
    [LibraryImport(Library)] internal static partial int ocl_dim(TensorHandle t);
    [LibraryImport(Library)] internal static unsafe partial void ocl_sizes(TensorHandle t, long* output);
    [LibraryImport(Library)] internal static unsafe partial void ocl_strides(TensorHandle t, long* output);
    [LibraryImport(Library)] internal static partial int ocl_dtype(TensorHandle t);
    [LibraryImport(Library)] internal static partial void ocl_device(TensorHandle t, out int type, out int index);
    [LibraryImport(Library)] internal static partial long ocl_numel(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_is_contiguous(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_is_channels_last(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_requires_grad(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_is_leaf(TensorHandle t);
    [LibraryImport(Library)] internal static partial long ocl_storage_offset(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_set_requires_grad(TensorHandle t, int on);
    [LibraryImport(Library)] internal static partial IntPtr ocl_grad_fn_name(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr ocl_to_string(TensorHandle t);

    // data transfer
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_from_data(void* data, long nbytes, long* shape, int n, int dtype);
    [LibraryImport(Library)] internal static unsafe partial int ocl_copy_to_buffer(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Library)] internal static partial IntPtr ocl_data_ptr(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_item_double(TensorHandle t, out double value);
    [LibraryImport(Library)] internal static partial int ocl_item_long(TensorHandle t, out long value);

    // creation
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_empty(long* shape, int n, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_zeros(long* shape, int n, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_ones(long* shape, int n, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_full(long* shape, int n, NativeScalar value, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static partial IntPtr ocl_arange(NativeScalar start, NativeScalar end, NativeScalar step, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static partial IntPtr ocl_linspace(double start, double end, long steps, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static partial IntPtr ocl_eye(long n, long m, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_rand(long* shape, int n, GeneratorHandle gen, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_randn(long* shape, int n, GeneratorHandle gen, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_randint(long low, long high, long* shape, int n, GeneratorHandle gen, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static partial IntPtr ocl_randperm(long count, GeneratorHandle gen, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static partial IntPtr ocl_bernoulli(TensorHandle p, GeneratorHandle gen);
    [LibraryImport(Library)] internal static partial IntPtr ocl_multinomial(TensorHandle p, long samples, int replacement, GeneratorHandle gen);
    [LibraryImport(Library)] internal static partial int ocl_uniform_(TensorHandle t, double from, double to, GeneratorHandle gen);
    [LibraryImport(Library)] internal static partial int ocl_normal_(TensorHandle t, double mean, double std, GeneratorHandle gen);
    [LibraryImport(Library)] internal static partial int ocl_bernoulli_(TensorHandle t, double p, GeneratorHandle gen);

    // conversion
    [LibraryImport(Library)] internal static partial IntPtr ocl_to(TensorHandle t, int dtype, int dev, int idx, int copy);
    [LibraryImport(Library)] internal static partial IntPtr ocl_clone(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr ocl_contiguous(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr ocl_channels_last(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr ocl_alias(TensorHandle t);

    // views
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_reshape(TensorHandle t, long* shape, int n);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_view(TensorHandle t, long* shape, int n);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_permute(TensorHandle t, long* order, int n);
    [LibraryImport(Library)] internal static partial IntPtr ocl_transpose(TensorHandle t, long d0, long d1);
    [LibraryImport(Library)] internal static partial IntPtr ocl_squeeze(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr ocl_squeeze_dim(TensorHandle t, long dim);
    [LibraryImport(Library)] internal static partial IntPtr ocl_unsqueeze(TensorHandle t, long dim);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_expand(TensorHandle t, long* shape, int n);
    [LibraryImport(Library)] internal static partial IntPtr ocl_flatten(TensorHandle t, long start, long end);
    [LibraryImport(Library)] internal static partial IntPtr ocl_narrow(TensorHandle t, long dim, long start, long length);
    [LibraryImport(Library)] internal static partial IntPtr ocl_select(TensorHandle t, long dim, long index);
    [LibraryImport(Library)] internal static partial IntPtr ocl_slice(TensorHandle t, long dim, long start, long end, long step);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_as_strided(TensorHandle t, long* size, long* stride, int n, long offset);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_repeat(TensorHandle t, long* reps, int n);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_flip(TensorHandle t, long* dims, int n);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_roll(TensorHandle t, long* shifts, long* dims, int n);

    // joining and splitting (tensor lists are passed as raw handle arrays; callers keep them alive)
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_cat(IntPtr* ts, int n, long dim);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_stack(IntPtr* ts, int n, long dim);
    [LibraryImport(Library)] internal static unsafe partial int ocl_split(TensorHandle t, long size, long dim, IntPtr* output, int cap);
    [LibraryImport(Library)] internal static unsafe partial int ocl_split_sizes(TensorHandle t, long* sizes, int n, long dim, IntPtr* output, int cap);
    [LibraryImport(Library)] internal static unsafe partial int ocl_chunk(TensorHandle t, long chunks, long dim, IntPtr* output, int cap);
    [LibraryImport(Library)] internal static unsafe partial int ocl_unbind(TensorHandle t, long dim, IntPtr* output, int cap);

    // indexing
    [LibraryImport(Library)] internal static partial IntPtr ocl_index_select(TensorHandle t, long dim, TensorHandle index);
    [LibraryImport(Library)] internal static partial IntPtr ocl_gather(TensorHandle t, long dim, TensorHandle index);
    [LibraryImport(Library)] internal static partial IntPtr ocl_scatter(TensorHandle t, long dim, TensorHandle index, TensorHandle src, int reduce);
    [LibraryImport(Library)] internal static partial IntPtr ocl_scatter_value(TensorHandle t, long dim, TensorHandle index, NativeScalar value);
    [LibraryImport(Library)] internal static partial IntPtr ocl_masked_fill(TensorHandle t, TensorHandle mask, NativeScalar value);
    [LibraryImport(Library)] internal static partial int ocl_masked_fill_(TensorHandle t, TensorHandle mask, NativeScalar value);
    [LibraryImport(Library)] internal static partial IntPtr ocl_masked_select(TensorHandle t, TensorHandle mask);
    [LibraryImport(Library)] internal static partial IntPtr ocl_nonzero(TensorHandle t);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_index_get(TensorHandle t, int* kinds, long* values, IntPtr* tensors, int n);
    [LibraryImport(Library)] internal static unsafe partial int ocl_index_set(TensorHandle t, int* kinds, long* values, IntPtr* tensors, int n, TensorHandle value, NativeScalar scalar);
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_index(TensorHandle t, IntPtr* indices, int n);
    [LibraryImport(Library)] internal static unsafe partial int ocl_index_put_(TensorHandle t, IntPtr* indices, int n, TensorHandle values, int accumulate);
}
