namespace NetGen.Gpu;

/// <summary>Which ILGPU accelerator a <see cref="GpuDevice"/> runs on.</summary>
public enum GpuKind
{
    /// <summary>The best one present: CUDA, then OpenCL, then ILGPU's CPU accelerator.</summary>
    Auto = 0,

    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda = 1,

    /// <summary>A GPU through OpenCL (ILGPU needs OpenCL 2.0 with generic address spaces).</summary>
    OpenCL = 2,

    /// <summary>ILGPU's CPU accelerator: the device kernels run as .NET code on the CPU's cores (always present; for tests and machines without a GPU).</summary>
    Cpu = 3,
}
