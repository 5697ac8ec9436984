namespace RingAttention.Tests;

/// <summary>The float64 reference's gradients are themselves checked once against finite differences.</summary>
public sealed class ReferenceGradientTests
{
    [Theory]
    [InlineData(AttentionMask.None, TensorLayout.Bshd)]
    [InlineData(AttentionMask.Causal, TensorLayout.Sbhd)]
    public void Reference_gradients_match_central_finite_differences(AttentionMask mask, TensorLayout layout)
    {
        RingProblem problem = TestTensors.Problem(1, mask, LoadBalancing.None, batch: 2, sequence: 5, queryHeads: 4, keyValueHeads: 2, headDim: 3, layout: layout, scale: 0.8f);
        int seed = TestTensors.FreshSeed();
        var random = new Random(seed);
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] k = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] v = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] dO = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        (double[] dq, double[] dk, double[] dv) = AttentionReference.Backward(problem, q, k, v, dO);

        // Loss = Σ O·dO, so dLoss/dx is exactly what Backward returns.
        double Loss() => AttentionReference.Forward(problem, q, k, v).Output.Select((o, i) => o * dO[i]).Sum();

        AssertMatchesFiniteDifferences(q, dq, Loss, random, "dQ", seed);
        AssertMatchesFiniteDifferences(k, dk, Loss, random, "dK", seed);
        AssertMatchesFiniteDifferences(v, dv, Loss, random, "dV", seed);
    }

    private static void AssertMatchesFiniteDifferences(float[] input, double[] gradient, Func<double> loss, Random random, string name, int seed)
    {
        for (int sample = 0; sample < 12; sample++)
        {
            int i = random.Next(input.Length);
            float original = input[i];

            // Step by exactly representable amounts and divide by the step actually taken.
            input[i] = original + 1e-2f;
            double up = loss();
            double upStep = (double)input[i] - original;
            input[i] = original - 1e-2f;
            double down = loss();
            double downStep = original - (double)input[i];
            input[i] = original;

            double numeric = (up - down) / (upStep + downStep);
            Assert.True(Math.Abs(numeric - gradient[i]) < 1e-4 + (1e-3 * Math.Abs(gradient[i])),
                $"{name}[{i}]: analytic {gradient[i]:G6}, numeric {numeric:G6} (seed {seed})");
        }
    }
}
