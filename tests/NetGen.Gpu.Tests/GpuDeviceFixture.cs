namespace NetGen.Gpu.Tests;

/// <summary>
/// One ILGPU CPU accelerator shared by every test (each kernel compiles once per device, so sharing keeps the
/// suite fast). A device is used from one thread at a time, so every test class joins the same collection.
/// </summary>
public sealed class GpuDeviceFixture : IDisposable
{
    public GpuDevice Device { get; } = GpuDevice.Create(GpuKind.Cpu);

    private GpuDevice? _tiled;

    /// <summary>A CPU device that runs the shared-memory 16 x 16 tile kernels real GPUs run (slow; small shapes only).</summary>
    public GpuDevice TiledDevice => _tiled ??= GpuDevice.CreateCpu(useSharedMemoryTiles: true);

    public void Dispose()
    {
        _tiled?.Dispose();
        Device.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GpuCollection : ICollectionFixture<GpuDeviceFixture>
{
    public const string Name = "GPU device";
}
