using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace NetGen.Gpu;

/// <summary>
/// One ILGPU accelerator and the device kernels loaded on it. A network's generated <c>Gpu</c> class keeps its
/// parameters, gradients, optimizer state and activations in this device's memory. Create one device and share
/// it between networks: every kernel is compiled once per device, on first use, and reused by every network.
/// </summary>
/// <remarks>
/// <see cref="Create"/> with <see cref="GpuKind.Auto"/> picks CUDA when present, then OpenCL, else ILGPU's CPU
/// accelerator. Not thread-safe: one thread at a time launches work on a device.
/// </remarks>
public sealed class GpuDevice : IDisposable
{
    // The CPU accelerator runs each simulated GPU thread as an OS thread and a group barrier as a
    // System.Threading.Barrier, so its kernels avoid barriers (see GpuKernels), and every launch wakes and
    // joins all its threads. One multiprocessor with one thread per core (warps of 2) measured best here:
    // a launch cost 0.3 ms against 2-4 ms with ILGPU's default 16-thread device or one multiprocessor per
    // core, and the matrix products ran 1.4x faster.
    private const int CpuThreadsPerWarp = 2;

    // The CPU device that runs the shared-memory (GPU) kernels in tests needs groups of 16 x 16 threads.
    private const int EmulatedGroupThreads = 16;

    private readonly Context _context;
    private bool _disposed;

    private GpuDevice(Context context, Accelerator accelerator, GpuKind kind, bool useSharedMemoryTiles)
    {
        _context = context;
        Accelerator = accelerator;
        Kind = kind;
        Name = $"{accelerator.Name} ({Describe(kind)})";
        Kernels = new GpuKernels(accelerator, useSharedMemoryTiles);
    }

    /// <summary>The kind of accelerator this device runs on (never <see cref="GpuKind.Auto"/>).</summary>
    public GpuKind Kind { get; }

    /// <summary>The accelerator's name and kind, for logs, e.g. "NVIDIA H100 80GB HBM3 (CUDA)".</summary>
    public string Name { get; }

    /// <summary>The ILGPU accelerator, for callers that allocate their own buffers on it.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The device kernels a network's generated <c>Gpu</c> class launches.</summary>
    public GpuKernels Kernels { get; }

    /// <summary>
    /// Opens an accelerator of the given kind: <see cref="GpuKind.Auto"/> takes CUDA when present, then OpenCL,
    /// else ILGPU's CPU accelerator.
    /// </summary>
    /// <exception cref="GpuDeviceNotFoundException">The requested kind of device is not present; the message names it and lists what is.</exception>
    public static GpuDevice Create(GpuKind kind = GpuKind.Auto)
    {
        switch (kind)
        {
            case GpuKind.Auto:
                return TryOpen(GpuKind.Cuda) ?? TryOpen(GpuKind.OpenCL) ?? CreateCpu(useSharedMemoryTiles: false);
            case GpuKind.Cuda:
            case GpuKind.OpenCL:
                return TryOpen(kind) ?? throw new GpuDeviceNotFoundException(kind,
                    $"No {Describe(kind)} device found; ILGPU sees: {DescribeAvailable()}. " +
                    (kind == GpuKind.Cuda ? "Install the NVIDIA driver, " : "Install an OpenCL 2.0 driver for the GPU, ") +
                    "or use GpuKind.Auto (the best device present) or GpuKind.Cpu.");
            case GpuKind.Cpu:
                return CreateCpu(useSharedMemoryTiles: false);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Use GpuKind.Auto, Cuda, OpenCL or Cpu.");
        }
    }

    /// <summary>Every accelerator ILGPU can open here, one per line, e.g. "Cuda: NVIDIA H100", for diagnostics.</summary>
    public static string DescribeAvailable()
    {
        var found = new List<string>();
        foreach (GpuKind kind in new[] { GpuKind.Cuda, GpuKind.OpenCL })
        {
            try
            {
                using Context context = CreateContext(kind);
                foreach (Device device in Devices(context, kind)) found.Add($"{Describe(kind)}: {device.Name}");
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A missing or broken driver means no device of that kind.
            }
        }

        found.Add("CPU: ILGPU's CPU accelerator");
        return string.Join("; ", found);
    }

    /// <summary>
    /// ILGPU's CPU accelerator. With <paramref name="useSharedMemoryTiles"/> it runs the shared-memory kernels that
    /// real GPUs run, in 16 x 16-thread groups (slow: tests use it to check those kernels without a GPU).
    /// </summary>
    internal static GpuDevice CreateCpu(bool useSharedMemoryTiles)
    {
        CPUDevice cpu = useSharedMemoryTiles
            ? new CPUDevice(EmulatedGroupThreads, EmulatedGroupThreads, 1)
            : new CPUDevice(CpuThreadsPerWarp, CpuWarps(), 1);
        Context context = Context.Create(builder => builder.CPU(cpu).Optimize(OptimizationLevel.O1));
        try
        {
            Accelerator accelerator = cpu.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
            return new GpuDevice(context, accelerator, GpuKind.Cpu, useSharedMemoryTiles);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    // Warps of the CPU device: one thread per core, as a power of two (ILGPU's CPU device needs one).
    private static int CpuWarps()
    {
        int warps = 1;
        while (warps * 2 * CpuThreadsPerWarp <= Environment.ProcessorCount) warps *= 2;
        return warps;
    }

    /// <summary>Waits until every kernel launched so far has finished.</summary>
    public void Synchronize() => Accelerator.Synchronize();

    /// <summary>Releases the accelerator. Buffers of networks on this device must be disposed first.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Accelerator.Dispose();
        _context.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static GpuDevice? TryOpen(GpuKind kind)
    {
        Context? context = null;
        try
        {
            context = CreateContext(kind);
            Device? device = Devices(context, kind).FirstOrDefault();
            if (device is null)
            {
                context.Dispose();
                return null;
            }

            return new GpuDevice(context, device.CreateAccelerator(context), kind, useSharedMemoryTiles: true);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // No driver, or a device that ILGPU cannot use: treat it as absent.
            context?.Dispose();
            return null;
        }
    }

    private static Context CreateContext(GpuKind kind) => kind switch
    {
        GpuKind.Cuda => Context.Create(builder => builder.Cuda().Optimize(OptimizationLevel.O1)),
        _ => Context.Create(builder => builder.OpenCL().Optimize(OptimizationLevel.O1)),
    };

    private static List<Device> Devices(Context context, GpuKind kind)
    {
        var devices = new List<Device>();
        if (kind == GpuKind.Cuda)
        {
            foreach (CudaDevice device in context.GetCudaDevices()) devices.Add(device);
        }
        else
        {
            foreach (CLDevice device in context.GetCLDevices()) devices.Add(device);
        }

        return devices;
    }

    private static string Describe(GpuKind kind) => kind switch
    {
        GpuKind.Cuda => "CUDA",
        GpuKind.OpenCL => "OpenCL",
        _ => "ILGPU CPU accelerator",
    };
}

/// <summary>A requested kind of accelerator is not present on this machine.</summary>
public sealed class GpuDeviceNotFoundException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="kind"/> with a message that says what to do.</summary>
    public GpuDeviceNotFoundException(GpuKind kind, string message) : base(message) => Kind = kind;

    /// <summary>The kind that was requested.</summary>
    public GpuKind Kind { get; }
}
