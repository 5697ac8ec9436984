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
        bool staged = IsStaged(step);
        BlockTask task = staged ? StagedTask(step) : step;
        nuint forward = 0;
        nuint backward = 0;
        DescribeForward(ref _forward, task, staged);
        fixed (ringattn_sdpa_desc* desc = &_forward)
        {
            ShimStatus.Check(NativeMethods.ringattn_sdpa_forward_workspace_size(_context, desc, 1, &forward));
        }

        DescribeBackward(task, staged);
        fixed (ringattn_sdpa_bwd_desc* desc = &_backward)
        {
            ShimStatus.Check(NativeMethods.ringattn_sdpa_backward_workspace_size(_context, desc, &backward));
        }

        return (long)Math.Max(forward, backward) + (staged ? StagingBytes + StagingAlignment : 0);
    }

    public void Forward(in BlockTask step, in BlockForwardTensors<DeviceTensor> tensors)
    {
        _fences?.ComputeBeforeWriting(tensors.PartialOutput.Pointer);
        _fences?.ComputeBeforeWriting(tensors.PartialLse.Pointer);
        bool staged = IsStaged(step);
        BlockTask task = staged ? StagedTask(step) : step;
        DescribeForward(ref _forward, task, staged);
        int q0 = task.Query.Start;
        Operands at = Place(step, tensors.KeyValue, default);

        fixed (ringattn_sdpa_desc* desc = &_forward)
        {
            ShimStatus.Check(NativeMethods.ringattn_sdpa_forward(
                _context,
                desc,
                (void*)_geometry.QueryRow(tensors.Query, q0),
                (void*)at.Key,
                (void*)at.Value,
                (void*)_geometry.QueryRow(tensors.PartialOutput, q0),
                (float*)tensors.PartialLse.Pointer, // packed [B, Hq, s_q] at the start, as the merge reads it
                (void*)_workspace.Pointer,
                (nuint)at.WorkspaceBytes,
                _stream));
        }
    }

    public void Backward(in BlockTask step, in BlockBackwardTensors<DeviceTensor> tensors)
    {
        _fences?.ComputeBeforeWriting(tensors.PartialQueryGradient.Pointer);
        _fences?.ComputeBeforeWriting(tensors.PartialKeyValueGradient.Key.Pointer);
        bool staged = IsStaged(step);
        BlockTask task = staged ? StagedTask(step) : step;
        DescribeBackward(task, staged);
        int q0 = task.Query.Start;
        Operands at = Place(step, tensors.KeyValue, tensors.PartialKeyValueGradient);

        fixed (ringattn_sdpa_bwd_desc* desc = &_backward)
        {
            ShimStatus.Check(NativeMethods.ringattn_sdpa_backward(
                _context,
                desc,
                (void*)_geometry.QueryRow(tensors.Query, q0),
                (void*)at.Key,
                (void*)at.Value,
                (void*)_geometry.QueryRow(tensors.Output, q0),
                (void*)_geometry.QueryRow(tensors.OutputGradient, q0),
                (float*)tensors.Lse.Pointer + q0, // the merged [B, Hq, L] LSE, viewed from row q0 (lse_stride below)
                (void*)_geometry.QueryRow(tensors.PartialQueryGradient, q0),
                (void*)at.KeyGradient,
                (void*)at.ValueGradient,
                (void*)_workspace.Pointer,
                (nuint)at.WorkspaceBytes,
                _stream));
        }

        if (staged)
        {
            // Row 0 of the staged dK/dV is the block's; row 1, the zero key's, is dropped.
            CopyKeyValueRow(at.KeyGradient, StagedStrides, _geometry.KeyValueRow(tensors.PartialKeyValueGradient.Key, step.KeyValue.Start), _geometry.KeyValue);
            CopyKeyValueRow(at.ValueGradient, StagedStrides, _geometry.KeyValueRow(tensors.PartialKeyValueGradient.Value, step.KeyValue.Start), _geometry.KeyValue);
        }
    }

    /// <summary>
    /// Whether cuDNN cannot run the block as it is: it refuses one query against one key (s_q = s_kv = 1), which a
    /// sliding window or a packed document of one token leaves. Such a block runs staged instead: its key and value
    /// rows are copied into a two-row scratch block whose second row stays zero, the query sees only row 0 (a causal
    /// mask), and in the backward row 0 of the scratch dK/dV is copied back. Staging needs no neighbouring row, so
    /// it works at every corner of every buffer, and the masked row is zero, never a caller's padding (cuDNN
    /// multiplies even masked values, so a NaN there would spread).
    /// </summary>
    private static bool IsStaged(in BlockTask task) => task.Query.Count == 1 && task.KeyValue.Count == 1;

    /// <summary>The staged block as cuDNN runs it: the query row against the two scratch rows, causal.</summary>
    private static BlockTask StagedTask(in BlockTask task) => task with { KeyValue = new RowRange(0, 2), Band = BlockBand.Causal };

    /// <summary>Strides of a scratch [B, Hkv, 2, D] K, V, dK or dV, rows of Hkv·D elements.</summary>
    private Strides4 StagedStrides
    {
        get
        {
            RingProblem p = _geometry.Problem;
            long row = (long)p.KeyValueHeads * p.HeadDim;
            return new Strides4(2 * row, p.HeadDim, row, 1);
        }
    }

    /// <summary>Bytes of one scratch plane: two rows of every batch.</summary>
    private long StagedPlaneBytes => 2L * _geometry.Problem.BatchSize * _geometry.Problem.KeyValueHeads * _geometry.Problem.HeadDim * _geometry.ElementSize;

    /// <summary>The four scratch planes, at the workspace's end, past what cuDNN is given.</summary>
    private long StagingBytes => 4 * StagedPlaneBytes;

    private const long StagingAlignment = 256;

    /// <summary>
    /// Where a call reads K and V and writes dK and dV, and how much workspace it may use: the block's own rows, or for
    /// a staged block the scratch planes at the workspace's end, once its one K and V row are copied in. The workspace
    /// was zeroed when allocated and cuDNN is never given the scratch part, so row 1 of the scratch K and V stays zero.
    /// </summary>
    private Operands Place(in BlockTask step, in KeyValuePlanes<DeviceTensor> block, in KeyValuePlanes<DeviceTensor> gradient)
    {
        int kv0 = step.KeyValue.Start;
        if (!IsStaged(step))
        {
            return new Operands(
                _geometry.KeyValueRow(block.Key, kv0), _geometry.KeyValueRow(block.Value, kv0),
                _geometry.KeyValueRow(gradient.Key, kv0), _geometry.KeyValueRow(gradient.Value, kv0), _workspace.Bytes);
        }

        nint start = (_workspace.Pointer + (nint)(_workspace.Bytes - StagingBytes)) & ~(nint)(StagingAlignment - 1);
        nint plane = (nint)StagedPlaneBytes;
        var at = new Operands(start, start + plane, start + (2 * plane), start + (3 * plane), start - _workspace.Pointer);
        CopyKeyValueRow(_geometry.KeyValueRow(block.Key, kv0), _geometry.KeyValue, at.Key, StagedStrides);
        CopyKeyValueRow(_geometry.KeyValueRow(block.Value, kv0), _geometry.KeyValue, at.Value, StagedStrides);
        return at;
    }

    /// <summary>Copies one row [B, Hkv, 1, D] of a K-shaped tensor between two layouts, in the compute precision.</summary>
    private void CopyKeyValueRow(nint source, in Strides4 sourceStrides, nint destination, in Strides4 destinationStrides)
    {
        ringattn_tensor_desc src = default;
        ringattn_tensor_desc dst = default;
        _geometry.Describe(&src, _geometry.Problem.KeyValueHeads, 1, sourceStrides, _geometry.ElementType);
        _geometry.Describe(&dst, _geometry.Problem.KeyValueHeads, 1, destinationStrides, _geometry.ElementType);
        ShimStatus.Check(NativeMethods.ringattn_cast(&src, (void*)source, &dst, (void*)destination, _stream));
    }

    /// <summary>The addresses of one call's K, V, dK and dV (row kv0 of each, or the scratch planes), and its workspace bytes.</summary>
    private readonly record struct Operands(nint Key, nint Value, nint KeyGradient, nint ValueGradient, long WorkspaceBytes);

    private void DescribeForward(ref ringattn_sdpa_desc desc, in BlockTask task, bool staged)
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
        Strides4 keyValue = staged ? StagedStrides : _geometry.KeyValue;
        fixed (long* q = desc.q_stride, k = desc.k_stride, v = desc.v_stride, o = desc.o_stride)
        {
            _geometry.Query.CopyTo(q);
            keyValue.CopyTo(k);
            keyValue.CopyTo(v);
            _geometry.Query.CopyTo(o);
        }
    }

    private void DescribeBackward(in BlockTask task, bool staged)
    {
        DescribeForward(ref _backward.fwd, task, staged);
        RingProblem p = _geometry.Problem;
        Strides4 keyValue = staged ? StagedStrides : _geometry.KeyValue;
        fixed (long* dO = _backward.do_stride, dq = _backward.dq_stride, dk = _backward.dk_stride, dv = _backward.dv_stride, lse = _backward.lse_stride)
        {
            _geometry.Query.CopyTo(dO);
            _geometry.Query.CopyTo(dq);
            keyValue.CopyTo(dk);
            keyValue.CopyTo(dv);

            // The merged LSE is [B, Hq, L]; a task on rows [q0, q0 + s_q) reads a strided sub-view of it (the shim packs
            // it into its workspace when s_q < L).
            lse[0] = (long)p.QueryHeads * _geometry.Length;
            lse[1] = _geometry.Length;
            lse[2] = 1;
        }
    }
}
