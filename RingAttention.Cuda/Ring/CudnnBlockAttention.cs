using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// One ring step's attention through cuDNN's fused SDPA (the shim). Every operand is a strided view of the rank's
/// buffers: the pointers are offset to the task's first row, s_q and s_kv are the row counts, so nothing is copied.
/// The descriptors live in fields and the workspace is planned, so a step allocates nothing. With a rank's
/// <see cref="RankStreams"/>, a step first waits until the accumulation stream has read the partials it overwrites.
/// </summary>
internal sealed unsafe class CudnnBlockAttention : IBlockAttentionKernel<DeviceTensor>
{
    private readonly CudaTensorGeometry _geometry;
    private readonly SafeContextHandle _context;
    private readonly SafeCudaStreamHandle _stream;
    private readonly RankStreams? _fences;
    private ringattn_sdpa_desc _forward;
    private ringattn_sdpa_bwd_desc _backward;
    private DeviceTensor _workspace;

    /// <summary>A kernel on one stream: the single-call baseline (<see cref="SingleCallAttention"/>).</summary>
    public CudnnBlockAttention(CudaTensorGeometry geometry, CudaAttentionContext context, SafeCudaStreamHandle stream)
    {
        _geometry = geometry;
        _context = context.Handle;
        _stream = stream;
    }

    /// <summary>A rank's kernel: on its compute stream, fenced against its accumulation stream.</summary>
    public CudnnBlockAttention(CudaTensorGeometry geometry, CudaAttentionContext context, RankStreams streams)
        : this(geometry, context, streams.Compute)
    {
        _fences = streams;
    }

    /// <summary>Device memory cuDNN may use; at least <see cref="WorkspaceBytesFor"/> of every task of the rank.</summary>
    public DeviceTensor Workspace => _workspace;

    /// <summary>
    /// Allocates <paramref name="bytes"/> of workspace (none for 0) on <paramref name="device"/> and makes it
    /// <see cref="Workspace"/>. It is zeroed on the kernel's stream rather than left as cudaMalloc left it, since some
    /// cuDNN backward versions read it uninitialized. The caller owns the buffer.
    /// </summary>
    public DeviceBuffer? AllocateWorkspace(long bytes, int device)
    {
        if (bytes <= 0)
        {
            return null;
        }

        DeviceBuffer buffer = DeviceBuffer.Allocate((bytes + 1) / 2, DeviceElementType.BFloat16, device);
        CudaCalls.Fill(buffer.Pointer, 0, buffer.Bytes, _stream);
        _workspace = buffer.Tensor;
        return buffer;
    }

    /// <summary>
    /// The workspace the forward and the backward of <paramref name="step"/> need. Builds (and caches) both graphs,
    /// so calling it for every task at plan time is also the warm-up.
    /// </summary>
    public long WorkspaceBytesFor(in BlockTask step)
    {
        BlockTask task = Launchable(step);
        nuint forward = 0;
        nuint backward = 0;
        DescribeForward(ref _forward, task);
        fixed (ringattn_sdpa_desc* desc = &_forward)
        {
            ShimStatus.Check(NativeMethods.ringattn_sdpa_forward_workspace_size(_context, desc, 1, &forward));
        }

        DescribeBackward(task);
        fixed (ringattn_sdpa_bwd_desc* desc = &_backward)
        {
            ShimStatus.Check(NativeMethods.ringattn_sdpa_backward_workspace_size(_context, desc, &backward));
        }

        return (long)Math.Max(forward, backward) + (IsPaddedBefore(step, task) ? LseScratchBytes + ScratchAlignment : 0);
    }

