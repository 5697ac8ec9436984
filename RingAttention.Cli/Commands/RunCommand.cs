using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Backends;
using RingAttention.Cli.Running;
using RingAttention.Cli.Running.Distributed;

namespace RingAttention.Cli.Commands;

/// <summary>
/// <c>ringattn run</c>: the command other tools script against. Its option names and meanings are a contract;
/// change them only together with those tools.
/// </summary>
internal static class RunCommand
{
    /// <summary>Creates the command; <paramref name="verbose"/> is the root's recursive --verbose.</summary>
    public static Command Create(Option<bool> verbose)
    {
        Option<BackendKind?> backend = CliOptions.OptionalChoice("--backend", "Where to compute (default cpu).", CliChoices.Backends);
        Option<ElementPrecision?> dtype = CliOptions.OptionalChoice(
            "--dtype", "Element type of the computation: bf16 or fp16 with --backend cuda (default bf16); the cpu backend computes in fp32 only (default fp32).", CliChoices.Dtypes);
        Option<int> ringSize = CliOptions.PositiveInt("--cp", "Context-parallel size N: the number of simulated ranks in the ring.");
        Option<AttentionMask> mask = CliOptions.RequiredChoice("--mask", "Attention mask on the global sequence.", CliChoices.Masks);
        Option<LoadBalancing> balance = CliOptions.RequiredChoice("--balance", "How tokens are assigned to ranks (dual-chunk needs S divisible by 2N).", CliChoices.Balances);
        Option<TensorLayout?> layout = CliOptions.OptionalChoice("--layout", "Axis order of every tensor file: bshd = [B, S, H, D], sbhd = [S, B, H, D], thd = [T, H, D] packed documents (with --seqlens) (default bshd).",
            CliChoices.Layouts);
        Option<int[]?> seqlens = SeqlensOption.Create();
        Option<float?> scale = CliOptions.OptionalPositiveFloat("--scale", "Softmax scale (default 1/sqrt(D)).");
        Option<WindowSides?> window = WindowOption.Create();
        Option<StrategySelection?> strategy = StrategyOption.Create();
        Option<int> allToAllSize = StrategyOption.CreateSize();
        Option<string> query = CliOptions.Path("--q", "Q, full sequence in natural token order, Hq heads.", required: true);
        Option<string> key = CliOptions.Path("--k", "K, like Q but with Hkv heads (Hq a multiple of Hkv).", required: true);
        Option<string> value = CliOptions.Path("--v", "V, shaped like K.", required: true);
        Option<string> output = CliOptions.Path("--out", "Where to write O (shaped like Q, float32).", required: true);
        Option<string> lse = CliOptions.Path("--lse", "Where to write the log-sum-exp, float32 [B, Hq, S] ([Hq, T] with --layout thd).", required: true);
        Option<string> outputGradient = CliOptions.Path("--do", "dO (shaped like Q): also run the backward; needs --dq, --dk and --dv.", required: false);
        Option<string> queryGradient = CliOptions.Path("--dq", "Where to write dQ (shaped like Q).", required: false);
        Option<string> keyGradient = CliOptions.Path("--dk", "Where to write dK (shaped like K).", required: false);
        Option<string> valueGradient = CliOptions.Path("--dv", "Where to write dV (shaped like V).", required: false);
        var distributed = new Option<bool>("--distributed")
        {
            Description = "This process is one rank of a job started by 'ringattn launch', torchrun, mpirun or srun (needs --backend cuda and --cp equal to the job's size): each rank reads only its shard, rank 0 writes the outputs.",
        };
        var checkFinite = new Option<bool>("--check-finite")
        {
            Description = "Refuse inputs holding NaN or Inf, naming the file and the element, before any compute (default true; --check-finite false skips the scan).",
            DefaultValueFactory = _ => true,
        };
        Option<int> timeout = CliOptions.PositiveInt("--timeout", "With --distributed: seconds a pass may take before the ring is stopped on every rank (default 600).", defaultValue: 600);

        var command = new Command("run", "Run ring attention on .npy files: forward (O, LSE) and, with --do, backward (dQ, dK, dV).")
        {
            backend, dtype, ringSize, mask, balance, layout, seqlens, scale, window, strategy, allToAllSize, query, key, value, output, lse,
            outputGradient, queryGradient, keyGradient, valueGradient, distributed, timeout, checkFinite,
        };
        command.Validators.Add(result => RequireSupportedDtype(result, backend, dtype));
        command.Validators.Add(result => RequireCompleteGradientOptions(result, outputGradient, [queryGradient, keyGradient, valueGradient]));
        command.Validators.Add(result => RequireCudaWhenDistributed(result, backend, distributed));
        command.Validators.Add(result => WindowOption.Validate(result, window, mask));
        command.Validators.Add(result => StrategyOption.Validate(result, strategy, allToAllSize, ringSize, balance));
        command.Validators.Add(result => PackedLayoutRules.Validate(result, layout, seqlens));
        command.SetAction(parsed =>
        {
            string? outputGradientPath = parsed.GetValue(outputGradient);
            var request = new RunRequest
            {
                Backend = parsed.GetValue(backend) ?? BackendKind.Cpu,
                Precision = parsed.GetValue(dtype),
                RingSize = parsed.GetValue(ringSize),
                Mask = parsed.GetValue(mask),
                Balance = parsed.GetValue(balance),
                Layout = parsed.GetValue(layout) ?? TensorLayout.Bshd,
                DocumentLengths = parsed.GetValue(seqlens),
                Scale = parsed.GetValue(scale),
                Window = parsed.GetValue(window)?.For(parsed.GetValue(mask)),
                Strategy = StrategyOption.ToStrategy(parsed.GetValue(strategy) ?? StrategySelection.Ring),
                AllToAllSize = parsed.GetValue(allToAllSize),
                QueryPath = parsed.GetRequiredValue(query),
                KeyPath = parsed.GetRequiredValue(key),
                ValuePath = parsed.GetRequiredValue(value),
                OutputPath = parsed.GetRequiredValue(output),
                LsePath = parsed.GetRequiredValue(lse),
                Gradients = outputGradientPath is null ? null : new GradientPaths(
                    outputGradientPath, parsed.GetRequiredValue(queryGradient), parsed.GetRequiredValue(keyGradient), parsed.GetRequiredValue(valueGradient)),
                CheckFinite = parsed.GetValue(checkFinite),
            };
            using ILoggerFactory loggers = VerboseLogging.Create(parsed.GetValue(verbose));
            return parsed.GetValue(distributed)
                ? DistributedRunJob.Execute(request, TimeSpan.FromSeconds(parsed.GetValue(timeout)), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, loggers)
                : RunJob.Execute(request, parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, loggers);
        });
        return command;
    }

