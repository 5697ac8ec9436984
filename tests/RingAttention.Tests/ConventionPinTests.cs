using RingAttention.Cpu;

namespace RingAttention.Tests;

/// <summary>
/// Conventions the ring, its backends and the reference could share and so change together unnoticed: the default
/// softmax scale, the LSE's base, the GQA head mapping and the layouts' element offsets. Each is checked here against
/// values worked out by hand or from a formula written in the test, never against the library's own helper.
/// </summary>
public sealed class ConventionPinTests
{
    /// <summary>
    /// Two keys, one query, D = 4: with the default scale 1/√4 = 0.5 the scores are 0.5·(q·k) = 1 and 0, so
    /// LSE = ln(e + 1) and O = (e·v₀ + v₁)/(e + 1). A scale of 1/D would give scores 0.5 and 0; a base-2 LSE log₂(e + 1).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Default_scale_is_one_over_root_D_and_the_LSE_is_a_natural_log(int ringSize)
    {
        RingProblem problem = TestTensors.Problem(ringSize, AttentionMask.None, LoadBalancing.None, sequence: 2, queryHeads: 1, keyValueHeads: 1, headDim: 4);
        float[] q = [2, 0, 0, 0, 2, 0, 0, 0];
        float[] k = [1, 0, 0, 0, 0, 0, 0, 0];
        float[] v = [3, 0, 0, 1, -1, 0, 0, 1];
        double e = Math.E;
        double lse = Math.Log(e + 1);
        double[] row = [((e * 3) - 1) / (e + 1), 0, 0, 1];

        using var ring = new CpuRingAttention(problem);
        AttentionOutput actual = ring.ForwardFullSequence(q, k, v);
        (double[] refO, double[] refLse) = AttentionReference.Forward(problem, q, k, v);

        Assert.Equal(0.5f, problem.SoftmaxScale);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(lse, actual.Lse[i], 1e-6);
            Assert.Equal(lse, refLse[i], 1e-12);
            for (int c = 0; c < 4; c++)
            {
                Assert.Equal(row[c], actual.Output[(i * 4) + c], 1e-6);
                Assert.Equal(row[c], refO[(i * 4) + c], 1e-12);
            }
        }
    }

    /// <summary>The same inputs with an explicit scale: the scale given wins over the default in ring and reference alike.</summary>
    [Fact]
    public void An_explicit_scale_replaces_the_default()
    {
        RingProblem problem = TestTensors.Problem(1, AttentionMask.None, LoadBalancing.None, sequence: 2, queryHeads: 1, keyValueHeads: 1, headDim: 4, scale: 0.25f);
        float[] q = [2, 0, 0, 0, 2, 0, 0, 0];
        float[] k = [1, 0, 0, 0, 0, 0, 0, 0];
        float[] v = new float[8];
        double lse = Math.Log(Math.Exp(0.5) + 1);

        using var ring = new CpuRingAttention(problem);
        Assert.Equal(lse, ring.ForwardFullSequence(q, k, v).Lse[0], 1e-6);
        Assert.Equal(lse, AttentionReference.Forward(problem, q, k, v).Lse[0], 1e-12);
    }

    /// <summary>
    /// Hq = 4, Hkv = 2, keys all zero (uniform attention), causal: query head h at position s averages V over
    /// positions 0..s of KV head h / 2 (grouped, not h mod 2). V[b, j, g, c] = j + 100·b + 1000·g + c/10, so
    /// O[b, s, h, c] = s/2 + 100·b + 1000·(h/2) + c/10, which names the batch, position and head it came from.
    /// The element offsets are written here for each layout, independently of <see cref="TensorShape"/>.
    /// </summary>
    [Theory]
    [InlineData(TensorLayout.Bshd, LoadBalancing.DualChunk)]
    [InlineData(TensorLayout.Sbhd, LoadBalancing.Striped)]
    public void Query_heads_share_KV_heads_in_groups_and_layouts_place_elements_where_their_formula_says(TensorLayout layout, LoadBalancing balance)
    {
        const int B = 2, S = 8, Hq = 4, Hkv = 2, D = 4;
        RingProblem problem = TestTensors.Problem(2, AttentionMask.Causal, balance, batch: B, sequence: S, queryHeads: Hq, keyValueHeads: Hkv, headDim: D, layout: layout);
        int Offset(int b, int s, int h, int heads, int c) => layout == TensorLayout.Bshd
            ? (b * S * heads * D) + (s * heads * D) + (h * D) + c
            : (s * B * heads * D) + (b * heads * D) + (h * D) + c;

        var q = new float[B * S * Hq * D];
        var k = new float[B * S * Hkv * D];
        var v = new float[k.Length];
        for (int b = 0; b < B; b++)
        {
            for (int j = 0; j < S; j++)
            {
                for (int g = 0; g < Hkv; g++)
                {
                    for (int c = 0; c < D; c++)
                    {
                        v[Offset(b, j, g, Hkv, c)] = j + (100 * b) + (1000 * g) + (c / 10f);
                    }
                }
            }
        }

        using var ring = new CpuRingAttention(problem);
        float[] actual = ring.ForwardFullSequence(q, k, v).Output;
        double[] reference = AttentionReference.Forward(problem, q, k, v).Output;
        for (int b = 0; b < B; b++)
        {
            for (int s = 0; s < S; s++)
            {
                for (int h = 0; h < Hq; h++)
                {
                    for (int c = 0; c < D; c++)
                    {
                        double expected = (s / 2.0) + (100 * b) + (1000 * (h / 2)) + (c / 10.0);
                        int at = Offset(b, s, h, Hq, c);
                        Assert.Equal(expected, actual[at], 1e-3);
                        Assert.Equal(expected, reference[at], 1e-4);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(TensorLayout.Bshd)]
    [InlineData(TensorLayout.Sbhd)]
    public void Tensor_shape_offsets_follow_the_layout_formula(TensorLayout layout)
    {
        var shape = new TensorShape(Batch: 3, Sequence: 5, Heads: 2, HeadDim: 4, layout);
        Assert.Equal(layout == TensorLayout.Bshd ? (2 * 5 * 2 * 4) + (3 * 2 * 4) + 4 : (3 * 3 * 2 * 4) + (2 * 2 * 4) + 4, shape.RowOffset(2, 3, 1));
        Assert.Equal(120, shape.ElementCount);
    }
}