    public void Forward(in BlockTask step, in BlockForwardTensors<DeviceTensor> tensors)
    {
        BlockTask task = Launchable(step);
        _fences?.ComputeBeforeWriting(tensors.PartialOutput.Pointer);
        _fences?.ComputeBeforeWriting(tensors.PartialLse.Pointer);
        DescribeForward(ref _forward, task);
        int q0 = task.Query.Start;
        int kv0 = task.KeyValue.Start;

        // A task padded with the row before it writes a [B, Hq, 2] LSE to scratch, of which the merge needs row 1.
        bool padded = IsPaddedBefore(step, task);
        nint scratch = padded ? (_workspace.Pointer + (nint)(_workspace.Bytes - LseScratchBytes)) & ~(nint)(ScratchAlignment - 1) : 0;
        long workspaceBytes = padded ? scratch - _workspace.Pointer : _workspace.Bytes;
        fixed (ringattn_sdpa_desc* desc = &_forward)
        {
            ShimStatus.Check(NativeMethods.ringattn_sdpa_forward(
                _context,
                desc,
                (void*)_geometry.QueryRow(tensors.Query, q0),
                (void*)_geometry.KeyValueRow(tensors.KeyValue.Key, kv0),
                (void*)_geometry.KeyValueRow(tensors.KeyValue.Value, kv0),
                (void*)_geometry.QueryRow(tensors.PartialOutput, q0),
                (float*)(padded ? scratch : tensors.PartialLse.Pointer), // packed [B, Hq, s_q] at the start, as the merge reads it
                (void*)_workspace.Pointer,
                (nuint)workspaceBytes,
                _stream));
        }

        if (padded)
        {
            CopyLseRow(scratch, tensors.PartialLse.Pointer);
        }
    }

    public void Backward(in BlockTask step, in BlockBackwardTensors<DeviceTensor> tensors)
    {
        BlockTask task = Launchable(step);
        _fences?.ComputeBeforeWriting(tensors.PartialQueryGradient.Pointer);
        _fences?.ComputeBeforeWriting(tensors.PartialKeyValueGradient.Key.Pointer);
        DescribeBackward(task);
        int q0 = task.Query.Start;
        int kv0 = task.KeyValue.Start;
        fixed (ringattn_sdpa_bwd_desc* desc = &_backward)
        {
            ShimStatus.Check(NativeMethods.ringattn_sdpa_backward(
                _context,
                desc,
                (void*)_geometry.QueryRow(tensors.Query, q0),
                (void*)_geometry.KeyValueRow(tensors.KeyValue.Key, kv0),
                (void*)_geometry.KeyValueRow(tensors.KeyValue.Value, kv0),
                (void*)_geometry.QueryRow(tensors.Output, q0),
                (void*)_geometry.QueryRow(tensors.OutputGradient, q0),
                (float*)tensors.Lse.Pointer + q0, // the merged [B, Hq, L] LSE, viewed from row q0 (lse_stride below)
                (void*)_geometry.QueryRow(tensors.PartialQueryGradient, q0),
                (void*)_geometry.KeyValueRow(tensors.PartialKeyValueGradient.Key, kv0),
                (void*)_geometry.KeyValueRow(tensors.PartialKeyValueGradient.Value, kv0),
                (void*)_workspace.Pointer,
                (nuint)_workspace.Bytes,
                _stream));
        }
    }

    /// <summary>
    /// The task as cuDNN can run it. cuDNN refuses a block of one query and one key (s_q = s_kv = 1), which a sliding
    /// window can leave at a block's corner; it gets a neighbour under a diagonal-only band instead:
    /// <list type="bullet">
    /// <item>the key after it, masked out (probability 0: its dK and dV are 0);</item>
    /// <item>at the end of the K/V block, the query and the key before them, a pair of its own on the band's diagonal.
    /// Its O, LSE, dQ, dK and dV land in partial rows the ring neither merges nor accumulates: the ring merges and
    /// accumulates the rows of the caller's task, never this one's.</item>
    /// </list>
    /// </summary>
    private BlockTask Launchable(in BlockTask task)
    {
        if (task.Query.Count != 1 || task.KeyValue.Count != 1)
        {
            return task;
        }

        var diagonalOnly = new BlockBand(0, 0);
        if (task.KeyValue.End < _geometry.Length)
        {
            return task with { KeyValue = new RowRange(task.KeyValue.Start, 2), Band = diagonalOnly };
        }

        if (task.Query.Start > 0 && task.KeyValue.Start > 0)
        {
            return task with { Query = new RowRange(task.Query.Start - 1, 2), KeyValue = new RowRange(task.KeyValue.Start - 1, 2), Band = diagonalOnly };
        }

        throw new NotSupportedException(
            $"cuDNN cannot run a block of one query and one key, and this one ({task}) has no row around it to pad with; another window or load balancing avoids it.");
    }