    /// <summary>--dtype must be one the chosen backend computes in (cpu: fp32; cuda: bf16, fp16).</summary>
    private static void RequireSupportedDtype(CommandResult result, Option<BackendKind?> backend, Option<ElementPrecision?> dtype)
    {
        // Read the tokens, not the values: a value that failed to parse has its own error already, and asking for it would throw.
        if (!TryGetChoice(result.GetResult(dtype), CliChoices.Dtypes, out ElementPrecision precision, out string dtypeName))
        {
            return;
        }

        BackendKind kind = BackendKind.Cpu;
        if (result.GetResult(backend) is { } backendResult && !TryGetChoice(backendResult, CliChoices.Backends, out kind, out _))
        {
            return;
        }

        string? error = AttentionBackends.PrecisionError(kind, precision, dtypeName);
        if (error is not null)
        {
            result.AddError(error);
        }
    }

    private static bool TryGetChoice<T>(OptionResult? option, IReadOnlyDictionary<string, T> choices, out T value, out string name)
        where T : struct, Enum
    {
        name = option is { Tokens.Count: > 0 } ? option.Tokens[0].Value : string.Empty;
        value = default;
        return option is not null && choices.TryGetValue(name, out value);
    }

    /// <summary>--distributed runs one rank of an NCCL ring: only the GPU backend has one.</summary>
    private static void RequireCudaWhenDistributed(CommandResult result, Option<BackendKind?> backend, Option<bool> distributed)
    {
        if (result.GetResult(distributed) is null)
        {
            return;
        }

        if (result.GetResult(backend) is not { Tokens.Count: > 0 } backendResult
            || !CliChoices.Backends.TryGetValue(backendResult.Tokens[0].Value, out BackendKind kind) || kind != BackendKind.Cuda)
        {
            result.AddError("--distributed runs one rank of an NCCL ring on this process's GPU and needs --backend cuda");
        }
    }

    /// <summary>--do and the three gradient outputs come as a set: half a backward is always a mistake.</summary>
    private static void RequireCompleteGradientOptions(CommandResult result, Option<string> outputGradient, Option<string>[] gradients)
    {
        bool hasOutputGradient = result.GetResult(outputGradient) is not null;
        string[] given = [.. gradients.Where(g => result.GetResult(g) is not null).Select(g => g.Name)];
        string[] missing = [.. gradients.Where(g => result.GetResult(g) is null).Select(g => g.Name)];
        if (hasOutputGradient && missing.Length > 0)
        {
            result.AddError($"--do runs the backward, which also needs {string.Join(", ", missing)}");
        }
        else if (!hasOutputGradient && given.Length > 0)
        {
            result.AddError($"{string.Join(", ", given)} need --do (the output gradient dO) to run the backward");
        }
    }
}