    /// <summary>Bytes of the [B, Hq, 2] fp32 LSE of a task padded with the row before it, kept at the workspace's end.</summary>
    private long LseScratchBytes => (long)_geometry.Problem.BatchSize * _geometry.Problem.QueryHeads * 2 * sizeof(float);

    private const long ScratchAlignment = 256;

    private static bool IsPaddedBefore(in BlockTask step, in BlockTask task) => task.Query.Start < step.Query.Start;

    /// <summary>Row 1 of the scratch [B, Hq, 2] LSE into the packed [B, Hq, 1] partial LSE the merge reads.</summary>
    private void CopyLseRow(nint scratch, nint partialLse)
    {
        long heads = _geometry.Problem.QueryHeads;
        ringattn_tensor_desc src = default;
        ringattn_tensor_desc dst = default;
        src.dims[0] = dst.dims[0] = _geometry.Problem.BatchSize;
        src.dims[1] = dst.dims[1] = heads;
        src.dims[2] = dst.dims[2] = 1;
        src.dims[3] = dst.dims[3] = 1;
        src.strides[0] = heads * 2;
        src.strides[1] = 2;
        src.strides[2] = 1;
        src.strides[3] = 1;
        dst.strides[0] = heads;
        dst.strides[1] = 1;
        dst.strides[2] = 1;
        dst.strides[3] = 1;
        src.dtype = dst.dtype = NativeCodes.DataType(DeviceElementType.Float32);
        ShimStatus.Check(NativeMethods.ringattn_cast(&src, (void*)(scratch + sizeof(float)), &dst, (void*)partialLse, _stream));
    }

    private void DescribeForward(ref ringattn_sdpa_desc desc, in BlockTask task)
    {
        RingProblem p = _geometry.Problem;
        desc.batch = p.BatchSize;
        desc.q_heads = p.QueryHeads;
        desc.kv_heads = p.KeyValueHeads;
        desc.s_q = task.Query.Count;
        desc.s_kv = task.KeyValue.Count;
        desc.head_dim = p.HeadDim;
        desc.dtype = NativeCodes.DataType(_geometry.ElementType);
        (desc.mask, desc.window_left, desc.window_right) = NativeCodes.Mask(task.Band);
        desc.scale = p.SoftmaxScale;
        desc.deterministic = 0;
        fixed (long* q = desc.q_stride, k = desc.k_stride, v = desc.v_stride, o = desc.o_stride)
        {
            _geometry.Query.CopyTo(q);
            _geometry.KeyValue.CopyTo(k);
            _geometry.KeyValue.CopyTo(v);
            _geometry.Query.CopyTo(o);
        }
    }

    private void DescribeBackward(in BlockTask task)
    {
        DescribeForward(ref _backward.fwd, task);
        RingProblem p = _geometry.Problem;
        fixed (long* dO = _backward.do_stride, dq = _backward.dq_stride, dk = _backward.dk_stride, dv = _backward.dv_stride, lse = _backward.lse_stride)
        {
            _geometry.Query.CopyTo(dO);
            _geometry.Query.CopyTo(dq);
            _geometry.KeyValue.CopyTo(dk);
            _geometry.KeyValue.CopyTo(dv);

            // The merged LSE is [B, Hq, L]; a task on rows [q0, q0 + s_q) reads a strided sub-view of it (the shim packs
            // it into its workspace when s_q < L).
            lse[0] = (long)p.QueryHeads * _geometry.Length;
            lse[1] = _geometry.Length;
            lse[2] = 1;
        }
    }
}
